import pytest
from hypothesis import given
from hypothesis import strategies as st

from assetcheck.readers.manifest import (
    MAX_HEADERS,
    MAX_ISSUES,
    MAX_LINES,
    MAX_SAME_HEADER,
    _lines,
    read_manifest,
)
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


# ---- bounded work on hostile manifests ------------------------------------------------------


def test_issues_of_one_kind_are_capped_and_counted() -> None:
    manifest = read_manifest(b"Manifest-Version: 1.0\n" + b"no colon\n" * 1000)
    bad = [issue for issue in manifest.issues if issue.kind == "bad-header"]
    assert len(bad) == MAX_ISSUES and [i.line for i in bad[:2]] == [2, 3]
    assert manifest.more("bad-header") == 1000 - MAX_ISSUES


def test_repeated_headers_are_kept_up_to_a_cap() -> None:
    manifest = read_manifest(b"A: 1\n" * 100)
    assert len(manifest.get_all("a")) == MAX_SAME_HEADER
    dups = [issue for issue in manifest.issues if issue.kind == "duplicate-header"]
    assert len(dups) + manifest.more("duplicate-header") == 99


def test_continuation_lines_up_to_the_line_limit_join_into_one_value() -> None:
    manifest = read_manifest(b"X-Long: a\n" + b" b\n" * (MAX_LINES - 1))
    header = manifest.get("X-Long")
    assert header is not None and len(header.value) == MAX_LINES and manifest.issues == ()


@pytest.mark.parametrize("line", [b"", b" b"], ids=["blank", "continuation"])
def test_reading_stops_after_too_many_lines(line: bytes) -> None:
    manifest = read_manifest(b"X: a\n" + (line + b"\n") * MAX_LINES)
    stops = [i for i in manifest.issues if i.kind == "too-many-headers"]
    assert [(i.line, i.detail) for i in stops] == [
        (
            MAX_LINES + 1,
            f"it has more than {MAX_LINES:,} lines; reading stopped at line {MAX_LINES + 1:,}",
        )
    ]
    counted = sum(1 for i in manifest.issues if i.kind != "too-many-headers")
    assert counted + sum(manifest.more_issues.values()) < MAX_LINES


def test_repeated_headers_count_towards_the_header_limit() -> None:
    manifest = read_manifest(b"A: b\n" * (MAX_HEADERS + 1))
    assert [i.line for i in manifest.issues if i.kind == "too-many-headers"] == [MAX_HEADERS + 1]


def test_reading_stops_after_too_many_headers() -> None:
    data = b"".join(b"H%d: v\n" % i for i in range(MAX_HEADERS + 10))
    manifest = read_manifest(data)
    assert len(manifest.main) == MAX_HEADERS
    assert [i.kind for i in manifest.issues] == ["too-many-headers"]


def test_long_lines_carry_their_length_and_java_s_limit() -> None:
    manifest = read_manifest(b"A: " + b"x" * 97 + b"\nB: " + b"y" * 600 + b"\n")
    assert [(i.kind, i.line, i.length) for i in manifest.issues] == [
        ("line-too-long", 1, 100),
        ("line-too-long-for-java", 2, 603),
    ]


@given(st.lists(st.sampled_from([b"a", b" ", b"\r", b"\n", b"\r\n"]), max_size=60).map(b"".join))
def test_lines_are_split_the_same_in_chunks(data: bytes) -> None:
    assert list(_lines(data, chunk=3)) == data.splitlines()
