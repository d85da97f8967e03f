"""Work that must stay bounded however the file is built: each input is built in code and
checked in a fresh interpreter that reports its verdict, time and peak memory."""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

import pytest

from tests.builders import (
    bundle_manifest,
    flat_image,
    make_jar,
    make_zip,
    marketing,
    obr_xml,
    plugin_files,
    source_files,
    write_tree,
)
from tests.probe import measured_check

SECONDS = 10
PEAK_MB = 300

LOCAL = struct.Struct("<4s5H3L2H")
CENTRAL = struct.Struct("<4s6H3L5H2L")


def _zip_of_deflated(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of entries already deflated: (name, raw deflate data, crc, uncompressed size).

    Lets a test reuse one compressed blob for many entries instead of deflating it again.
    """
    body, directory = bytearray(), bytearray()
    for name, data, crc, size in entries:
        raw = name.encode()
        offset = len(body)
        body += LOCAL.pack(b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data), size, len(raw), 0)
        body += raw + data
        directory += CENTRAL.pack(
            b"PK\x01\x02",
            20,
            20,
            0,
            8,
            0,
            0x21,
            crc,
            len(data),
            size,
            len(raw),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        directory += raw
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), len(body), 0
    )
    return bytes(body + directory + end)


def _thirty_mb_bundle() -> bytes:
    """A 30 MB OSGi bundle whose bytes deflate about 40:1 (under the ratio limit)."""
    rng = random.Random(7)
    payload = b"".join(bytes([rng.randrange(256)]) * 40 for _ in range(750_000))
    files = {"META-INF/MANIFEST.MF": bundle_manifest("com.acme.big", "1.0.0"), "blob": payload}
    return make_zip(files, compression=0)


def test_an_obr_of_sixteen_30_mb_bundles_holds_one_at_a_time(tmp_path: Path) -> None:
    bundle = _thirty_mb_bundle()
    deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
    packed = deflater.compress(bundle) + deflater.flush()
    crc = zlib.crc32(bundle)
    names = [f"dependencies/big-{i}.jar" for i in range(16)]
    plugin = make_jar()
    plugin_packed = zlib.compressobj(6, zlib.DEFLATED, -15)
    plugin_data = plugin_packed.compress(plugin) + plugin_packed.flush()
    resources = [("issuehelper.jar", "com.acme.jira.issuehelper", "1.2.0", len(plugin))]
    resources += [(name, "com.acme.big", "1.0.0", len(bundle)) for name in names]
    index = obr_xml(resources).encode()
    entries = [("issuehelper.jar", plugin_data, zlib.crc32(plugin), len(plugin))]
    entries.append(("obr.xml", zlib.compress(index)[2:-4], zlib.crc32(index), len(index)))
    entries += [(name, packed, crc, len(bundle)) for name in names]
    obr = tmp_path / "big.obr"
    obr.write_bytes(_zip_of_deflated(entries))
    verdict = measured_check(obr)
    assert not [c for c in verdict["codes"] if c.startswith(("ZIP", "OBR02"))], verdict
    # Before: 518 MB, every bundle held in memory until the end.
    assert verdict["seconds"] < SECONDS and verdict["peak_mb"] < 150, verdict


def test_a_hundred_huge_screenshots_cost_a_bounded_decode(tmp_path: Path) -> None:
    shot = flat_image(3400, 3400)  # 11.6 million pixels each (under the limit), a few KB
    names = [f"images/shot{i}.png" for i in range(100)]
    files = plugin_files(
        **{"atlassian-plugin-marketing.xml": marketing(screenshots=names)},
        **dict.fromkeys(names, shot),
    )
    jar = tmp_path / "shots.jar"
    jar.write_bytes(make_jar(files))
    verdict = measured_check(jar)
    assert "IMG023" in verdict["codes"], verdict
    assert verdict["seconds"] < SECONDS and verdict["peak_mb"] < PEAK_MB, verdict


def test_a_source_tree_of_thousands_of_images_is_checked_whole_and_fast(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "src/main/resources", source_files())
    icon = flat_image(16, 16)
    for i in range(3000):  # web resources nothing references: still read and checked
        path = tree / "icons" / f"{i // 100}" / f"icon{i}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(icon if i != 2999 else icon[:-20])
    verdict = measured_check(tree)
    assert verdict["codes"] == ["IMG021"], verdict
    assert verdict["seconds"] < SECONDS and verdict["peak_mb"] < PEAK_MB, verdict


@pytest.mark.parametrize("count", [5_000])
def test_findings_of_one_kind_are_capped_per_file(tmp_path: Path, count: int) -> None:
    from assetcheck.settings import Settings
    from tests.catalogue import check_paths

    names = {f"../escape/{i}.txt": b"x" for i in range(count)}
    jar = tmp_path / "many.jar"
    jar.write_bytes(make_jar(plugin_files(**names)))
    [result] = check_paths([jar], Settings()).files
    traversal = [f for f in result.findings if f.code == "ZIP022"]
    assert len(traversal) == Settings().findings_per_code + 1
    [summary] = [f for f in traversal if "more ZIP022 findings in this file" in f.message]
    shown = Settings().findings_per_code
    assert f"the first {shown} are listed" in summary.message
    assert int(summary.message.split()[0].replace(",", "")) >= count - shown
    verdict = measured_check(jar)
    assert verdict["seconds"] < SECONDS and verdict["peak_mb"] < PEAK_MB, verdict


def test_the_costliest_image_still_read_decodes_inside_the_image_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Progressive CMYK noise at quality 100, just under the 32 MiB read limit: libjpeg holds
    every coefficient and Huffman-decodes every byte, the slowest decode a file can ask for."""
    from PIL import Image, ImageFile

    rng = random.Random(11)
    side = 2780
    image = Image.frombytes("CMYK", (side, side), rng.randbytes(side * side * 4))
    path = tmp_path / "noise.jpg"
    monkeypatch.setattr(ImageFile, "MAXBLOCK", 64 * 1024 * 1024)  # one block for the encoder
    image.save(path, "JPEG", quality=100, progressive=True)
    assert path.stat().st_size < 32 * 1024 * 1024
    verdict = measured_check(path, "screenshot")
    assert "IMG022" not in verdict["codes"], verdict  # it was read and decoded
    assert verdict["seconds"] < 2 and verdict["peak_mb"] < 200, verdict
