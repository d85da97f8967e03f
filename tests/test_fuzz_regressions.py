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
