"""The upload report: what each upload did, beside the check report it followed.

``upload`` prints the check report and then this: a table (text) or an ``uploads`` list
(JSON) with the Marketplace's answer for each file, and every warning about a possible stray
asset. Like every reporter, it renders values and decides nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from assetcheck.ledger import ClaimHolder
from assetcheck.report import render
from assetcheck.report.json_report import report_to_dict
from assetcheck.report.model import RenderContext, Report
from assetcheck.report.text import render_text
from assetcheck.upload import UploadOutcome


def render_upload(
    report: Report,
    outcomes: list[UploadOutcome],
    held: list[str],
    fmt: str,
    *,
    color: bool = False,
    context: RenderContext | None = None,
) -> tuple[str, str]:
    """The check report with the uploads, in ``fmt``: (standard output, standard error).

    JSON and text carry the uploads inside; any other format is the check report alone, and
    the upload table goes to standard error, so the log still says what was sent.
    """
    if fmt == "json":
        document = report_to_dict(report, context)
        document["uploads"] = [outcome_to_dict(o) for o in outcomes]
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n", ""
    if fmt == "text":
        text = render_text(report, color=color, context=context)
        return text + "\n" + render_outcomes(outcomes, held), ""
    return render(report, fmt, color=color, context=context), render_outcomes(outcomes, held)


def outcome_to_dict(outcome: UploadOutcome) -> dict[str, Any]:
    record = outcome.record
    return {
        "path": str(outcome.item.path),
        "kind": outcome.item.kind,
        "image_type": outcome.item.image_type,
        "sha256": outcome.item.sha256,
        "status": outcome.status,
        "logical_file_name": record.logical_file_name if record else None,
        "self": record.self_link if record else None,
        "binary": record.binary_link if record else None,
        "image": record.image_link if record else None,
        "error": outcome.error,
        "attempts": outcome.attempts,
        "answer_lost": outcome.answer_lost,
        "unused_asset_possible": outcome.unused_asset_possible,
        "took_over_stale_claim": (
            None
            if outcome.took_over is None
            else {**_holder_to_dict(outcome.took_over), "reason": outcome.stale_because}
        ),
        "waited_for": _holder_to_dict(outcome.waited_for) if outcome.waited_for else None,
        "warnings": outcome_warnings(outcome),
    }


def _holder_to_dict(holder: ClaimHolder) -> dict[str, Any]:
    return {
        "host": holder.host,
        "pid": holder.pid,
        "claimed_at": _iso(holder.claimed_at),
        "local_path": holder.local_path,
    }


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


def outcome_warnings(outcome: UploadOutcome) -> list[str]:
    """What the user should know beyond the status: never silent about a possible stray asset."""
    # The client's notes on an accepted upload (an unconfirmed size, a capped Retry-After).
    warnings = [note.rstrip(".") for note in outcome.warnings]
    if outcome.took_over is not None:
        warnings.append(
            f"took over a stale claim: {outcome.stale_because}; that run may have sent the "
            "file before it stopped, so an unused asset may exist on the server"
        )
    if outcome.answer_lost:
        warnings.append(
            f"{_attempts(outcome.attempts)} sent; an answer was lost after a whole body went "
            "out, so an attempt may have left an unused asset on the server (the API has no "
            "idempotency key)"
        )
    elif outcome.attempts > 1:
        warnings.append(f"{_attempts(outcome.attempts)} sent; none before the last was stored")
    if outcome.unused_link is not None:
        warnings.append(
            "another run recorded this file first (it took this run's claim for stale); the "
            f"asset this run stored, {outcome.unused_link}, is unused"
        )
    if outcome.waited_for is not None and outcome.status == "skipped":
        warnings.append(
            f"waited for another run ({outcome.waited_for.describe()}) uploading it; "
            "skipped with its row"
        )
    return warnings


def _attempts(count: int) -> str:
    return f"{count} attempt{'s' if count != 1 else ''}"


def render_outcomes(outcomes: list[UploadOutcome], held: list[str]) -> str:
    rows = [("file", "kind", "result", "logical file name", "asset link")]
    for outcome in outcomes:
        record = outcome.record
        rows.append(
            (
                str(outcome.item.path),
                outcome.item.kind if not outcome.item.image_type else outcome.item.image_type,
                outcome.status,
                record.logical_file_name if record else "-",
                record.self_link if record else "-",
            )
        )
    lines = table_lines(rows)
    for outcome in outcomes:
        lines.extend(f"note: {outcome.item.path}: {text}." for text in outcome_warnings(outcome))
        if outcome.error:
            lines.append(f"failed: {outcome.item.path}: {outcome.error}")
    lines.extend(f"not uploaded: {reason}" for reason in held)
    return "\n".join(lines) + "\n"


def table_lines(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
