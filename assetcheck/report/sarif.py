"""The SARIF 2.1.0 report, for code-scanning tools: GitHub code scanning, Azure DevOps, IDEs.

One run: the driver names assetcheck, its version and the image-type table's, and documents
every rule the run knew; each finding is a result with its rule, level, location (relative to
``%SRCROOT%``, the project root) and a fingerprint that survives rebuilds. Suppressed
findings stay in, with their reason as an external suppression, so a scanning service shows
them as dismissed rather than fixed.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from assetcheck import __version__
from assetcheck.findings import Severity
from assetcheck.registry import Rule
from assetcheck.report.json_report import image_types_version
from assetcheck.report.locations import Located, Location, located, with_fix
from assetcheck.report.model import RenderContext, Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/assetcheck/assetcheck"
SRCROOT = "%SRCROOT%"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# The fingerprint's name says whose it is and which way of computing it.
FINGERPRINT = "assetcheck/v1"


def render_sarif(
    report: Report, *, color: bool = False, context: RenderContext | None = None
) -> str:
    del color  # SARIF is never coloured
    return json.dumps(sarif_document(report, context), indent=2, ensure_ascii=False) + "\n"


def sarif_document(report: Report, context: RenderContext | None = None) -> dict[str, Any]:
    """The SARIF log of ``report``, as the value ``render_sarif`` writes."""
    context = context or RenderContext()
    rules = list(context.rules or ())
    index = {rule.code: number for number, rule in enumerate(rules)}
    baselined = report.baseline_gone is not None
    driver = {
        "name": "assetcheck",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "properties": {"imageTypesVersion": image_types_version(context)},
        "rules": [_rule(rule) for rule in rules],
    }
    results = [
        _result(item, index.get(item.finding.code), baselined)
        for item in located(report, context.root, suppressed=True)
    ]
    notifications = [
        {"level": "error", "message": {"text": f"internal error: {error}"}}
        for error in report.internal_errors
    ] + [{"level": "warning", "message": {"text": notice}} for notice in report.notices]
    invocation: dict[str, Any] = {"executionSuccessful": not report.internal_errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(context.root)}},
                "invocations": [invocation],
                "results": results,
            }
        ],
    }


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": _camel_case(rule.summary) or rule.code,
        "shortDescription": {"text": rule.summary or rule.code},
        "fullDescription": {"text": rule.doc or rule.code},
        "help": {"text": rule.doc or rule.code, "markdown": rule.doc or rule.code},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": [rule.family], "integrity": rule.integrity},
    }


def _camel_case(summary: str) -> str:
    """The summary's first clause in CamelCase, without a leading article:
    ``The OBR has no jar at its root, so ...`` → ``OBRHasNoJarAtItsRoot``."""
    clause = re.split(r"[,;:.]\s|\s\(", re.sub(r"[`'<>]", "", summary), maxsplit=1)[0]
    words = re.findall(r"[A-Za-z0-9]+", clause)
    if len(words) > 1 and words[0] in ("The", "A", "An"):
        words = words[1:]
    return "".join(word[0].upper() + word[1:] for word in words)


def _result(item: Located, rule_index: int | None, baselined: bool) -> dict[str, Any]:
    finding = item.finding
    result: dict[str, Any] = {"ruleId": finding.code}
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    result["level"] = LEVELS[finding.severity]
    result["message"] = {"text": with_fix(finding)}
    result["locations"] = [{"physicalLocation": _physical(item.where)}]
    result["partialFingerprints"] = {FINGERPRINT: item.fingerprint}
    reason = finding.suppressed
    if reason is not None:
        result["suppressions"] = [{"kind": "external", "justification": reason}]
    if baselined:
        # Compared with a baseline: each result is in it (unchanged) or not (new).
        result["baselineState"] = "unchanged" if _from_baseline(reason) else "new"
    return result


def _from_baseline(reason: str | None) -> bool:
    from assetcheck.baseline import REASON  # late: the baseline module imports the report's

    return reason is not None and reason.split(" ", 1)[0] == REASON


def _physical(where: Location) -> dict[str, Any]:
    full = where.full
    if os.path.isabs(full):  # outside the root: no base to be relative to
        artifact = {"uri": "file://" + _uri_path(full)}
    else:
        artifact = {"uri": _uri_path(full), "uriBaseId": SRCROOT}
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if where.line is not None and where.line >= 1:
        physical["region"] = {"startLine": where.line}
    return physical


def _uri_path(path: str) -> str:
    """``path`` percent-encoded for a URI, keeping ``/`` and the ``!`` of nested entries."""
    return quote(path, safe="/!", errors="backslashreplace")


def _directory_uri(root: Path | None) -> str:
    base = Path(os.path.abspath(root if root is not None else os.curdir)).as_posix()
    return "file://" + _uri_path(base.rstrip("/") + "/")
