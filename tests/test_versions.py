import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assetcheck.osgi import Version, parse_version
from assetcheck.versions import compare, maven_to_osgi, sort_key

# The order UPM documents (spec 1.2), smallest first.
UPM_ORDER = [
    "0.99",
    "1.0",
    "1.0.1-alpha",
    "1.0.1-beta",
    "1.0.1-beta2",
    "1.0.1",
    "1.0.1.0",
    "1.1",
    "1.2",
    "1.10",
    "2.0",
]


def test_the_documented_order() -> None:
    for smaller, larger in itertools.pairwise(UPM_ORDER):
        assert compare(smaller, larger) == -1, (smaller, larger)
        assert compare(larger, smaller) == 1, (larger, smaller)
    assert sorted(reversed(UPM_ORDER), key=sort_key) == UPM_ORDER


@pytest.mark.parametrize(
    ("smaller", "larger"),
    [
        ("1.0.1-beta2", "1.0.1-beta10"),  # digits inside a component compare as numbers
        ("1.6a", "1.6"),  # a trailing word is a pre-release
        ("1.5", "1.6a"),
        ("1.0.1-alpha", "1.0.1.0"),
        ("1.0-SNAPSHOT", "1.0"),
        ("1.0-rc1", "1.0-rc2"),
        ("9", "10"),
        ("1.0", "1.0.0"),
    ],
)
def test_pairs(smaller: str, larger: str) -> None:
    assert compare(smaller, larger) == -1
    assert compare(larger, smaller) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [("1.0-SNAPSHOT", "1.0-snapshot"), ("1.0.1-beta", "1.0.1.beta"), ("1.0", " 1.0 "), ("", "")],
)
def test_equal(a: str, b: str) -> None:
    assert compare(a, b) == 0


@pytest.mark.parametrize(
    ("maven", "osgi"),
    [
        ("1.0.0-SNAPSHOT", "1.0.0.SNAPSHOT"),
        ("1.2", "1.2.0"),
        ("1", "1.0.0"),
        ("2.0.1-beta-3", "2.0.1.beta-3"),
        ("1.0-beta", "1.0.0.beta"),
        ("1-rc1", "1.0.0.rc1"),
        ("1.2.3.4", "1.2.3.4"),
        ("1.2.3_final", "1.2.3.final"),
        ("1.0 final", "1.0.0.final"),
        ("1.2.3-beta+build.5", "1.2.3.beta_build_5"),
        ("1beta", "0.0.0.1beta"),
        ("latest", "0.0.0.latest"),
        ("1.0.0-", "1.0.0"),
        ("", "0.0.0"),
    ],
)
def test_maven_to_osgi(maven: str, osgi: str) -> None:
    assert maven_to_osgi(maven) == osgi


OSGI_SHAPE = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+(\.[A-Za-z0-9_-]+)?")


@given(st.text())
def test_maven_to_osgi_always_gives_an_osgi_version(text: str) -> None:
    result = maven_to_osgi(text)
    assert OSGI_SHAPE.fullmatch(result), result
    parsed = parse_version(result)
    # Only a number too large for a Java int can still fail, as it does for the SDK.
    assert isinstance(parsed, Version) or "larger than" in parsed.message


version_like = st.one_of(
    st.text(),
    st.text(st.sampled_from(list("0123456789.-abAB ²")), max_size=12),
)


@given(version_like, version_like, version_like)
def test_compare_is_a_total_order(a: str, b: str, c: str) -> None:
    assert compare(a, b) == -compare(b, a)
    assert compare(a, a) == 0
    if compare(a, b) <= 0 and compare(b, c) <= 0:
        assert compare(a, c) <= 0


def test_numbers_of_any_length_compare_by_value() -> None:
    huge = "1" * 5000
    assert compare(f"9.{huge}", f"10.{huge}") < 0
    assert compare(f"1.{huge}", f"1.{huge}0") < 0
    assert compare(f"1.{'0' * 5000}7", "1.7") == 0
    assert compare(f"1.{huge}", "1.2") > 0
