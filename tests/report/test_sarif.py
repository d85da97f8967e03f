"""The SARIF 2.1.0 report: exact on a fixed report, valid against the official schema."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from assetcheck import __version__
from assetcheck.findings import Finding
from assetcheck.image_types import table_version
from assetcheck.report import RENDERERS
from assetcheck.report.model import BaselineEntry, FileReport, RenderContext, Report
from assetcheck.report.sarif import render_sarif, sarif_document
from assetcheck.settings import Settings
from tests.catalogue import RULES as SHIPPED
from tests.catalogue import check_paths
from tests.report.ci_sample import (
    CONTEXT,
    ERROR,
    FINGERPRINTS,
    ROOT,
    SAMPLES,
    WARN,
    ci_report,
    samples_json,
    samples_run,
)

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"


@functools.cache
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def assert_valid(document: dict[str, Any]) -> None:
    errors = sorted(validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def result(
    code: str, index: int | None, level: str, text: str, uri: str, **more: Any
) -> dict[str, Any]:
    line = more.pop("line", None)
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}
    if line is not None:
        physical["region"] = {"startLine": line}
    entry: dict[str, Any] = {"ruleId": code}
    if index is not None:
        entry["ruleIndex"] = index
    entry |= {
        "level": level,
        "message": {"text": text},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"assetcheck/v1": FINGERPRINTS[code]},
    }
    return entry | more


def rule(code: str, name: str, doc: str, level: str, integrity: bool) -> dict[str, Any]:
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": doc.split("\n")[0]},
        "fullDescription": {"text": doc},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": [code.rstrip("0123456789")], "integrity": integrity},
    }


def test_the_document_exactly() -> None:
    assert sarif_document(ci_report(), CONTEXT) == {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "assetcheck",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://github.com/assetcheck/assetcheck",
                        "properties": {"imageTypesVersion": "2026.1.1"},
                        "rules": [
                            rule(
                                "MF012",
                                "OSGiBundleLacksAValidBundleSymbolicName",
                                "An OSGi bundle lacks a valid `Bundle-SymbolicName`.\n\nMore.",
                                "error",
                                False,
                            ),
                            rule(
                                "XML001",
                                "XMLDocumentIsNotWellFormed",
                                "The XML document is not well-formed.",
                                "error",
                                True,
                            ),
                            rule(
                                "ZIP020",
                                "TwoOrMoreEntriesHaveExactlyTheSameName",
                                "Two or more entries have exactly the same name.",
                                "warning",
                                False,
                            ),
                        ],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///ci/project/"}},
                "invocations": [{"executionSuccessful": True}],
                "results": [
                    result(
                        "MF012",
                        0,
                        "error",
                        "bad name Fix: fix it",
                        "target/my%20app-1.0.jar!/META-INF/MANIFEST.MF",
                        line=7,
                    ),
                    result(
                        "ZIP020",
                        2,
                        "warning",
                        "twice: 100%",
                        "target/my%20app-1.0.jar!/lib/d%C3%A9p.jar!/a%2Cb%3Ac.txt",
                    ),
                    result("XML001", 1, "error", "broken", "target/my%20app-1.0.jar"),
                    # Not in the driver's rules: no ruleIndex. A source tree's entry is a file.
                    result(
                        "IMG010",
                        None,
                        "warning",
                        "size\r\nwrong Fix: resize",
                        "src/main/resources/images/logo.png",
                    ),
                    result(
                        "DSC014",
                        None,
                        "warning",
                        "no description",
                        "src/main/resources/atlassian-plugin.xml",
                        line=3,
                        suppressions=[
                            {"kind": "external", "justification": "per-path ignore src/**"}
                        ],
                    ),
                    result(
                        "IMG050", None, "note", "no type", "src/main/resources/images/extra.png"
                    ),
                ],
            }
        ],
    }


def test_rendered_as_indented_utf8_json_and_registered() -> None:
    text = render_sarif(ci_report(), context=CONTEXT)
    assert text.endswith("}\n")
    assert '"uri": "target/my%20app-1.0.jar"' in text  # indented, one key a line
    assert json.loads(text) == sarif_document(ci_report(), CONTEXT)
    assert RENDERERS["sarif"] is render_sarif


@pytest.mark.parametrize(
    "context",
    [CONTEXT, RenderContext(), RenderContext(rules=SHIPPED, root=Path("/"))],
    ids=["fixed", "no-context", "shipped-rules"],
)
def test_valid_against_the_official_schema(context: RenderContext) -> None:
    assert_valid(sarif_document(ci_report(), context))
    assert_valid(sarif_document(Report(), context))


def test_without_a_context_the_shipped_table_and_the_current_directory() -> None:
    run = sarif_document(Report())["runs"][0]
    assert run["tool"]["driver"]["properties"] == {"imageTypesVersion": table_version()}
    assert run["tool"]["driver"]["rules"] == []
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == Path.cwd().as_uri() + "/"
    assert run["results"] == []


def test_a_file_outside_the_root_gets_an_absolute_file_uri() -> None:
    report = Report(
        [FileReport("/else where/ä.png", "image", findings=[Finding("X1", ERROR, "m")])]
    )
    location = sarif_document(report, CONTEXT)["runs"][0]["results"][0]["locations"][0]
    assert location == {
        "physicalLocation": {"artifactLocation": {"uri": "file:///else%20where/%C3%A4.png"}}
    }


def test_uris_encode_what_a_uri_cannot_hold_and_keep_slashes_and_nesting() -> None:
    entry = "a b/#?%[x]/ü.txt"
    report = Report(
        [FileReport(f"{ROOT}/x.jar", "artifact", findings=[Finding("X1", ERROR, "m", entry)])]
    )
    uri = sarif_document(report, CONTEXT)["runs"][0]["results"][0]["locations"][0][
        "physicalLocation"
    ]["artifactLocation"]["uri"]
    assert uri == "x.jar!/a%20b/%23%3F%25%5Bx%5D/%C3%BC.txt"


def _fingerprints(report: Report) -> list[str]:
    results = sarif_document(report, CONTEXT)["runs"][0]["results"]
    return [r["partialFingerprints"]["assetcheck/v1"] for r in results]


def _changed(change: dict[str, Any], file_change: dict[str, Any] | None = None) -> Report:
    report = ci_report()
    first = report.files[0]
    if file_change:
        report.files[0] = first = dataclasses.replace(first, **file_change)
    first.findings[0] = dataclasses.replace(first.findings[0], **change)
    return report


@pytest.mark.parametrize(
    "change",
    [{"message": "other words"}, {"line": 99}, {"hint": "other fix"}, {"severity": WARN}],
)
def test_fingerprints_ignore_message_line_fix_and_severity(change: dict[str, Any]) -> None:
    assert _fingerprints(_changed(change, {"size": 99_999})) == _fingerprints(ci_report())


@pytest.mark.parametrize(
    ("change", "file_change", "kept"),
    [
        ({"code": "MF013"}, None, 1),
        ({"entry": "META-INF/OTHER.MF"}, None, 1),
        ({}, {"path": f"{ROOT}/target/other.jar"}, 3),  # the file's three findings move
    ],
)
def test_fingerprints_follow_path_entry_and_code(
    change: dict[str, Any], file_change: dict[str, Any] | None, kept: int
) -> None:
    before, after = _fingerprints(ci_report()), _fingerprints(_changed(change, file_change))
    assert after[0] != before[0]
    assert after[kept:] == before[kept:]


def test_two_findings_of_one_identity_get_two_fingerprints() -> None:
    twice = [Finding("ZIP020", WARN, "a", "x.txt"), Finding("ZIP020", WARN, "b", "x.txt")]
    report = Report([FileReport(f"{ROOT}/a.jar", "artifact", findings=twice)])
    first, second = _fingerprints(report)
    assert first != second


def test_with_a_baseline_every_result_says_new_or_unchanged() -> None:
    report = ci_report()
    source = report.files[1]
    source.findings[0] = dataclasses.replace(
        source.findings[0], suppressed="baseline assetcheck-baseline.json"
    )
    report.baseline_gone = [BaselineEntry("gone.jar", "ZIP001", None, 1)]
    results = sarif_document(report, CONTEXT)["runs"][0]["results"]
    states = {r["ruleId"]: r["baselineState"] for r in results}
    assert states == {
        "MF012": "new",
        "ZIP020": "new",
        "XML001": "new",
        "IMG010": "unchanged",  # baselined
        "DSC014": "new",  # suppressed by a per-path ignore, not by the baseline
        "IMG050": "new",
    }
    img010 = next(r for r in results if r["ruleId"] == "IMG010")
    assert img010["suppressions"] == [
        {"kind": "external", "justification": "baseline assetcheck-baseline.json"}
    ]
    assert_valid(sarif_document(report, CONTEXT))


def test_without_a_baseline_no_result_has_a_baseline_state() -> None:
    results = sarif_document(ci_report(), CONTEXT)["runs"][0]["results"]
    assert all("baselineState" not in r for r in results)


def test_a_crashed_rule_makes_the_run_unsuccessful() -> None:
    report = Report([FileReport("a.jar", "artifact", internal_errors=["rule X: boom"])])
    report.notices.append("skipped a link")
    invocation = sarif_document(report, CONTEXT)["runs"][0]["invocations"][0]
    assert invocation == {
        "executionSuccessful": False,
        "toolExecutionNotifications": [
            {"level": "error", "message": {"text": "internal error: a.jar: rule X: boom"}},
            {"level": "warning", "message": {"text": "skipped a link"}},
        ],
    }
    assert_valid(sarif_document(report, CONTEXT))


# The real command line over samples/, and the engine's report with the shipped rules ----------


def test_samples_valid_and_every_finding_a_result() -> None:
    document = json.loads(samples_run()["sarif"])
    assert_valid(document)
    run = document["runs"][0]
    results = run["results"]
    findings = [f for file in samples_json()["files"] for f in file["findings"]]
    assert [r["ruleId"] for r in results] == [f["code"] for f in findings]
    assert len({r["partialFingerprints"]["assetcheck/v1"] for r in results}) == len(results)
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == SAMPLES.as_uri() + "/"
    assert all("uriBaseId" in r["locations"][0]["physicalLocation"]["artifactLocation"]
               for r in results)  # fmt: skip


def test_engine_report_with_the_shipped_rules_indexes_every_result() -> None:
    report = check_paths([SAMPLES / "artifacts" / "bad"], Settings())
    document = sarif_document(report, RenderContext(rules=SHIPPED, root=SAMPLES))
    assert_valid(document)
    driver = document["runs"][0]["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == [r.code for r in SHIPPED]
    results = document["runs"][0]["results"]
    assert results
    for entry in results:
        assert driver["rules"][entry["ruleIndex"]]["id"] == entry["ruleId"]
        assert driver["rules"][entry["ruleIndex"]]["name"]
