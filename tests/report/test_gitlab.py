"""GitLab Code Quality: exact issues, valid against the documented shape, unique fingerprints."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from assetcheck import __version__
from assetcheck.findings import Finding, Severity
from assetcheck.image_types import table_version
from assetcheck.report import RENDERERS
from assetcheck.report.gitlab import render_gitlab
from assetcheck.report.model import FileReport, Report
from tests.report.ci_sample import (
    CONTEXT,
    ERROR,
    FINGERPRINTS,
    INFO,
    ROOT,
    WARN,
    active_findings,
    ci_report,
    samples_json,
    samples_run,
)

# The Code Quality report as GitLab documents it (docs.gitlab.com/ci/testing/code_quality,
# "Code Quality report format"): the fields GitLab reads, and their types.
CODE_QUALITY_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}


def issues(report: Report) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(render_gitlab(report, context=CONTEXT))
    jsonschema.validate(found, CODE_QUALITY_SCHEMA)
    return found


def issue(code: str, description: str, severity: str, path: str) -> dict[str, Any]:
    return {
        "type": "issue",
        "engine_name": "assetcheck",
        "check_name": code,
        "description": description,
        "categories": ["Bug Risk"],
        "severity": severity,
        "fingerprint": FINGERPRINTS[code],
        "location": {"path": path, "lines": {"begin": 1}},
        "engine_version": __version__,
        "image_types_version": "2026.1.1",
    }


def test_every_issue_exactly() -> None:
    # An archive's entry and line lead the description (the path is the archive, line 1); the
    # integrity error is critical; the suppressed DSC014 is left out.
    jar, tree = "target/my app-1.0.jar", "src/main/resources/images"
    assert issues(ci_report()) == [
        issue("MF012", "META-INF/MANIFEST.MF:7: bad name Fix: fix it", "major", jar),
        issue("ZIP020", "lib/dép.jar!/a,b:c.txt: twice: 100%", "minor", jar),
        issue("XML001", "broken", "critical", jar),
        issue("IMG010", "size\r\nwrong Fix: resize", "minor", f"{tree}/logo.png"),
        issue("IMG050", "no type", "info", f"{tree}/extra.png"),
    ]
    assert RENDERERS["gitlab"] is render_gitlab


def test_rendered_as_an_indented_array() -> None:
    text = render_gitlab(ci_report(), context=CONTEXT)
    assert text.startswith('[\n  {\n    "type": "issue",\n')
    assert text.endswith("]\n")
    assert render_gitlab(Report()) == "[]\n"


def test_a_line_in_a_real_file_is_where_the_issue_begins() -> None:
    findings = [Finding("DSC014", WARN, "m", "atlassian-plugin.xml", line=3)]
    (found,) = issues(Report([FileReport(f"{ROOT}/res", "source", findings=findings)]))
    assert found["location"] == {"path": "res/atlassian-plugin.xml", "lines": {"begin": 3}}


@pytest.mark.parametrize(
    ("severity", "integrity", "expected"),
    [
        (ERROR, False, "major"),
        (ERROR, True, "critical"),
        (WARN, False, "minor"),
        (WARN, True, "minor"),
        (INFO, False, "info"),
    ],
)
def test_severities(severity: Severity, integrity: bool, expected: str) -> None:
    finding = Finding("X001", severity, "m", integrity=integrity)
    (found,) = issues(Report([FileReport("a.png", "image", findings=[finding])]))
    assert found["severity"] == expected


def test_duplicates_get_distinct_fingerprints_that_ignore_message_and_line() -> None:
    def report(message: str, line: int) -> Report:
        same = [Finding("MF009", ERROR, f"{message} {n}", "M.MF", line=line + n) for n in range(3)]
        return Report([FileReport(f"{ROOT}/a.jar", "artifact", size=line, findings=same)])

    first = [i["fingerprint"] for i in issues(report("header twice", 1))]
    assert len(set(first)) == 3
    assert [i["fingerprint"] for i in issues(report("reworded", 40))] == first


def test_without_a_context_the_shipped_table_and_the_current_directory() -> None:
    report = Report([FileReport("a.png", "image", findings=[Finding("X001", ERROR, "m")])])
    (found,) = json.loads(render_gitlab(report))
    assert (found["location"]["path"], found["image_types_version"]) == ("a.png", table_version())


# The real command line over samples/ -----------------------------------------------------------


def test_samples_valid_with_unique_fingerprints() -> None:
    found = json.loads(samples_run()["gitlab"])
    jsonschema.validate(found, CODE_QUALITY_SCHEMA)
    active = active_findings(samples_json())
    assert [i["check_name"] for i in found] == [f["code"] for _, f in active]
    assert len({i["fingerprint"] for i in found}) == len(found)
    for item, (path, _) in zip(found, active, strict=True):
        assert item["location"]["path"].startswith(path)
