"""Which rules run: --select/--ignore by longest prefix, and integrity rules always."""

from __future__ import annotations

import pytest

from assetcheck.findings import Finding, Severity
from assetcheck.policy import PathIgnore, apply_policy, is_selected
from assetcheck.report.model import FileReport, Report
from assetcheck.settings import Settings


@pytest.mark.parametrize(
    ("code", "select", "ignore", "runs"),
    [
        # Nothing said: every rule runs.
        ("ZIP010", (), (), True),
        # Select alone.
        ("ZIP010", ("ZIP",), (), True),
        ("MF001", ("ZIP",), (), False),
        ("ZIP010", ("ZIP010",), (), True),
        ("ZIP011", ("ZIP010",), (), False),
        ("ZIP010", ("MF", "ZIP01"), (), True),
        # Ignore alone.
        ("ZIP010", (), ("ZIP",), False),
        ("MF001", (), ("ZIP",), True),
        ("ZIP010", (), ("ZIP011",), True),
        # The longest matching prefix wins, whichever list it is in.
        ("ZIP010", ("ZIP010",), ("ZIP",), True),
        ("ZIP011", ("ZIP010",), ("ZIP",), False),
        ("ZIP010", ("ZIP",), ("ZIP01",), False),
        ("ZIP020", ("ZIP",), ("ZIP01",), True),
        ("ZIP010", ("ZIP01",), ("Z",), True),
        ("ZIP010", ("Z",), ("ZIP0", "ZIP010"), False),
        ("ZIP010", ("ZIP", "ZIP010"), ("ZIP01",), True),
        # A tie goes to --ignore.
        ("ZIP010", ("ZIP",), ("ZIP",), False),
        ("ZIP010", ("ZIP010",), ("ZIP010",), False),
        # A selection that does not match loses even when the ignore list does not match either.
        ("MF001", ("ZIP",), ("DSC",), False),
        # An empty prefix matches everything (length 0).
        ("MF001", ("",), (), True),
        ("MF001", ("",), ("",), False),
        ("MF001", (), ("",), False),
        ("MF001", ("M",), ("",), True),
    ],
)
def test_longest_prefix_wins_ignore_on_a_tie(
    code: str, select: tuple[str, ...], ignore: tuple[str, ...], runs: bool
) -> None:
    assert is_selected(code, select, ignore) is runs


@pytest.mark.parametrize(
    ("select", "ignore"),
    [((), ("ZIP",)), (("DSC",), ()), (("ZIP010",), ("ZIP010",)), (("ZIP",), ("ZIP01",))],
)
def test_integrity_rules_always_run(select: tuple[str, ...], ignore: tuple[str, ...]) -> None:
    assert is_selected("ZIP010", select, ignore, integrity=True) is True
    assert is_selected("ZIP010", select, ignore) is False


def test_settings_ask_the_policy() -> None:
    settings = Settings(select=("ZIP010",), ignore=("ZIP",))
    assert settings.selects("ZIP010")
    assert not settings.selects("ZIP011")
    assert settings.selects("ZIP011", integrity=True)
    assert Settings().selects("MF001")
    assert not Settings(ignore=("MF",)).selects("MF001")


# ---- the policy step after the engine -------------------------------------------------------


def _report() -> Report:
    findings = [
        Finding("MF013", Severity.ERROR, "bad version"),
        Finding("ZIP010", Severity.ERROR, "crc", entry="a.class", integrity=True),
        Finding("IMG011", Severity.WARNING, "odd size", entry="images/icon.png"),
    ]
    return Report([FileReport("src/main/resources", "source", findings=list(findings))])


def test_severity_overrides_re_level_by_longest_prefix_but_never_integrity() -> None:
    report = apply_policy(
        _report(), severity={"MF": Severity.INFO, "MF013": Severity.WARNING, "ZIP": Severity.INFO}
    )
    levels = {f.code: f.severity for f in report.files[0].findings}
    assert levels == {
        "MF013": Severity.WARNING,
        "ZIP010": Severity.ERROR,
        "IMG011": Severity.WARNING,
    }


def test_per_path_ignores_mark_findings_instead_of_dropping_them() -> None:
    ignore = PathIgnore("src/main/resources/images/*.png", ("IMG",))
    report = apply_policy(_report(), per_path_ignores=[ignore])
    [file] = report.files
    marked = {f.code: f.suppressed for f in file.findings}
    assert marked == {
        "MF013": None,
        "ZIP010": None,
        "IMG011": "per-path ignore src/main/resources/images/*.png",
    }
    assert report.summary().warnings == 0 and report.summary().suppressed == 1
    assert not file.passes(Severity.ERROR)  # the unsuppressed errors still fail it


def test_a_suppressed_finding_fails_nothing() -> None:
    report = Report(
        [FileReport("app.jar", "artifact", findings=[Finding("MF013", Severity.ERROR, "x")])]
    )
    apply_policy(report, per_path_ignores=[PathIgnore("*.jar", ("MF013",))])
    assert report.files[0].passes(Severity.INFO) and not report.fails(Severity.INFO)


def test_an_integrity_finding_is_never_suppressed() -> None:
    report = apply_policy(_report(), per_path_ignores=[PathIgnore("**", ("ZIP", "MF", "IMG"))])
    active = [f.code for f in report.files[0].findings if f.active]
    assert active == ["ZIP010"]


# ---- per-path ignores: which codes, which paths ---------------------------------------------


def _one(path: str, kind: str, finding: Finding) -> Report:
    return Report([FileReport(path, kind, findings=[finding])])


def test_a_per_path_ignore_leaves_the_codes_it_does_not_name() -> None:
    report = _one("app.jar", "artifact", Finding("MF013", Severity.ERROR, "bad version"))
    apply_policy(report, per_path_ignores=[PathIgnore("*.jar", ("IMG", "DSC"))])
    [finding] = report.files[0].findings
    assert finding.suppressed is None and report.fails(Severity.ERROR)


def test_an_empty_code_prefix_in_a_per_path_ignore_covers_every_code() -> None:
    report = _one("app.jar", "artifact", Finding("MF013", Severity.ERROR, "bad version"))
    apply_policy(report, per_path_ignores=[PathIgnore("*.jar", ("",))])
    [finding] = report.files[0].findings
    assert finding.suppressed == "per-path ignore *.jar"


@pytest.mark.parametrize(
    ("pattern", "matches"),
    [
        ("app.jar!/images/*.png", True),
        ("*.jar!/images/", True),
        ("*.png", True),  # the entry's own name, at any depth, as in a source tree
        ("images/*.png", False),  # anchored at the root: no images/ folder there
        ("other.jar!/images/*.png", False),
    ],
)
def test_an_archive_entry_is_matched_as_reports_name_it(pattern: str, matches: bool) -> None:
    # Inside an artifact, an entry is named as the reports name it: app.jar!/images/icon.png.
    finding = Finding("IMG011", Severity.WARNING, "odd size", entry="images/icon.png")
    report = _one("app.jar", "artifact", finding)
    apply_policy(report, per_path_ignores=[PathIgnore(pattern, ("IMG",))])
    [marked] = report.files[0].findings
    assert (marked.suppressed == f"per-path ignore {pattern}") is matches


def test_a_source_tree_entry_is_matched_below_the_tree_even_with_a_trailing_slash() -> None:
    finding = Finding("IMG011", Severity.WARNING, "odd size", entry="images/icon.png")
    report = _one("tree/", "source", finding)
    apply_policy(report, per_path_ignores=[PathIgnore("tree/images/*.png", ("IMG",))])
    [marked] = report.files[0].findings
    assert marked.suppressed == "per-path ignore tree/images/*.png"
    assert marked == Finding(
        "IMG011",
        Severity.WARNING,
        "odd size",
        entry="images/icon.png",
        suppressed="per-path ignore tree/images/*.png",
    )


def test_a_source_tree_finding_without_an_entry_is_matched_on_the_tree_only() -> None:
    report = _one("tree", "source", Finding("DSC001", Severity.ERROR, "no descriptor"))
    apply_policy(report, per_path_ignores=[PathIgnore("tree/None", ("DSC",))])
    assert report.files[0].findings[0].suppressed is None
