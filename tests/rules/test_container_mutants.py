"""The container rules' wording, exactly: why a name is unsafe, and how many names a summary
finding names before it counts the rest."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.builders import make_zip
from tests.rules.support import check_one


def _findings(tmp_path: Path, names: list[str], code: str) -> list[tuple[str | None, str]]:
    path = tmp_path / "app.jar"
    path.write_bytes(make_zip(dict.fromkeys(names, "x"), directories=False))
    return [(f.entry, f.message) for f in check_one(path).findings if f.code == code]


@pytest.mark.parametrize(
    ("name", "entry", "reason"),
    [
        ("../x.txt", "../x.txt", "contains a '..' segment (path traversal)"),
        ("/abs.txt", "/abs.txt", "is an absolute path"),
        ("C:/drive.txt", "C:/drive.txt", "starts with a drive letter"),
        ("a\\b.txt", "a\\\\b.txt", "contains a backslash"),
        ("ctl\x01.txt", "ctl\\x01.txt", "contains control characters"),
    ],
)
def test_an_unsafe_entry_name_says_why_it_is_unsafe(
    tmp_path: Path, name: str, entry: str, reason: str
) -> None:
    assert _findings(tmp_path, [name], "ZIP022") == [(entry, f"unsafe entry name: it {reason}")]


def _case_variants(count: int) -> list[str]:
    spellings = (
        "".join(letters) for letters in itertools.product(*((c, c.upper()) for c in "abcd"))
    )
    return [f"{s}.txt" for s in itertools.islice(spellings, count)]


@pytest.mark.parametrize(
    ("count", "tail"),
    [(11, ""), (12, " and 1 more"), (16, " and 5 more")],
)
def test_a_case_collision_names_ten_others_then_counts_the_rest(
    tmp_path: Path, count: int, tail: str
) -> None:
    names = sorted(_case_variants(count))
    [(entry, message)] = _findings(tmp_path, names, "ZIP021")
    first, *others = names
    shown = ", ".join(repr(n) for n in others[:10])
    assert (entry, message) == (first, f"differs only in case from {shown}{tail}")


def test_a_pair_differing_in_case_names_the_other(tmp_path: Path) -> None:
    assert _findings(tmp_path, ["images/Logo.png", "images/logo.png"], "ZIP021") == [
        ("images/Logo.png", "differs only in case from 'images/logo.png'")
    ]
