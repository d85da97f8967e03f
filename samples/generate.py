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
    flat_image,
    make_jar,
    make_obr,
    make_zip,
    plugin_files,
)

Builder = Callable[[], bytes]

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
            hostile.stored_jar(
                {
                    "META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\r\n",
                    "notes.txt": b"release notes " * 20,
                }
            ),
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
    "artifacts/bad/zip-bomb.jar": (lambda: hostile.zeros_bomb(16 * 1024 * 1024), ["ZIP032"]),
    "artifacts/bad/overlapping-entries.jar": (
        lambda: hostile.overlapping_records(200, 1024 * 1024),
        ["ZIP024"],
    ),
    "artifacts/bad/launcher-stub.jar": (
        lambda: b'#!/bin/sh\nexec java -jar "$0" "$@"\n' + make_jar(),
        ["ZIP040"],
    ),
}


def build_all(out: Path) -> dict[str, list[str]]:
    expected: dict[str, list[str]] = {}
    for relative, (builder, codes) in sorted(ARTIFACTS.items()):
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(builder())
        expected[relative] = sorted(codes)
    (out / "expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")
    return expected


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE
    build_all(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
