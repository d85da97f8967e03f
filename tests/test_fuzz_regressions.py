"""Inputs the fuzz targets (``fuzz/``) found breaking a property, minimised, kept as tests.

Each test holds the input as a bytes literal and asserts the property it broke, on the code
the fuzz target drives, without atheris.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assetcheck import osgi
from assetcheck.config import ConfigError, load_config
from assetcheck.readers.image import probe_image
from assetcheck.readers.manifest import read_manifest
from tests.catalogue import RULES

# fuzz target ``manifest``: a clause of parameters only (no package, no symbolic name) was
# taken as a clause, so ``Import-Package: version="1.0"`` and ``Export-Package: .=J6`` read
# as valid headers. OSGi's clause starts with a path; Felix refuses one without.
PARAMETERS_ONLY = b".=J6"


def test_a_clause_of_parameters_only_is_a_grammar_error() -> None:
    text = PARAMETERS_ONLY.decode()
    for parse in (
        osgi.parse_clauses,
        osgi.parse_import_package,
        osgi.parse_export_package,
        osgi.parse_bundle_symbolic_name,
    ):
        parsed = parse(text)
        assert parsed.clauses == (), parse.__name__
        assert [e.position for e in parsed.errors] == [0], parse.__name__
        assert "no path" in parsed.errors[0].message


def test_a_parameters_only_clause_does_not_hide_the_valid_ones() -> None:
    manifest = read_manifest(
        b'Manifest-Version: 1.0\r\nImport-Package: com.acme;version="1.0",resolution:=optional,'
        b"org.osgi\r\n"
    )
    header = manifest.get("Import-Package")
    assert header is not None
    parsed = osgi.parse_import_package(header.value)
    assert [clause.paths for clause in parsed.clauses] == [("com.acme",), ("org.osgi",)]
    assert len(parsed.errors) == 1
    assert header.value[parsed.errors[0].position :].startswith("resolution")


# fuzz target ``image``: a JPEG whose frame header the walk accepts but Pillow cannot identify.
# Pillow's message named the stream, "<_io.BytesIO object at 0x7f...>": the report changed on
# every run (and showed the user an address).
UNIDENTIFIED_JPEG = b"\xff\xd8\xff\xc0\x00\x08\x00\x00\x11\x00Y\x00\xff\xd9"


def test_an_image_pillow_cannot_identify_gets_the_same_message_every_time() -> None:
    first = probe_image(UNIDENTIFIED_JPEG, "image.jpg")
    assert first.decode_error == "cannot identify image file"
    assert probe_image(UNIDENTIFIED_JPEG, "image.jpg") == first
    assert "0x" not in repr(probe_image(UNIDENTIFIED_JPEG, "image.gif"))


# fuzz target ``config``: a glob with a reversed character range. pathspec compiles it to a
# regular expression and lets ``re.error`` (not a ValueError) out, so load_config raised it
# instead of a ConfigError: a traceback where a usage error (exit 2) was due.
REVERSED_RANGE = b'[per-path-ignores]\n"[per-p*.jaim]ge.jar" = ["ZIP"]\n'


@pytest.mark.parametrize(
    "text", [REVERSED_RANGE, b'[image-types]\n"shots/[z-a].png" = "screenshot"\n']
)
def test_a_glob_with_a_reversed_range_is_a_config_error(tmp_path: Path, text: bytes) -> None:
    path = tmp_path / "assetcheck.toml"
    path.write_bytes(text)
    with pytest.raises(ConfigError, match="not a valid gitignore-style glob: bad character range"):
        load_config(path, RULES)


# fuzz target ``zip`` (the long campaign, execution 633,827): a ZIP64 extra field gave an
# entry's local header offset as 0xFFF8000000000000, past what a seek takes: ValueError on a
# file, OverflowError on a BytesIO, so the check ended as an internal error (exit 3).
ZIP64_OFFSET_PAST_SEEK = (
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00u\x95\x8f[c\xf3\xf3\xad\x06\x00\x00\x00\x04\x00\x10\x00"
    b"\x05\x00\x00\x00a.txtKI,I\x04\x00PK\x01\x02\x14\x03\x14\x00\x00\x00\x08\x00u\x95\x8f[c"
    b"\xf3\xf3\xad\x06\x00\x00\x00\x04\x00\x00\x00\x05\x00\x0c\x00\x00\x00\x00\x00\x00\x00\x00"
    b"\x00\xa4\x01\xff\xff\xff\xffa.txt\x01\x00\x08\x00\x04\x00\x00\x00\x00\x00\xf8\xffPK\x05"
    b"\x06\x00\x00\x00\x00\x01\x00\x01\x00?\x00\x00\x00)\x00\x00\x00\x00\x00"
)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_zip64_offset_too_large_to_seek_is_a_finding(tmp_path: Path, jobs: int) -> None:
    from assetcheck.settings import Settings
    from tests.catalogue import check_paths

    path = tmp_path / "app.jar"
    path.write_bytes(ZIP64_OFFSET_PAST_SEEK)
    report = check_paths([path], Settings(jobs=jobs))
    assert report.internal_errors == []
    [problem] = [f for f in report.files[0].findings if f.code == "ZIP015"]
    assert problem.entry == "a.txt"
    assert problem.message == (
        "the directory points past the end of the file, at byte 18,444,492,273,895,866,372 of 126"
    )
