import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assetcheck.osgi import (
    GrammarError,
    Version,
    VersionRange,
    excerpt,
    is_package_name,
    is_symbolic_name,
    parse_bundle_symbolic_name,
    parse_clauses,
    parse_export_package,
    parse_import_package,
    parse_range,
    parse_version,
)

# ---- versions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", Version(1)),
        ("1.2", Version(1, 2)),
        ("1.2.3", Version(1, 2, 3)),
        ("1.2.3.SNAPSHOT", Version(1, 2, 3, "SNAPSHOT")),
        ("2.0.1.beta-3", Version(2, 0, 1, "beta-3")),
        ("0.0.0.a_B-9", Version(0, 0, 0, "a_B-9")),
        (" 1.0 ", Version(1, 0)),
        ("01.002.0003", Version(1, 2, 3)),
        ("2147483647", Version(2147483647)),
    ],
)
def test_valid_versions(text: str, expected: Version) -> None:
    assert parse_version(text) == expected


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("", 0, "empty"),
        ("1.2.3-SNAPSHOT", 5, "unexpected '-'"),
        ("1..2", 2, "minor part is empty"),
        ("1.", 2, "minor part is empty"),
        ("1.2.3.", 6, "qualifier after the last '.' is empty"),
        ("1.2.3.a b", 7, "has ' '"),
        ("1.2.3.4.5", 7, "has '.'"),
        ("v1", 0, "major part 'v1' is not a number"),
        ("1.x", 2, "minor part 'x' is not a number"),
        ("2147483648", 0, "larger than 2147483647"),
        ("1,0", 1, "unexpected ','"),
        ("  1.x", 4, "minor part"),
        ("\uff11.0", 0, "not a number"),  # a full-width digit is not an OSGi digit
    ],
)
def test_invalid_versions(text: str, position: int, words: str) -> None:
    error = parse_version(text)
    assert isinstance(error, GrammarError)
    assert error.position == position
    assert words in error.message


def test_versions_order_like_osgi() -> None:
    ordered = ["0.9", "1.0.0", "1.0.0.SNAPSHOT", "1.0.0.beta", "1.0.1", "1.2", "1.10"]
    parsed = [parse_version(v) for v in ordered]
    assert sorted(parsed) == parsed  # type: ignore[type-var]
    assert str(parse_version("1.2")) == "1.2.0"


@pytest.mark.parametrize(
    ("text", "expected", "empty"),
    [
        ("[1.7,3)", VersionRange(Version(1, 7), True, Version(3), False), False),
        ("(1,2]", VersionRange(Version(1), False, Version(2), True), False),
        ("1.0", VersionRange(Version(1)), False),
        ("[ 1.0 , 2.0 )", VersionRange(Version(1), True, Version(2), False), False),
        ("[1,1]", VersionRange(Version(1), True, Version(1), True), False),
        ("[1,1)", VersionRange(Version(1), True, Version(1), False), True),
        ("(1,1]", VersionRange(Version(1), False, Version(1), True), True),
        ("[3,2)", VersionRange(Version(3), True, Version(2), False), True),
        (
            "[2.0.0.b,2.0.0.a]",
            VersionRange(Version(2, 0, 0, "b"), True, Version(2, 0, 0, "a"), True),
            True,
        ),
    ],
)
def test_valid_ranges(text: str, expected: VersionRange, empty: bool) -> None:
    parsed = parse_range(text)
    assert parsed == expected
    assert isinstance(parsed, VersionRange) and parsed.is_empty is empty


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("[1.0,2.0", 7, "does not end"),
        ("[1.0;2.0)", 0, "no ','"),
        ("[1.x,2)", 3, "range floor"),
        ("[1,2.y]", 5, "range ceiling"),
        ("[1,2,3)", 4, "range ceiling"),
        ("", 0, "empty"),
        ("1.0-beta", 3, "unexpected '-'"),
    ],
)
def test_invalid_ranges(text: str, position: int, words: str) -> None:
    error = parse_range(text)
    assert isinstance(error, GrammarError)
    assert (error.position, words in error.message) == (position, True)


def test_range_text_round_trips() -> None:
    for text in ("[1.7.0,3.0.0)", "(1.0.0,2.0.0]", "1.0.0"):
        assert str(parse_range(text)) == text


# ---- clauses --------------------------------------------------------------------------------


def test_clause_structure() -> None:
    parsed = parse_clauses(
        'a.b;c.d;version="[1,2)";resolution:=optional, e ; x:Long=5 ;uses:="p,q;r"'
    )
    assert parsed.errors == ()
    first, second = parsed.clauses
    assert first.paths == ("a.b", "c.d")
    assert first.attribute("version").value == "[1,2)"  # type: ignore[union-attr]
    assert first.directive("resolution").value == "optional"  # type: ignore[union-attr]
    assert first.attribute("resolution") is None
    assert second.paths == ("e",)
    assert second.attribute("x").type == "Long"  # type: ignore[union-attr]
    assert second.directive("uses").value == "p,q;r"  # type: ignore[union-attr]


def test_quoted_values_keep_escapes_and_separators() -> None:
    (clause,) = parse_clauses(r'a;x="say \"hi\", then; go"').clauses
    assert clause.attribute("x").value == 'say "hi", then; go'  # type: ignore[union-attr]
    position = clause.attribute("x").value_position  # type: ignore[union-attr]
    assert position == 5


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("", 0, "empty"),
        ("a,", 2, "empty clause"),
        ("a,,b", 2, "empty clause"),
        ("a;;b", 2, "empty path"),
        ("a;v=1;b", 6, "comes after the clause's parameters"),
        ('a;v="1";v="2"', 8, "appears twice"),
        ('a;v:="x" junk', 9, "unexpected 'j'"),
        ('a;x:="never closed', 5, "not closed"),
        ("a;v=[1,2)", 4, "is not quoted"),
        ("a;v=b c", 4, "must be in double quotes"),
        ("a;v=", 4, "empty value"),
        ("a;=1", 2, "no name"),
        ("a;b c=1", 2, "parameter name"),
        ("a;v:x", 3, "':' must be followed by '='"),
    ],
)
def test_clause_errors(text: str, position: int, words: str) -> None:
    (error,) = parse_clauses(text).errors
    assert error.position == position, error
    assert words in error.message


def test_parser_recovers_at_the_next_clause() -> None:
    parsed = parse_clauses('a;v="x,y" z, b, c;;, d')
    assert [c.paths for c in parsed.clauses] == [("b",), ("d",)]
    assert len(parsed.errors) == 2


def test_an_unquoted_range_is_one_error_not_two() -> None:
    parsed = parse_import_package("org.slf4j;version=[1.7,3),javax.inject")
    assert len(parsed.errors) == 1
    assert [c.paths for c in parsed.clauses] == [("javax.inject",)]


# ---- specific headers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("com.acme.jira-helper_2", True),
        ("a", True),
        ("com acme", False),
        ("com..acme", False),
        (".com", False),
        ("com.", False),
        ("com/acme", False),
    ],
)
def test_symbolic_names(name: str, valid: bool) -> None:
    assert is_symbolic_name(name) is valid


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("com.acme.api", True),
        ("org.$internal.x_1", True),
        ("com.acme.ünïcode", True),
        (".", False),
        ("com.acme.*", False),
        ("com.1acme", False),
        ("com..acme", False),
        ("com-acme", False),
    ],
)
def test_package_names(name: str, valid: bool) -> None:
    assert is_package_name(name) is valid


@pytest.mark.parametrize(
    ("value", "errors"),
    [
        ("com.acme.x", []),
        ("com.acme.x;singleton:=true;fragment-attachment:=never", []),
        ("com acme", ["is not a symbolic name"]),
        ("a.b,c.d", ["exactly one clause"]),
        ("a.b;c.d", ["exactly one symbolic name"]),
    ],
)
def test_bundle_symbolic_name(value: str, errors: list[str]) -> None:
    found = [e.message for e in parse_bundle_symbolic_name(value).errors]
    assert len(found) == len(errors)
    for message, words in zip(found, errors, strict=True):
        assert words in message


@pytest.mark.parametrize(
    ("value", "errors"),
    [
        ('com.atlassian.jira.issue;version="[9.0,11)",javax.inject;version="[1.0,2)"', []),
        ("org.slf4j;resolution:=optional;version=1.7", []),
        ('a;version="1.0";specification-version="1.0"', []),
        ('a;bundle-version="[1,2)";bundle-symbolic-name="x"', []),
        ("java.lang", []),  # Felix 7 (OSGi R7) accepts java.* imports
        ("org.slf4j,org.slf4j", ["imported twice"]),
        ("a;b;a", ["imported twice"]),
        ('org.slf4j;version="[3,2)"', ["matches no version"]),
        ('org.slf4j;version="[1,x)"', ["range ceiling"]),
        ('a;bundle-version="(1,1)"', ["matches no version"]),
        ("com.acme.*", ["not a valid imported package name"]),
        ("a;resolution:=optinal", ["neither 'mandatory' nor 'optional'"]),
        ('a;version="1";specification-version="2"', ["differ"]),
    ],
)
def test_import_package(value: str, errors: list[str]) -> None:
    found = [e.message for e in parse_import_package(value).errors]
    assert len(found) == len(errors), found
    for message, words in zip(found, errors, strict=True):
        assert words in message


@pytest.mark.parametrize(
    ("value", "errors"),
    [
        ('com.acme.api;version="1.2.0";uses:="org.slf4j,javax.inject"', []),
        ("com.acme.api,com.acme.api;version=2", []),  # exporting twice is allowed
        ("java.util.function", ["java.* packages may not be exported"]),
        ('a;version="[1,2)"', ["not a range"]),
        ("a;version=1.0.0-SNAPSHOT", ["unexpected '-'"]),
        ('a;bundle-version="1"', ["may not set the 'bundle-version'"]),
        ("a.*", ["not a valid exported package name"]),
    ],
)
def test_export_package(value: str, errors: list[str]) -> None:
    found = [e.message for e in parse_export_package(value).errors]
    assert len(found) == len(errors), found
    for message, words in zip(found, errors, strict=True):
        assert words in message


def test_excerpt() -> None:
    text = "x" * 100 + "HERE" + "y" * 100
    shown = excerpt(text, 100, width=10)
    assert shown == "…" + "x" * 10 + "HERE" + "y" * 6 + "…"
    assert excerpt("short", 2) == "short"


# ---- never raise, stay linear ---------------------------------------------------------------

HEADER_ALPHABET = st.sampled_from([*'abc.;,=:"\\ []()-*1 \t', "é", "\x00", "\n"])
headers = st.one_of(st.text(), st.text(HEADER_ALPHABET, max_size=80))


@settings(max_examples=300, deadline=None)
@given(headers)
def test_parsers_never_raise_and_point_inside_the_text(text: str) -> None:
    for parse in (
        parse_clauses,
        parse_import_package,
        parse_export_package,
        parse_bundle_symbolic_name,
    ):
        parsed = parse(text)
        for error in parsed.errors:
            assert 0 <= error.position <= len(text)
    for result in (parse_version(text), parse_range(text)):
        if isinstance(result, GrammarError):
            assert 0 <= result.position <= len(text)


versions = st.builds(
    Version,
    st.integers(0, 2**31 - 1),
    st.integers(0, 2**31 - 1),
    st.integers(0, 2**31 - 1),
    st.one_of(st.just(""), st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)),
)


@given(versions)
def test_versions_round_trip(version: Version) -> None:
    assert parse_version(str(version)) == version


@given(versions, versions, st.booleans(), st.booleans())
def test_ranges_round_trip_and_know_when_they_are_empty(
    floor: Version, ceiling: Version, floor_closed: bool, ceiling_closed: bool
) -> None:
    text = f"{'[' if floor_closed else '('}{floor},{ceiling}{']' if ceiling_closed else ')'}"
    parsed = parse_range(text)
    assert parsed == VersionRange(floor, floor_closed, ceiling, ceiling_closed)
    empty = floor > ceiling or (floor == ceiling and not (floor_closed and ceiling_closed))
    assert isinstance(parsed, VersionRange) and parsed.is_empty is empty


@pytest.mark.parametrize(
    "unit",
    [
        'com.acme.p;version="[1.0,2)";resolution:=optional,',  # well formed
        'a;v="x" ',  # an error in every clause
        "a;v=[1,",  # unquoted ranges, never closed
        '"q" "',  # quotes everywhere
        ";;;;",
    ],
)
def test_parsing_is_linear(unit: str) -> None:
    def seconds(count: int) -> float:
        text = unit * count
        started = time.perf_counter()
        parse_import_package(text)
        return time.perf_counter() - started

    small, large = seconds(2_000), seconds(16_000)
    # 8x the input: linear is ~8x the time; quadratic would be ~64x. Generous for CI noise.
    assert large < max(small, 0.002) * 25, (small, large)


# ---- hostile sizes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1." + "9" * 5000 + ".0",
        "9" * 5000,
        "1.0." + "1" * 100_000,
        "2147483648",
        "0" * 5000 + "2147483648",
    ],
)
def test_huge_version_parts_are_errors_not_crashes(text: str) -> None:
    parsed = parse_version(text)
    assert isinstance(parsed, GrammarError) and "larger than 2147483647" in parsed.message
    assert len(parsed.message) < 200


def test_leading_zeros_do_not_make_a_part_large() -> None:
    assert parse_version("0" * 5000 + "7.1") == Version(7, 1)


def test_a_huge_range_bound_is_an_error() -> None:
    parsed = parse_range("[1.0," + "1" * 5000 + ")")
    assert isinstance(parsed, GrammarError) and "ceiling" in parsed.message


def test_errors_are_capped_and_counted() -> None:
    parsed = parse_import_package(",".join(f"bad name{n}" for n in range(5000)))
    assert len(parsed.errors) == 100 and parsed.error_count == 5000
    assert [e.position for e in parsed.errors] == sorted(e.position for e in parsed.errors)
    assert parsed.errors[0].position == 0


def test_messages_quote_huge_values_clipped() -> None:
    parsed = parse_import_package("a;version=" + "[" * 100_000)
    assert parsed.errors and all(len(e.message) < 300 for e in parsed.errors)
