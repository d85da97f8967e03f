import pytest
from hypothesis import given
from hypothesis import strategies as st

from assetcheck.readers.manifest import read_manifest
from tests.builders import sdk_manifest


def kinds(data: bytes) -> list[str]:
    return [issue.kind for issue in read_manifest(data).issues]


def test_sdk_manifest_reads_clean_with_continuations_joined() -> None:
    manifest = read_manifest(sdk_manifest().encode())
    assert manifest.issues == ()
    imports = manifest.get("import-package")
    assert imports is not None and "org.slf4j" in imports.value and "\n" not in imports.value


def test_multibyte_character_split_across_a_line_break_is_valid() -> None:
    line = ("Bundle-Description: " + "x" * 51 + "é").encode()
    data = b"Manifest-Version: 1.0\r\n" + line[:72] + b"\r\n " + line[72:] + b"\r\n"
    manifest = read_manifest(data)
    assert manifest.issues == ()
    assert manifest.get("Bundle-Description").value.endswith("xé")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"A: " + b"x" * 80 + b"\n", "line-too-long"),
        (b" orphan\n", "bad-continuation"),
        (b"no colon here\n", "bad-header"),
        (b"Bad Name: x\n", "bad-name"),
        (b"A: 1\nA: 2\n", "duplicate-header"),
        (b"A: \xff\n", "encoding"),
        (b"\xef\xbb\xbfA: 1\n", "encoding"),
        (b"A: 1\nB: 2", "no-final-newline"),
    ],
)
def test_each_kind_of_problem(data: bytes, kind: str) -> None:
    assert kind in kinds(data)


def test_sections() -> None:
    manifest = read_manifest(b"Manifest-Version: 1.0\n\nName: a/b\nX: 1\n\nName: c\nY: 2\n")
    assert [h.name for h in manifest.main] == ["Manifest-Version"]
    assert len(manifest.sections) == 2


@given(st.binary(max_size=2000))
def test_never_raises(data: bytes) -> None:
    read_manifest(data)
