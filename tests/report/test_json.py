"""The JSON report (schema 1), exactly, on hand-built reports (no engine, no rules)."""

from __future__ import annotations

import json

from assetcheck import __version__
from assetcheck.findings import Finding, Severity
from assetcheck.image_types import table_version
from assetcheck.report import render
from assetcheck.report.json_report import render_json, report_to_dict
from assetcheck.report.model import JSON_SCHEMA_VERSION, FileReport, Report

ERROR, WARN, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def sample_report() -> Report:
    """Three errors, two warnings and one info: swapping any two counts changes the summary."""
    return Report(
        files=[
            FileReport(
                "target/app-1.2.0.obr",
                "artifact",
                size=123456,
                sha256="ab" * 32,
                findings=[
                    Finding("MF012", ERROR, "bad", "dep.jar!/META-INF/MANIFEST.MF", "fix it", 7),
                    Finding("ZIP020", WARN, "dup", entry="a.txt"),
                    Finding("XML001", ERROR, "broken"),
                ],
            ),
            FileReport(
                "logo.png",
                "image",
                size=10,
                sha256="cd" * 32,
                image_type="logo",
                findings=[
                    Finding("IMG010", ERROR, "größe ✗", hint="resize"),
                    Finding("IMG011", WARN, "w", line=1),
                    Finding("IMG012", INFO, "i"),
                ],
            ),
            FileReport("src/main/resources", "source", internal_errors=["rule X crashed"]),
        ],
        notices=["skipped a link"],
    )


def test_every_field_in_order() -> None:
    document = report_to_dict(sample_report())
    assert document == {
        "schema": 1,
        "tool": {
            "name": "assetcheck",
            "version": __version__,
            "image_types_version": table_version(),
        },
        "files": [
            {
                "path": "target/app-1.2.0.obr",
                "kind": "artifact",
                "size": 123456,
                "sha256": "ab" * 32,
                "image_type": None,
                "findings": [
                    {
                        "code": "MF012",
                        "severity": "error",
                        "message": "bad",
                        "entry": "dep.jar!/META-INF/MANIFEST.MF",
                        "line": 7,
                        "hint": "fix it",
                        "integrity": False,
                        "suppressed": None,
                    },
                    {
                        "code": "ZIP020",
                        "severity": "warning",
                        "message": "dup",
                        "entry": "a.txt",
                        "line": None,
                        "hint": None,
                        "integrity": False,
                        "suppressed": None,
                    },
                    {
                        "code": "XML001",
                        "severity": "error",
                        "message": "broken",
                        "entry": None,
                        "line": None,
                        "hint": None,
                        "integrity": False,
                        "suppressed": None,
                    },
                ],
            },
            {
                "path": "logo.png",
                "kind": "image",
                "size": 10,
                "sha256": "cd" * 32,
                "image_type": "logo",
                "findings": [
                    {
                        "code": "IMG010",
                        "severity": "error",
                        "message": "größe ✗",
                        "entry": None,
                        "line": None,
                        "hint": "resize",
                        "integrity": False,
                        "suppressed": None,
                    },
                    {
                        "code": "IMG011",
                        "severity": "warning",
                        "message": "w",
                        "entry": None,
                        "line": 1,
                        "hint": None,
                        "integrity": False,
                        "suppressed": None,
                    },
                    {
                        "code": "IMG012",
                        "severity": "info",
                        "message": "i",
                        "entry": None,
                        "line": None,
                        "hint": None,
                        "integrity": False,
                        "suppressed": None,
                    },
                ],
            },
            {
                "path": "src/main/resources",
                "kind": "source",
                "size": None,
                "sha256": None,
                "image_type": None,
                "findings": [],
            },
        ],
        "summary": {"files": 3, "errors": 3, "warnings": 2, "infos": 1, "suppressed": 0},
    }
    assert JSON_SCHEMA_VERSION == 1


def test_summary_counts_are_not_swapped() -> None:
    summary = json.loads(render_json(sample_report()))["summary"]
    assert summary == {"files": 3, "errors": 3, "warnings": 2, "infos": 1, "suppressed": 0}
    assert list(summary) == ["files", "errors", "warnings", "infos", "suppressed"]


def test_key_order_is_the_documented_one() -> None:
    document = json.loads(render_json(sample_report()))
    assert list(document) == ["schema", "tool", "files", "summary"]
    assert list(document["files"][0]) == [
        "path",
        "kind",
        "size",
        "sha256",
        "image_type",
        "findings",
    ]
    assert list(document["files"][0]["findings"][0]) == [
        "code",
        "severity",
        "message",
        "entry",
        "line",
        "hint",
        "integrity",
        "suppressed",
    ]


def test_exact_text_indented_utf8_and_one_final_newline() -> None:
    report = Report(
        [FileReport("ä.png", "image", size=1, findings=[Finding("IMG001", WARN, "ünreadable")])]
    )
    assert render_json(report) == (
        "{\n"
        '  "schema": 1,\n'
        '  "tool": {\n'
        '    "name": "assetcheck",\n'
        f'    "version": "{__version__}",\n'
        f'    "image_types_version": "{table_version()}"\n'
        "  },\n"
        '  "files": [\n'
        "    {\n"
        '      "path": "ä.png",\n'
        '      "kind": "image",\n'
        '      "size": 1,\n'
        '      "sha256": null,\n'
        '      "image_type": null,\n'
        '      "findings": [\n'
        "        {\n"
        '          "code": "IMG001",\n'
        '          "severity": "warning",\n'
        '          "message": "ünreadable",\n'
        '          "entry": null,\n'
        '          "line": null,\n'
        '          "hint": null,\n'
        '          "integrity": false,\n'
        '          "suppressed": null\n'
        "        }\n"
        "      ]\n"
        "    }\n"
        "  ],\n"
        '  "summary": {\n'
        '    "files": 1,\n'
        '    "errors": 0,\n'
        '    "warnings": 1,\n'
        '    "infos": 0,\n'
        '    "suppressed": 0\n'
        "  }\n"
        "}\n"
    )


def test_an_empty_report() -> None:
    assert json.loads(render_json(Report())) == {
        "schema": 1,
        "tool": {
            "name": "assetcheck",
            "version": __version__,
            "image_types_version": table_version(),
        },
        "files": [],
        "summary": {"files": 0, "errors": 0, "warnings": 0, "infos": 0, "suppressed": 0},
    }


def test_json_is_never_coloured() -> None:
    report = sample_report()
    assert render_json(report, color=True) == render_json(report)
    assert render(report, "json", color=True) == render_json(report)
    assert "\x1b" not in render_json(report, color=True)
