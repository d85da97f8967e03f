"""The JSON report: a stable, versioned document for pipelines (see the README for the schema)."""

from __future__ import annotations

import json
from typing import Any

from assetcheck import __version__
from assetcheck.findings import Finding
from assetcheck.report.model import JSON_SCHEMA_VERSION, RenderContext, Report


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "severity": finding.severity.label,
        "message": finding.message,
        "entry": finding.entry,
        "line": finding.line,
        "hint": finding.hint,
        "integrity": finding.integrity,
        "suppressed": finding.suppressed,
    }


def report_to_dict(report: Report, context: RenderContext | None = None) -> dict[str, Any]:
    summary = report.summary()
    document: dict[str, Any] = {
        "schema": JSON_SCHEMA_VERSION,
        "tool": {
            "name": "assetcheck",
            "version": __version__,
            "image_types_version": image_types_version(context),
        },
        "files": [
            {
                "path": file.path,
                "kind": file.kind,
                "size": file.size,
                "sha256": file.sha256,
                "image_type": file.image_type,
                "findings": [finding_to_dict(f) for f in file.findings],
            }
            for file in report.files
        ],
        "summary": {
            "files": summary.files,
            "errors": summary.errors,
            "warnings": summary.warnings,
            "infos": summary.infos,
            "suppressed": summary.suppressed,
        },
    }
    if report.baseline_gone is not None:
        # What the baseline records that this run no longer finds: it can be trimmed.
        document["baseline"] = {
            "gone": [
                {"path": e.path, "code": e.code, "entry": e.entry, "count": e.count}
                for e in report.baseline_gone
            ]
        }
    return document


def image_types_version(context: RenderContext | None) -> str:
    """The image-type table's version: the context's (project config may change the table),
    else the shipped table's."""
    if context is not None and context.image_types_version:
        return context.image_types_version
    from assetcheck.image_types import table_version

    return table_version()


def render_json(
    report: Report, *, color: bool = False, context: RenderContext | None = None
) -> str:
    del color  # JSON is never coloured
    return json.dumps(report_to_dict(report, context), indent=2, ensure_ascii=False) + "\n"
