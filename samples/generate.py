"""Generate samples/: good and bad artifacts, images and source trees, deterministically.

    python samples/generate.py            # rewrite samples/ in place
    python samples/generate.py OUTDIR     # write them elsewhere (the tests compare the two)

Every sample is listed with the rule codes it must produce (``expected.json``); the good ones
produce none. Fixed timestamps and content: regenerating changes nothing.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests import hostile  # noqa: E402
from tests.builders import (  # noqa: E402
    KEY,
    SOURCE_DESCRIPTOR_VALUES,
    VERSION,
    descriptor,
    flat_image,
    make_jar,
    make_obr,
    make_zip,
    marketing,
    obr_xml,
    plugin_files,
    sdk_manifest,
    source_files,
)
from tests.imagebuilders import make_webp, png_bomb_header  # noqa: E402

Builder = Callable[[], bytes]
Expected = dict[str, dict[str, object]]

PLACEHOLDERS = SOURCE_DESCRIPTOR_VALUES
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<atlassian-plugin key="&lol3;" name="Issue Helper" plugins-version="2"/>
"""


def _jpeg(width: int, height: int) -> bytes:
    return flat_image(width, height, "JPEG")


# path under samples/ -> (builder, the codes it must produce)
ARTIFACTS: dict[str, tuple[Builder, list[str]]] = {
    "artifacts/good/issuehelper-1.2.0.jar": (make_jar, []),
    "artifacts/good/issuehelper-1.2.0.obr": (make_obr, []),
    # Container (ZIP)
    "artifacts/bad/empty.jar": (lambda: b"", ["ZIP001"]),
    "artifacts/bad/image-named-jar.jar": (lambda: flat_image(64, 64), ["ZIP004"]),
    "artifacts/bad/truncated.jar": (lambda: make_jar()[:4000], ["ZIP003"]),
    "artifacts/bad/crc-damage.jar": (
        lambda: hostile.damage(
            hostile.stored_jar(plugin_files(**{"notes.txt": "release notes " * 20})),
            b"release notes release",
            b"release notes RELEASE",
        ),
        ["ZIP010"],
    ),
    "artifacts/bad/path-traversal.jar": (
        lambda: make_zip(
            plugin_files(**{"../../../../etc/cron.d/evil": "* * * * * root sh /tmp/x\n"}),
            directories=False,
        ),
        ["ZIP022"],
    ),
    "artifacts/bad/zip-bomb.jar": (
        lambda: make_jar(**{"META-INF/lib/payload.jar": hostile.zeros_bomb(16 * 1024 * 1024)}),
        ["ZIP032"],
    ),
    "artifacts/bad/overlapping-entries.jar": (
        lambda: hostile.overlapping_records(200, 1024 * 1024),
        ["ZIP024"],
    ),
    "artifacts/bad/launcher-stub.jar": (
        lambda: b'#!/bin/sh\nexec java -jar "$0" "$@"\n' + make_jar(),
        ["ZIP040"],
    ),
    # Manifest (MF)
    "artifacts/bad/manifest-missing.jar": (
        lambda: make_jar(**{"META-INF/MANIFEST.MF": None}),
        ["MF001"],
    ),
    "artifacts/bad/manifest-snapshot-version.jar": (
        lambda: make_jar(
            **{"META-INF/MANIFEST.MF": sdk_manifest(**{"Bundle-Version": "1.2.0-SNAPSHOT"})}
        ),
        ["MF013"],
    ),
    "artifacts/bad/manifest-key-mismatch.jar": (
        lambda: make_jar(
            **{"META-INF/MANIFEST.MF": sdk_manifest(**{"Atlassian-Plugin-Key": "com.acme.other"})}
        ),
        ["MF020"],
    ),
    # XML and descriptor (XML, DSC)
    "artifacts/bad/descriptor-entity-expansion.jar": (
        lambda: make_jar(**{"atlassian-plugin.xml": BILLION_LAUGHS}),
        ["XML002"],
    ),
    "artifacts/bad/descriptor-unresolved-placeholders.jar": (
        lambda: make_jar(**{"atlassian-plugin.xml": descriptor(**PLACEHOLDERS)}),
        ["DSC020"],
    ),
    "artifacts/bad/descriptor-not-data-center.jar": (
        lambda: make_jar(
            **{
                "atlassian-plugin.xml": descriptor(
                    params={
                        "atlassian-data-center-status": None,
                        "atlassian-data-center-compatible": None,
                    }
                )
            }
        ),
        ["DSC030", "DSC031"],
    ),
    "artifacts/bad/descriptor-missing-banner.jar": (
        lambda: make_jar(
            **{"atlassian-plugin.xml": descriptor(params={"plugin-banner": "images/banner.jpg"})}
        ),
        ["DSC033"],
    ),
    # Marketing (MKT) and images inside artifacts (IMG)
    "artifacts/bad/marketing-min-above-max.jar": (
        lambda: make_jar(
            **{
                "atlassian-plugin-marketing.xml": marketing(
                    compatibility='<product name="jira" min="10.3.0" max="9.12.0"/>'
                )
            }
        ),
        ["MKT004"],
    ),
    "artifacts/bad/marketing-missing-screenshot.jar": (
        lambda: make_jar(
            **{
                "atlassian-plugin-marketing.xml": marketing(
                    screenshots=["images/screenshot1.png", "images/screenshot3.png"]
                )
            }
        ),
        ["MKT002"],
    ),
    "artifacts/bad/highlight-jpeg-wrong-size.jar": (
        lambda: make_jar(**{"images/highlight3.png": _jpeg(1839, 635)}),
        ["IMG004", "IMG010"],
    ),
    # OBR
    "artifacts/bad/obr-two-plugins.obr": (
        lambda: make_zip(
            {
                "issuehelper-1.2.0.jar": make_jar(),
                "issuehelper-1.1.0.jar": make_jar(),
                "obr.xml": obr_xml([("issuehelper-1.2.0.jar", KEY, VERSION, len(make_jar()))]),
            },
            directories=False,
        ),
        ["OBR002"],
    ),
    "artifacts/bad/obr-version-mismatch.obr": (
        lambda: make_obr(
            obr=obr_xml([("issuehelper-1.2.0.jar", KEY, "1.1.0", len(make_jar()))]),
            dependencies={},
        ),
        ["OBR014"],
    ),
    "artifacts/bad/obr-dependency-not-a-bundle.obr": (
        lambda: make_obr(
            dependencies={"dependencies/plain-lib.jar": make_zip({"lib/Util.class": b"\xca\xfe"})}
        ),
        ["OBR020"],
    ),
}

# Listing images: path -> (builder, the type it is checked as, the codes it must produce)
IMAGES: dict[str, tuple[Builder, str | None, list[str]]] = {
    **{
        f"images/good/{name}.png": (lambda size=size: flat_image(*size), name, [])
        for name, size in {
            "logo": (144, 144),
            "banner": (1120, 548),
            "highlight": (1840, 900),
            "highlight-cropped": (580, 330),
            "screenshot": (1840, 900),
            "partner-logo": (144, 144),
            "plugin-icon": (16, 16),
            "plugin-logo": (144, 144),
            "plugin-banner": (1120, 548),
            "vendor-icon": (16, 16),
            "vendor-logo": (72, 72),
            "title-logo": (400, 100),
            "hero": (1920, 600),
        }.items()
    },
    "images/good/screenshot.jpg": (lambda: _jpeg(1840, 900), "screenshot", []),
    "images/bad/logo-wrong-size.png": (lambda: flat_image(1120, 548), "logo", ["IMG010"]),
    "images/bad/highlight-really-jpeg.png": (lambda: _jpeg(1840, 900), "highlight", ["IMG004"]),
    "images/bad/banner-truncated.png": (
        lambda: flat_image(1120, 548, colour="#0052cc")[:-40],
        "banner",
        ["IMG021"],
    ),
    "images/bad/logo-with-jar-appended.gif": (
        lambda: flat_image(144, 144, "GIF") + make_jar(),
        "partner-logo",
        ["IMG030"],
    ),
    "images/bad/pixel-bomb.png": (
        lambda: png_bomb_header(100_000, 100_000),
        "screenshot",
        ["IMG020"],
    ),
    "images/bad/screenshot.webp": (lambda: make_webp(1840, 900), "screenshot", ["IMG002"]),
    "images/bad/logo.svg": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="144" height="144"/>\n',
        "logo",
        ["IMG002"],
    ),
}

# Plugin source trees (src/main/resources), with Maven placeholders in the descriptor.
SOURCES: dict[str, tuple[Callable[[], dict[str, bytes | str]], list[str]]] = {
    "source/good/src/main/resources": (source_files, []),
    "source/bad/src/main/resources": (
        lambda: source_files(
            **{
                "atlassian-plugin-marketing.xml": marketing(
                    highlights=[
                        ("images/highlight1.png", "images/highlight1_cropped.png"),
                        ("images/highlight2.png", "images/highlight2_cropped.png"),
                        ("images/highlight3.png", None),
                    ]
                ),
                "images/highlight2.png": flat_image(1498, 900),
                "images/screenshot2.png": None,
            }
        ),
        ["IMG010", "MKT002", "MKT011"],
    ),
}


def build_all(out: Path) -> Expected:
    expected: Expected = {}
    for relative, (builder, codes) in sorted(ARTIFACTS.items()):
        _write(out / relative, builder())
        expected[relative] = {"codes": sorted(codes), "image_type": None}
    for relative, (image, image_type, codes) in sorted(IMAGES.items()):
        _write(out / relative, image())
        expected[relative] = {"codes": sorted(codes), "image_type": image_type}
    for relative, (files, codes) in sorted(SOURCES.items()):
        for name, data in files().items():
            _write(out / relative / name, data.encode() if isinstance(data, str) else data)
        expected[relative] = {"codes": sorted(codes), "image_type": None}
    (out / "expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")
    return expected


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE
    build_all(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
