"""Fuzz target ``check``: the whole check, as ``assetcheck check`` runs it on one file.

The bytes are written to a file in the sandbox, named by what they look like (``app.obr``
when they mention ``obr.xml``, ``app.jar`` for anything else zip-like, an image name for an
image signature, else a name picked by the bytes), and checked by the engine with every shipped
rule and the default settings, as the tests do. Asserted: a verdict (registered codes, no
internal errors), and a second run gives the same JSON report.
"""

from __future__ import annotations

import contextlib
import json
import zlib

try:
    import atheris
except ImportError:  # replaying an input without atheris: nothing is instrumented
    atheris = None

with atheris.instrument_imports(include=["assetcheck"]) if atheris else contextlib.nullcontext():
    import harness

    from assetcheck.report.json_report import report_to_dict
    from tests.catalogue import check_paths

IMAGES = ((b"\x89PNG", "logo.png"), (b"\xff\xd8", "screenshot.jpg"), (b"GIF8", "banner.gif"))
IMAGES += ((b"RIFF", "screenshot.webp"), (b"BM", "icon.bmp"))
NAMES = ("app.jar", "app.obr", *(name for _, name in IMAGES))


def name_for(data: bytes) -> str:
    if b"obr.xml" in data:
        return "app.obr"
    if data.startswith(b"PK") or b"PK\x05\x06" in data:
        return "app.jar"
    for signature, name in IMAGES:
        if data.startswith(signature):
            return name
    return NAMES[zlib.crc32(data) % len(NAMES)]


def check(data: bytes, name: str) -> str:
    path = harness.write_input(name, data)
    try:
        report = check_paths([path], harness.SETTINGS)
    finally:
        path.unlink()
    assert report.internal_errors == [], report.internal_errors
    assert len(report.files) == 1, report.files
    harness.assert_findings(report.files[0].findings)
    return json.dumps(report_to_dict(report), sort_keys=True)


def examine(data: bytes) -> str:
    return check(data, name_for(data))


test_one_input = harness.twice(examine)

if __name__ == "__main__":
    harness.main(test_one_input)
