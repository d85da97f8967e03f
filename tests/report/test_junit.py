"""The JUnit XML report: exact on a fixed report, one failing case per failing file."""

from __future__ import annotations

import dataclasses
import os

from lxml import etree

from assetcheck import __version__
from assetcheck.findings import Finding
from assetcheck.report import RENDERERS
from assetcheck.report.junit import render_junit
from assetcheck.report.model import FileReport, Report
from tests.report.ci_sample import CONTEXT, ERROR, INFO, WARN, ci_report, samples_json, samples_run

EXPECTED = f"""\
<?xml version='1.0' encoding='UTF-8'?>
<testsuites name="assetcheck" tests="3" failures="1" errors="0">
  <testsuite name="assetcheck" tests="3" failures="1" errors="0">
    <properties>
      <property name="assetcheck.version" value="{__version__}"/>
      <property name="assetcheck.image_types_version" value="2026.1.1"/>
      <property name="assetcheck.fail_on" value="error"/>
    </properties>
    <testcase classname="assetcheck.artifact" name="target/my app-1.0.jar" \
file="target/my app-1.0.jar">
      <failure message="2 errors" type="MF012,XML001">\
target/my app-1.0.jar!/META-INF/MANIFEST.MF:7: MF012 error bad name
  fix: fix it
target/my app-1.0.jar: XML001 error broken</failure>
      <system-out>target/my app-1.0.jar!/lib/dép.jar!/a,b:c.txt: ZIP020 warning twice: 100%\
</system-out>
    </testcase>
    <testcase classname="assetcheck.source" name="src/main/resources" file="src/main/resources">
      <system-out>src/main/resources/images/logo.png: IMG010 warning size\\x0d\\x0awrong
  fix: resize
src/main/resources/images/extra.png: IMG050 info no type
suppressed (per-path ignore src/**): src/main/resources/atlassian-plugin.xml:3: DSC014 warning \
no description</system-out>
    </testcase>
    <testcase classname="assetcheck.image" name="/elsewhere/logo.png" file="/elsewhere/logo.png"/>
    <system-out>Checked 3 files: 2 errors, 2 warnings, 1 info (1 suppressed).</system-out>
  </testsuite>
</testsuites>
"""


def parse(text: str) -> etree._Element:
    return etree.fromstring(text.encode("utf-8"))


def test_the_document_exactly() -> None:
    # The failing file has one <failure> listing its errors with their fixes; the warning
    # goes to system-out; the passing tree lists its lesser and suppressed findings there.
    assert render_junit(ci_report(), context=CONTEXT) == EXPECTED
    assert RENDERERS["junit"] is render_junit


def test_fail_on_warning_fails_the_files_with_warnings() -> None:
    context = dataclasses.replace(CONTEXT, fail_on=WARN)
    root = parse(render_junit(ci_report(), context=context))
    assert root.get("failures") == "2"
    failures = root.findall(".//testcase/failure")
    assert [(f.get("message"), f.get("type")) for f in failures] == [
        ("2 errors, 1 warning", "MF012,ZIP020,XML001"),
        ("1 warning", "IMG010"),  # the suppressed DSC014 fails nothing
    ]
    tree_out = root.findall(".//testcase")[1].findtext("system-out")
    assert tree_out.splitlines() == [
        "src/main/resources/images/extra.png: IMG050 info no type",
        "suppressed (per-path ignore src/**): src/main/resources/atlassian-plugin.xml:3: "
        "DSC014 warning no description",
    ]


def test_one_failure_per_file_and_each_code_once() -> None:
    findings = [Finding("IMG010", ERROR, f"m{n}") for n in range(3)] + [
        Finding("IMG011", INFO, "i")
    ]
    root = parse(render_junit(Report([FileReport("a.png", "image", findings=findings)])))
    (failure,) = root.findall(".//failure")
    assert (failure.get("message"), failure.get("type")) == ("3 errors", "IMG010")
    assert failure.text == "a.png: IMG010 error m0\na.png: IMG010 error m1\na.png: IMG010 error m2"


def test_names_xml_cannot_hold_are_escaped_and_the_document_parses() -> None:
    name = "bad\x00\x1b\ud800\ufffe name.png"
    message = "ctl \x07 and \udcff"
    report = Report([FileReport(name, "image", findings=[Finding("IMG001", ERROR, message)])])
    root = parse(render_junit(report))
    case = root.find(".//testcase")
    assert case.get("name") == "bad\\x00\\x1b\\ud800\\ufffe name.png"
    assert case.findtext("failure") == (
        "bad\\x00\\x1b\\ud800\\ufffe name.png: IMG001 error ctl \\x07 and \\udcff"
    )


def test_a_crashed_rule_is_an_error_case() -> None:
    report = Report([FileReport("a.jar", "artifact", internal_errors=["rule X: boom"])])
    root = parse(render_junit(report))
    assert (root.get("errors"), root.get("failures")) == ("1", "0")
    error = root.find(".//testcase/error")
    assert (error.get("type"), error.get("message"), error.text) == (
        "internal",
        "1 rule crashed (a bug in assetcheck)",
        "rule X: boom",
    )


def test_an_empty_report_is_an_empty_suite() -> None:
    root = parse(render_junit(Report()))
    assert (root.get("tests"), root.get("failures")) == ("0", "0")
    assert root.findall(".//testcase") == []


# The real command line over samples/ -----------------------------------------------------------


def test_samples_one_failing_case_per_failing_file() -> None:
    root = parse(samples_run()["junit"])
    document = samples_json()
    failing = {
        os.path.normpath(file["path"])
        for file in document["files"]
        if any(f["suppressed"] is None and f["severity"] == "error" for f in file["findings"])
    }
    cases = root.findall("testsuite/testcase")
    assert sorted(c.get("name") for c in cases) == sorted(
        os.path.normpath(f["path"]) for f in document["files"]
    )
    assert {c.get("name") for c in cases if c.find("failure") is not None} == failing
    assert all(len(c.findall("failure")) <= 1 for c in cases)
    assert root.get("failures") == str(len(failing))
    assert root.find("testsuite/properties/property").get("value") == __version__
