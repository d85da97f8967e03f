"""The JUnit XML report, for CI servers that show test results: Jenkins, Bamboo, GitLab.

Each checked file is a test case (``classname`` ``assetcheck.<kind>``, named by its path
relative to the project root). A file that fails (a finding at or above ``--fail-on``) has
one ``<failure>`` whose type lists the codes and whose text lists those findings with their
fixes; lesser findings, and suppressed ones marked as such, go to the case's ``<system-out>``.
A rule that crashed on the file is an ``<error>``. The XML is built by lxml, and characters
XML 1.0 cannot hold (control characters, lone surrogates) are written as ``\\xNN`` escapes.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from assetcheck import __version__
from assetcheck.findings import Finding
from assetcheck.report.concise import finding_line
from assetcheck.report.json_report import image_types_version
from assetcheck.report.locations import locate, report_path
from assetcheck.report.model import FileReport, RenderContext, Report
from assetcheck.report.text import summary_line

# Everything XML 1.0 cannot hold, even as a character reference.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render_junit(
    report: Report, *, color: bool = False, context: RenderContext | None = None
) -> str:
    from lxml import etree  # lazy: keeps start-up fast for the other formats

    del color  # XML is never coloured
    context = context or RenderContext()
    suites = etree.Element("testsuites")
    suite = _child(suites, "testsuite")
    for element in (suites, suite):
        _fill(
            element,
            name="assetcheck",
            tests=len(report.files),
            failures=sum(not file.passes(context.fail_on) for file in report.files),
            errors=sum(bool(file.internal_errors) for file in report.files),
        )
    properties = _child(suite, "properties")
    for name, value in (
        ("assetcheck.version", __version__),
        ("assetcheck.image_types_version", image_types_version(context)),
        ("assetcheck.fail_on", context.fail_on.label),
    ):
        _child(properties, "property", name=name, value=value)
    for file in report.files:
        _testcase(suite, file, context)
    _child(suite, "system-out", text="\n".join([*report.notices, summary_line(report)]))
    document: bytes = etree.tostring(
        suites, encoding="UTF-8", xml_declaration=True, pretty_print=True
    )
    return document.decode("utf-8")


def _testcase(suite: Any, file: FileReport, context: RenderContext) -> None:
    path = report_path(file, context.root)
    case = _child(suite, "testcase", classname=f"assetcheck.{file.kind}", name=path, file=path)
    failing, lesser, suppressed = [], [], []
    for finding in file.findings:
        if not finding.active:
            suppressed.append(finding)
        elif finding.severity >= context.fail_on:
            failing.append(finding)
        else:
            lesser.append(finding)
    if failing:
        severities = Counter(finding.severity for finding in failing)
        _child(
            case,
            "failure",
            text="\n".join(_block(file, finding, context) for finding in failing),
            message=", ".join(
                _plural(severities[severity], severity.label)
                for severity in sorted(severities, reverse=True)
            ),
            type=",".join(dict.fromkeys(finding.code for finding in failing)),
        )
    if file.internal_errors:
        _child(
            case,
            "error",
            text="\n".join(file.internal_errors),
            message=f"{_plural(len(file.internal_errors), 'rule')} crashed (a bug in assetcheck)",
            type="internal",
        )
    out = [_block(file, finding, context) for finding in lesser]
    out += [
        f"suppressed ({finding.suppressed}): {_block(file, finding, context)}"
        for finding in suppressed
    ]
    if out:
        _child(case, "system-out", text="\n".join(out))


def _block(file: FileReport, finding: Finding, context: RenderContext) -> str:
    """The finding's line, as the concise report has it, and its fix on the next line."""
    line = finding_line(finding, locate(file, finding, context.root))
    return f"{line}\n  fix: {finding.hint}" if finding.hint else line


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _child(parent: Any, tag: str, *, text: str | None = None, **attributes: object) -> Any:
    element = parent.makeelement(tag)
    parent.append(element)
    return _fill(element, text=text, **attributes)


def _fill(element: Any, *, text: str | None = None, **attributes: object) -> Any:
    """``element`` with this text and these attributes, as XML 1.0 characters only."""
    for name, value in attributes.items():
        element.set(name, _xml(str(value)))
    if text is not None:
        element.text = _xml(text)
    return element


def _xml(text: str) -> str:
    return _NOT_XML.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
