"""The report value: summary counts, verdicts and where a file cannot be trusted."""

from __future__ import annotations

from assetcheck.findings import Finding, Severity
from assetcheck.report.model import FileReport, Report, Summary

ERROR, WARN, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def file_with(*severities: Severity, path: str = "a.jar") -> FileReport:
    findings = [Finding(f"C{n:03}", s, "m", entry=f"e{n}") for n, s in enumerate(severities)]
    return FileReport(path, "artifact", findings=findings)


def test_summary_counts_each_severity_apart() -> None:
    report = Report(
        [
            file_with(ERROR, WARN, WARN, INFO, INFO, INFO),
            file_with(ERROR),
            FileReport("b.png", "image"),
        ]
    )
    assert report.summary() == Summary(files=3, errors=2, warnings=2, infos=3)
    assert Report().summary() == Summary(0, 0, 0, 0)


def test_passes_is_at_or_above_fail_on() -> None:
    warned = file_with(WARN, INFO)
    assert warned.passes(ERROR)
    assert not warned.passes(WARN)
    assert not warned.passes(INFO)
    assert file_with().passes(INFO)
    assert not file_with(ERROR).passes(ERROR)


def test_passes_for_one_entry_looks_at_that_entry_only() -> None:
    report = file_with(ERROR, INFO)  # the error is at e0, the info at e1
    assert not report.passes(ERROR, "e0")
    assert report.passes(ERROR, "e1")
    assert report.passes(ERROR, "elsewhere")
    assert not report.passes(ERROR)


def test_fails_when_any_file_fails() -> None:
    assert not Report([file_with(WARN), file_with(INFO)]).fails(ERROR)
    assert Report([file_with(WARN), file_with(ERROR)]).fails(ERROR)
    assert Report([file_with(ERROR), file_with(WARN)]).fails(ERROR)
    assert Report([file_with(INFO), file_with(WARN)]).fails(WARN)
    assert not Report().fails(INFO)


def test_untrusted_names_where_integrity_findings_are() -> None:
    report = FileReport(
        "a.jar",
        "artifact",
        findings=[
            Finding("ZIP001", ERROR, "truncated", integrity=True),
            Finding("ZIP013", ERROR, "bad crc", entry="x.png", integrity=True),
            Finding("MF012", ERROR, "bad version", entry="META-INF/MANIFEST.MF"),
        ],
    )
    assert report.untrusted() == {None, "x.png"}
    assert file_with(ERROR).untrusted() == set()


def test_internal_errors_name_their_file() -> None:
    report = Report(
        [
            FileReport("a.jar", "artifact", internal_errors=["rule X crashed", "rule Y crashed"]),
            FileReport("b.png", "image"),
            FileReport("c.png", "image", internal_errors=["rule Z crashed"]),
        ]
    )
    assert report.internal_errors == [
        "a.jar: rule X crashed",
        "a.jar: rule Y crashed",
        "c.png: rule Z crashed",
    ]
    assert Report().internal_errors == []
