"""Regenerate the committed seed corpora, ``fuzz/corpus/<target>/``, deterministically.

    .venv/bin/python fuzz/seed.py

Seeds come from ``samples/`` (artifacts, images, source trees) and from the inputs the tests
build (``tests/builders.py``, ``tests/hostile.py``, ``tests/imagebuilders.py``: the small
ones). Each file is named ``<what>-<sha1 prefix>``; each is at most 64 KB and each target's
corpus at most 1 MB. Every corpus folder is emptied and written again, so the result depends
only on the code and the samples.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import struct
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests import builders, hostile, imagebuilders  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "corpus"
SAMPLES = REPO / "samples"
MAX_FILE = 64 * 1024
MAX_TOTAL = 1024 * 1024

Seeds = Iterator[tuple[str, bytes]]


def _files(folder: Path, *suffixes: str) -> Seeds:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and (not suffixes or path.suffix.lower() in suffixes):
            yield path.stem, path.read_bytes()


def _entries(data: bytes, wanted: re.Pattern[str]) -> Seeds:
    """Entries of a sample archive (and of the archives bundled in it) whose names match."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return
    with archive:
        for info in archive.infolist():
            try:
                content = archive.read(info)
            except Exception:  # a damaged sample: what can be read is enough
                continue
            if wanted.search(info.filename):
                yield info.filename.rsplit("/", 1)[-1], content
            if info.filename.endswith(".jar"):
                yield from _entries(content, wanted)


def _from_artifacts(wanted: str) -> Seeds:
    pattern = re.compile(wanted)
    for _, data in _files(SAMPLES / "artifacts", ".jar", ".obr"):
        yield from _entries(data, pattern)


# ---- per target ---------------------------------------------------------------------------


def zip_seeds() -> Seeds:
    yield from _files(SAMPLES / "artifacts", ".jar", ".obr")
    raw = hostile.Raw
    yield "good-jar", builders.make_jar()
    yield "obr", builders.make_obr()
    yield "library-jar", builders.library_jar("com.acme", "lib", symbolic_name="com.acme.lib")
    yield "stored-jar", hostile.stored_jar({"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\n"})
    yield "symlink", hostile.symlink_jar()
    yield "manifest-last", hostile.manifest_last_jar()
    yield "nested-3", hostile.nested_jars(3)
    yield "nested-7", hostile.nested_jars(7)
    yield "hidden-records", hostile.hidden_records()
    yield "concatenated", hostile.concatenated()
    yield "local-disagrees", hostile.local_disagrees(csize=3, method=0)
    yield "descriptor", hostile.with_descriptor()
    yield "descriptor-stored", hostile.with_descriptor(method=0, signature=False)
    yield "descriptor-zip64", hostile.with_descriptor(zip64=True)
    yield "descriptor-lies", hostile.with_descriptor(lie={"crc": 1, "usize": 7})
    yield "bad-utf8", hostile.bad_utf8_name()
    yield "bad-utf8-flag", hostile.bad_utf8_name(flags=0x800)
    yield "unicode-path", hostile.unicode_path("a.txt", "b.txt")
    yield "unlisted-between", hostile.unlisted_entry("between")
    yield "unlisted-last", hostile.unlisted_entry("last")
    yield "traversal", hostile.with_names(["../../evil.sh", "/abs", "C:\\x", "a//b"])
    yield "overlapping", hostile.overlapping_records(count=4, inflated=4096)
    yield "bomb-small", hostile.zeros_bomb(4 * 1024 * 1024)
    yield "prefixed", hostile.raw_zip([hostile.RAW_MANIFEST], prefix=b"#!/bin/sh\nexit 0\n")
    yield "comment", hostile.raw_zip([hostile.RAW_MANIFEST], comment=b"PK\x05\x06 in a comment")
    yield "count-lies", hostile.raw_zip([hostile.RAW_MANIFEST, raw(b"a.txt")], count=5)
    yield (
        "zip64-extra",
        hostile.raw_zip([raw(b"a.txt", b"data", central_extra=struct.pack("<2HQ", 1, 8, 4))]),
    )
    yield "zip64-eocd", _zip64(builders.make_zip({"a.txt": "zip64"}, directories=False))
    yield "empty-zip", hostile.raw_zip([])


def _zip64(data: bytes) -> bytes:
    """``data`` with a zip64 end record and locator before its end record (as zip64 writers
    do), the end record's fields left as they are."""
    eocd = data.rindex(b"PK\x05\x06")
    _, _, _, count, total, cd_size, cd_offset, _ = hostile.EOCD.unpack_from(data, eocd)
    record = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, total, cd_size, cd_offset
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, eocd, 1)
    return data[:eocd] + record + locator + data[eocd:]


def manifest_seeds() -> Seeds:
    yield from _from_artifacts(r"(^|/)MANIFEST\.MF$")
    yield "sdk", builders.sdk_manifest().encode()
    yield "bundle", builders.bundle_manifest("com.acme.lib", "1.0.0").encode()
    yield "wrapped", builders.wrap_manifest({"Import-Package": 'a;version="[1,2)",' * 8}).encode()
    yield "lf", b"Manifest-Version: 1.0\nBundle-SymbolicName: a.b;singleton:=true\n"
    yield "cr", b"Manifest-Version: 1.0\rBundle-Version: 1.0.0.SNAPSHOT\r"
    yield "bom", b"\xef\xbb\xbfManifest-Version: 1.0\r\n"
    yield "no-newline", b"Manifest-Version: 1.0"
    yield "continuation", b"Manifest-Version: 1.0\r\nExport-Package: com.acme;ver\r\n sion=1.0\r\n"
    yield "bad-continuation", b" starts with a space\r\nManifest-Version: 1.0\r\n"
    yield "sections", b"Manifest-Version: 1.0\r\n\r\nName: a/b.class\r\nSHA-256-Digest: x\r\n\r\n"
    yield "long-line", b"Manifest-Version: 1.0\r\nX-Long: " + b"x" * 600 + b"\r\n"
    yield "duplicates", b"Manifest-Version: 1.0\r\n" + b"Import-Package: a\r\n" * 3
    yield "bad-names", b"Manifest-Version: 1.0\r\n-bad: x\r\nno colon\r\n\xff\xfe: y\r\n"
    yield (
        "osgi-headers",
        (
            b"Manifest-Version: 1.0\r\n"
            b"Bundle-SymbolicName: com.acme.app;singleton:=true\r\n"
            b"Bundle-Version: 1.0.0.beta-2\r\n"
            b'Import-Package: com.atlassian.jira;version="[8.0,11)",org.osgi;resolution:=optional,'
            b"javax.*\r\n"
            b'Export-Package: com.acme.api;version="1.2";uses:="a,b",com.acme.x;version=[1,2)\r\n'
            b"Atlassian-Plugin-Key: com.acme.app\r\n"
            b'Require-Capability: osgi.ee;filter:="(&(osgi.ee=JavaSE)(version=1.8))"\r\n'
        ),
    )
    yield (
        "grammar-errors",
        (
            b"Manifest-Version: 1.0\r\n"
            b'Import-Package: ,a;;b;version=1.0;version=2,c;x:y=1,d;v:Version="1",e;"unclosed\r\n'
            b"Bundle-Version: 01.2.3-SNAPSHOT\r\n"
            b"Bundle-SymbolicName: a..b,c\r\n"
        ),
    )


def xml_seeds() -> Seeds:
    yield from _from_artifacts(r"(^|/)(atlassian-plugin(-marketing)?|obr)\.xml$")
    for folder in ("good", "bad"):
        yield from _files(SAMPLES / "source" / folder, ".xml")
    yield "descriptor", builders.descriptor().encode()
    yield "marketing", builders.marketing().encode()
    yield "obr", builders.obr_xml([("app.jar", "com.acme.app", "1.0.0", 123)]).encode()
    yield (
        "entities",
        (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx"><!ENTITY y "&x;&x;">]><a>&y;</a>'),
    )
    yield "external-dtd", b'<!DOCTYPE a SYSTEM "http://example.com/a.dtd"><atlassian-plugin/>'
    yield "external-entity", b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>'
    yield (
        "utf16",
        '<?xml version="1.0" encoding="UTF-16"?><atlassian-plugin key="k"/>'.encode("utf-16"),
    )
    yield "comment-subset", b"<!-- c --><!DOCTYPE a [<!-- ] --><!ENTITY e 'x'>]><a/>"
    yield "malformed", b"<atlassian-plugin key='a'><plugin-info></atlassian-plugin>"
    yield (
        "placeholders",
        (
            b"<atlassian-plugin key='${atlassian.plugin.key}'><plugin-info>"
            b"<version>${project.version}</version></plugin-info></atlassian-plugin>"
        ),
    )


def _shrunk(data: bytes) -> bytes:
    """An image of more than 256x256 pixels, re-encoded at an eighth of each side in its own
    format and mode; anything else (small, damaged, not an image) as it is.

    A listing image at its real size (1840x900) costs the image walkers and Pillow about 20
    times what a small one does, at every mutation of it; its structure is the same. The small
    good samples (logo 144x144, icons 16x16) keep the path where an image has its type's size.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height <= 256 * 256:
                return data
            image.load()
            small = image.resize((max(1, image.width // 8), max(1, image.height // 8)))
            out = io.BytesIO()
            small.save(out, image.format)
            return out.getvalue()
    except Exception:  # damaged (truncated, a bomb's header) or not an image: keep its shape
        return data


def image_seeds() -> Seeds:
    for what, data in _files(SAMPLES / "images"):
        yield what, _shrunk(data)
    ib = imagebuilders
    yield "png", ib.make_image(16, 8, "PNG")
    yield "png-palette", ib.make_image(9, 9, "PNG", mode="P")
    yield "png-split-idat", ib.png_with_split_idat(12, 12, 4)
    yield "png-bad-crc", ib.corrupt_png_crc(ib.make_image(8, 8, "PNG"), b"IHDR")
    yield "png-text", ib.with_png_text(ib.make_image(8, 8, "PNG"), "Comment", "hi")
    yield "png-bomb", ib.png_bomb_header(100_000, 100_000)
    yield "jpeg", ib.make_image(16, 8, "JPEG")
    yield "jpeg-progressive", ib.make_image(24, 16, "JPEG", progressive=True)
    yield "jpeg-cmyk", ib.make_flat_image(8, 8, "JPEG", mode="CMYK")
    yield "jpeg-resized", ib.with_jpeg_size(ib.make_image(16, 8, "JPEG"), 4000, 3000)
    yield (
        "jpeg-exif-thumb",
        ib.with_exif_thumbnail(ib.make_image(16, 16, "JPEG"), ib.make_image(4, 4, "JPEG")),
    )
    yield (
        "jpeg-xmp",
        ib.with_jpeg_segments(ib.make_image(8, 8, "JPEG"), ib.xmp_extension_segments(3)),
    )
    yield "gif", ib.make_image(10, 6, "GIF")
    yield "gif-animated", ib.make_animated_gif(8, 8, 3)
    yield "webp", ib.make_webp(16, 8)
    yield "webp-header", ib.webp_header(640, 480)
    yield "bmp", ib.make_image(8, 4, "BMP")
    yield "bmp-bomb", ib.bmp_bomb_header(50_000, 50_000)
    yield "tiff", ib.make_image(4, 4, "TIFF")
    yield "ico", ib.make_image(16, 16, "ICO")
    yield "svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    yield "png-then-zip", ib.make_image(8, 8, "PNG") + ib.make_tiny_jar()


def version_seeds() -> Seeds:
    lists = [
        ["0.99", "1.0", "1.0.1-alpha", "1.0.1-beta", "1.0.1-beta2", "1.0.1", "1.0.1.0", "1.10"],
        ["1.0.0-SNAPSHOT", "1.2", "2.0.1-beta-3", "1.0-beta", "1.0.0-", "1..2", "1a", ""],
        ["[1.7,3)", "(1,2]", "[1.0.0,1.0.0]", "(2,1)", "1.2.3.qualifier_x-y", " 1.0 "],
        ["2147483647.0.0", "2147483648", "0000000000000000001.0", "9" * 40, "beta10", "beta2"],
        ["1.0.0.", "1.-1", "1.0.0.q!", "6a", "6", "1\u00b2", "\u0661.\u0662", "1.0.0.\u00e9"],
        ["[1.0,", "[,2)", "[1.0;2.0)", "1.0]", "(1.0.0.a,1.0.0.b)"],
    ]
    for index, versions in enumerate(lists):
        yield f"versions-{index}", "\n".join(versions).encode()


def config_seeds() -> Seeds:
    yield "samples", (SAMPLES / "assetcheck.toml").read_bytes()
    texts = {
        "empty": "",
        "select": 'select = ["ZIP", "MAN"]\nignore = ["IMG050"]\nfail-on = "warning"\n',
        "severity": '[severity]\nIMG = "info"\nDSC001 = "warning"\n',
        "per-path": '[per-path-ignores]\n"images/**" = ["IMG050"]\n"*.jar" = ["ZIP"]\n',
        "image-types": '[image-types]\n"**/logo*.png" = "logo"\n"shots/*" = "screenshot"\n',
        "image-type": "[image-type.logo]\nmax-bytes = 100000\n[image-type.custom]\n"
        'description = "x"\nformats = ["png"]\nsizes = ["16x16"]\n',
        "limits": "[limits]\nmax-entries = 10\nmax-nesting-depth = 2\nmax-image-pixels = 1_000\n",
        "data": '[data.secrets]\nallow = ["x"]\n',
        "ledger": 'ledger = "build/ledger.db"\nbase-url = "https://example.com/rest/2"\n',
        "pyproject": '[project]\nname = "x"\n[tool.assetcheck]\nselect = ["IMG"]\n',
        "bad-types": 'select = "ZIP"\nfail-on = 3\n[limits]\nmax-entries = -1\n',
        "bad-code": 'select = ["NOPE"]\nignore = ["ZIP001"]\n',
        "unknown": "unknown-key = 1\n[tool]\nx = 1\n",
        "bad-toml": 'select = ["ZIP"\n[[x]]\n',
        "big-number": "[limits]\nmax-entries = " + "9" * 5000 + "\n",
    }
    for name, text in texts.items():
        yield name, text.encode()


_IMAGE_NAME = re.compile(r"\.(png|jpe?g|gif|webp|bmp)$", re.IGNORECASE)


def _small_images(data: bytes) -> bytes:
    """An archive with its images (in bundled archives too) ``_shrunk``, entries otherwise as
    they were; an archive ``zipfile`` cannot copy exactly (bytes before its first entry or a
    comment, which a copy drops; damage that stops a read: the hostile samples) as it is."""
    if not data.startswith(b"PK\x03\x04"):
        return data
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, zipfile.ZipFile(out, "w") as copy:
            if archive.comment:
                return data
            for info in archive.infolist():
                content = archive.read(info)
                if _IMAGE_NAME.search(info.filename):
                    content = _shrunk(content)
                elif info.filename.endswith((".jar", ".obr")):
                    content = _small_images(content)
                copy.writestr(info, content)
    except Exception:  # damaged on purpose: keep its damage
        return data
    return out.getvalue()


def check_seeds() -> Seeds:
    for what, data in _files(SAMPLES / "artifacts", ".jar", ".obr"):
        yield what, _small_images(data)
    good = SAMPLES / "images" / "good"
    for name in ("logo.png", "screenshot.jpg", "vendor-logo.png"):
        yield name, _shrunk((good / name).read_bytes())
    for what, data in _files(SAMPLES / "images" / "bad"):
        yield what, _shrunk(data)
    yield "obr", builders.make_obr()
    yield "nested-3", hostile.nested_jars(3)
    yield "descriptor-zip64", hostile.with_descriptor(zip64=True)
    yield "gif", imagebuilders.make_animated_gif(8, 8, 2)
    yield "webp", imagebuilders.make_webp(16, 8)
    yield "bmp", imagebuilders.make_image(8, 4, "BMP")


TARGETS = {
    "zip": zip_seeds,
    "manifest": manifest_seeds,
    "xml": xml_seeds,
    "image": image_seeds,
    "versions": version_seeds,
    "config": config_seeds,
    "check": check_seeds,
}


def write(target: str) -> tuple[int, int]:
    folder = CORPUS / target
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    seen: set[bytes] = set()
    total = 0
    for what, data in TARGETS[target]():
        digest = hashlib.sha1(data).digest()
        if len(data) > MAX_FILE or digest in seen or total + len(data) > MAX_TOTAL:
            continue
        seen.add(digest)
        total += len(data)
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", what)[:40]
        (folder / f"{name}-{digest.hex()[:8]}").write_bytes(data)
    return len(seen), total


def main() -> int:
    for target in TARGETS:
        count, total = write(target)
        print(f"{target:9} {count:3} files {total:9,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
