"""Severities and findings, the plain values everything passes around."""

from __future__ import annotations

import pytest

from assetcheck.findings import Finding, Problem, Severity


def test_severities_are_ordered() -> None:
    assert Severity.INFO < Severity.WARNING < Severity.ERROR
    assert [int(s) for s in (Severity.INFO, Severity.WARNING, Severity.ERROR)] == [1, 2, 3]
    assert max(Severity) is Severity.ERROR


def test_labels() -> None:
    assert [s.label for s in Severity] == ["info", "warning", "error"]


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("error", Severity.ERROR),
        ("WARNING", Severity.WARNING),
        (" Info\n", Severity.INFO),
        ("\twarning ", Severity.WARNING),
    ],
)
def test_parse(text: str, severity: Severity) -> None:
    assert Severity.parse(text) is severity


@pytest.mark.parametrize("text", ["fatal", "", "err", "warnings", "label"])
def test_parse_names_what_it_expected(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        Severity.parse(text)
    assert str(caught.value) == f"unknown severity {text!r} (expected error, warning or info)"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_sort_key_worst_first_then_entry_then_code() -> None:
    findings = [
        Finding("B002", Severity.INFO, "m"),
        Finding("A001", Severity.WARNING, "m", entry="b"),
        Finding("C003", Severity.ERROR, "m", entry="z"),
        Finding("A002", Severity.WARNING, "m", entry="a"),
        Finding("A001", Severity.WARNING, "m"),
        Finding("A000", Severity.WARNING, "m", entry="a"),
        Finding("A001", Severity.ERROR, "m", entry="z"),
    ]
    ordered = sorted(findings, key=Finding.sort_key)
    assert [(f.code, f.entry) for f in ordered] == [
        ("A001", "z"),
        ("C003", "z"),
        ("A001", None),
        ("A000", "a"),
        ("A002", "a"),
        ("A001", "b"),
        ("B002", None),
    ]
    assert Finding("X", Severity.ERROR, "m").sort_key() == (-3, "", "X")


def test_defaults() -> None:
    finding = Finding("ZIP001", Severity.ERROR, "m")
    assert (finding.entry, finding.hint, finding.line, finding.integrity) == (
        None,
        None,
        None,
        False,
    )
    problem = Problem("m")
    assert (problem.entry, problem.hint, problem.line) == (None, None, None)
