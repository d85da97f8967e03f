"""GitHub Actions workflow commands: exact lines, and escaping no name can break out of."""

from __future__ import annotations

import re

import pytest

from assetcheck import __version__
from assetcheck.findings import Finding, Severity
from assetcheck.report import RENDERERS
from assetcheck.report.github import escape_data, escape_property, render_github
from assetcheck.report.model import FileReport, Report
from tests.report.ci_sample import (
    CONTEXT,
    ERROR,
    INFO,
    ROOT,
    WARN,
    ci_report,
    sample_lines,
)

EXPECTED = f"""\
assetcheck {__version__}, image-type table 2026.1.1
::error file=target/my app-1.0.jar,title=MF012::META-INF/MANIFEST.MF:7: bad name Fix: fix it
::warning file=target/my app-1.0.jar,title=ZIP020::lib/dép.jar!/a,b:c.txt: twice: 100%25
::error file=target/my app-1.0.jar,title=XML001::broken
::warning file=src/main/resources/images/logo.png,title=IMG010::size%0D%0Awrong Fix: resize
::notice file=src/main/resources/images/extra.png,title=IMG050::no type
Checked 3 files: 2 errors, 2 warnings, 1 info (1 suppressed).
"""
# One command: a known level, escaped properties (no raw , or :), an escaped message.
COMMAND = re.compile(
    r"^::(error|warning|notice) file=[^,:\r\n]+(,line=[1-9]\d*)?,title=[A-Z]+\d{3}::[^\r\n]*$"
)


def test_every_line_exactly() -> None:
    # An archive's entry (and its line) lead the message, since GitHub can annotate only the
    # archive; a source tree's entry is the file; the suppressed DSC014 is not printed.
    assert render_github(ci_report(), context=CONTEXT) == EXPECTED
    assert RENDERERS["github"] is render_github


def test_a_line_in_a_real_file_is_the_line_property() -> None:
    findings = [Finding("DSC014", WARN, "m", "atlassian-plugin.xml", line=3)]
    report = Report([FileReport(f"{ROOT}/res", "source", findings=findings)])
    assert render_github(report, context=CONTEXT).splitlines()[1] == (
        "::warning file=res/atlassian-plugin.xml,line=3,title=DSC014::m"
    )


@pytest.mark.parametrize(
    ("severity", "command"), [(ERROR, "error"), (WARN, "warning"), (INFO, "notice")]
)
def test_severity_to_command(severity: Severity, command: str) -> None:
    report = Report([FileReport("a.png", "image", findings=[Finding("X001", severity, "m")])])
    assert render_github(report).splitlines()[1] == f"::{command} file=a.png,title=X001::m"


def test_data_escapes_percent_cr_and_lf_only() -> None:
    assert escape_data("100% a:b,c\r\nd") == "100%25 a:b,c%0D%0Ad"


def test_properties_also_escape_colon_and_comma() -> None:
    assert escape_property("a%b:c,d\re\nf") == "a%25b%3Ac%2Cd%0De%0Af"


def test_a_hostile_name_cannot_end_the_command_or_start_another() -> None:
    name = "x,line=1,title=FAKE::owned\n::error file=y::forged.png"
    report = Report([FileReport(name, "image", findings=[Finding("IMG001", ERROR, "m\n::x")])])
    lines = render_github(report, context=CONTEXT).splitlines()
    assert len(lines) == 3
    assert COMMAND.match(lines[1]), lines[1]
    assert lines[1].endswith("::m%0A::x")


def test_nothing_but_the_summary_when_every_finding_is_suppressed() -> None:
    finding = Finding("IMG001", ERROR, "m", suppressed="per-path ignore *.png")
    report = Report([FileReport("a.png", "image", findings=[finding])])
    assert render_github(report, context=CONTEXT).splitlines()[1:] == [
        "Checked 1 file: 0 errors, 0 warnings, 0 infos (1 suppressed)."
    ]


# The real command line over samples/ -----------------------------------------------------------


def test_samples_one_strict_command_per_active_finding() -> None:
    levels = {"error": "error", "warning": "warning", "info": "notice"}
    for line, path, finding in sample_lines("github"):
        assert COMMAND.match(line), line
        assert line.startswith(f"::{levels[finding['severity']]} file={path}"), (line, path)
        assert f",title={finding['code']}::" in line
