"""GitLab Code Quality: a JSON array of issues, shown in the merge request's widget and diff.

Saved as a job's ``artifacts:reports:codequality``. Each active finding is one issue with its
code as ``check_name``, a ``fingerprint`` that stays the same across rebuilds (GitLab compares
them between the branch and its target to tell new issues from fixed ones), a severity
(an integrity error is ``critical``: the file could not be read or trusted) and the real file
it is in. A finding inside an archive points at the archive, with the entry and its line at
the head of the description. Suppressed findings are left out.

The format is a bare array, so each issue names the assetcheck version and the image-type
table's (an empty array, a clean run, names neither).
"""

from __future__ import annotations

import json
from typing import Any

from assetcheck import __version__
from assetcheck.findings import Severity
from assetcheck.report.json_report import image_types_version
from assetcheck.report.locations import Located, located, with_fix
from assetcheck.report.model import RenderContext, Report

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def render_gitlab(
    report: Report, *, color: bool = False, context: RenderContext | None = None
) -> str:
    del color  # JSON is never coloured
    context = context or RenderContext()
    versions = {"engine_version": __version__, "image_types_version": image_types_version(context)}
    issues = [_issue(item) | versions for item in located(report, context.root)]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _issue(item: Located) -> dict[str, Any]:
    finding, where = item.finding, item.where
    description = with_fix(finding)
    if where.inner is not None:
        description = f"{where.inner}: {description}"
    severity = SEVERITIES[finding.severity]
    if finding.integrity and finding.severity is Severity.ERROR:
        severity = "critical"
    return {
        "type": "issue",
        "engine_name": "assetcheck",
        "check_name": finding.code,
        "description": description,
        "categories": ["Bug Risk"],
        "severity": severity,
        "fingerprint": item.fingerprint,
        "location": {"path": where.file, "lines": {"begin": where.file_line or 1}},
    }
