"""The text report: grouped by file, one block per finding, a summary line at the end."""

from __future__ import annotations

from assetcheck.findings import Finding, Severity
from assetcheck.report.model import FileReport, RenderContext, Report

COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def _style(text: str, color: bool, **styles: object) -> str:
    if not color:
        return text
    import click

    return click.style(text, **styles)  # type: ignore[arg-type]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _describe(file: FileReport) -> str:
    details = [file.kind]
    if file.image_type:
        details.append(f"type {file.image_type}")
    if file.size is not None:
        details.append(f"{file.size:,} byte{'' if file.size == 1 else 's'}")
    return ", ".join(details)


def _finding(finding: Finding, color: bool) -> list[str]:
    severity = _style(
        f"{finding.severity.label:<7}", color, fg=COLOURS[finding.severity], bold=True
    )
    where = finding.entry or ""
    if finding.line is not None:
        where = f"{where}:{finding.line}" if where else f"line {finding.line}"
    location = f"{_style(where, color, bold=True)}: " if where else ""
    lines = [f"  {severity} {_style(finding.code, color, bold=True)}  {location}{finding.message}"]
    if finding.hint:
        lines.append(f"                  {_style('fix:', color, dim=True)} {finding.hint}")
    return lines


def render_text(
    report: Report, *, color: bool = False, context: RenderContext | None = None
) -> str:
    del context  # the text report needs nothing beyond the report
    lines: list[str] = []
    for file in report.files:
        header = f"{_style(file.path, color, bold=True)} ({_describe(file)})"
        active = [f for f in file.findings if f.active]  # suppressed ones are only counted
        if not active:
            lines.append(f"{header}: {_style('ok', color, fg='green')}")
            continue
        lines.append(header)
        for finding in active:
            lines.extend(_finding(finding, color))
    if lines:
        lines.append("")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def summary_line(report: Report) -> str:
    """The report's last line: what was checked and what was found."""
    summary = report.summary()
    return (
        f"Checked {_plural(summary.files, 'file')}: {_plural(summary.errors, 'error')}, "
        f"{_plural(summary.warnings, 'warning')}, {_plural(summary.infos, 'info')}"
        + (f" ({summary.suppressed:,} suppressed)." if summary.suppressed else ".")
    )
