"""The text report: grouped by file, one block per finding, a summary line at the end."""

from __future__ import annotations

from assetcheck.findings import Finding, Severity
from assetcheck.report.escape import controls_escaped as safe
from assetcheck.report.model import FileReport, RenderContext, Report

COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}
# The same finding about the file itself (code, severity, message and fix alike) on this many
# files or more is said once, naming the files (16 untyped images give one IMG050, not 16).
SAY_ONCE_FROM = 3
FILES_NAMED = 5

SharedKey = tuple[str, Severity, str, str | None]


def _style(text: str, color: bool, **styles: object) -> str:
    if not color:
        return text
    import click

    return click.style(text, **styles)  # type: ignore[arg-type]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def describe(file: FileReport) -> str:
    """What a checked file is, for its heading: kind, image type, size."""
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
    where = safe(finding.entry or "")
    if finding.line is not None:
        where = f"{where}:{finding.line}" if where else f"line {finding.line}"
    location = f"{_style(where, color, bold=True)}: " if where else ""
    message = safe(finding.message)
    lines = [f"  {severity} {_style(finding.code, color, bold=True)}  {location}{message}"]
    if finding.hint:
        lines.append(f"                  {_style('fix:', color, dim=True)} {safe(finding.hint)}")
    return lines


def _shared_key(finding: Finding) -> SharedKey | None:
    if finding.entry is not None or finding.line is not None:
        return None
    return finding.code, finding.severity, finding.message, finding.hint


def _shared(report: Report) -> dict[SharedKey, list[str]]:
    """Findings about the file itself that many files share, with the files."""
    files: dict[SharedKey, list[str]] = {}
    for file in report.files:
        for key in dict.fromkeys(_shared_key(f) for f in file.findings if f.active):
            if key is not None:
                files.setdefault(key, []).append(file.path)
    return {key: paths for key, paths in files.items() if len(paths) >= SAY_ONCE_FROM}


def render_text(
    report: Report, *, color: bool = False, context: RenderContext | None = None
) -> str:
    shared = _shared(report)
    lines: list[str] = [_style(versions_line(context), color, dim=True)]
    for file in report.files:
        header = f"{_style(safe(file.path), color, bold=True)} ({describe(file)})"
        active = [f for f in file.findings if f.active]  # suppressed ones are only counted
        own = [f for f in active if _shared_key(f) not in shared]
        if not active:
            lines.append(f"{header}: {_style('ok', color, fg='green')}")
            continue
        if not own:
            codes = ", ".join(dict.fromkeys(f.code for f in active))
            lines.append(f"{header}: {codes} (below)")
            continue
        lines.append(header)
        for finding in own:
            lines.extend(_finding(finding, color))
    for (code, severity, message, hint), paths in shared.items():
        lines.append("")
        lines.append(_style(f"The same finding on {len(paths):,} files:", color, bold=True))
        lines.extend(_finding(Finding(code, severity, message, hint=hint), color))
        named = ", ".join(safe(path) for path in paths[:FILES_NAMED])
        more = f" and {len(paths) - FILES_NAMED:,} more" if len(paths) > FILES_NAMED else ""
        lines.append(f"                  {_style('files:', color, dim=True)} {named}{more}")
    if report.baseline_gone:
        lines.append("")
        lines.extend(_gone(report))
    if len(lines) > 1:
        lines.append("")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def versions_line(context: RenderContext | None) -> str:
    """What made the report: assetcheck's version and the image-type table's."""
    from assetcheck import __version__
    from assetcheck.report.json_report import image_types_version

    return f"assetcheck {__version__}, image-type table {image_types_version(context)}"


def _gone(report: Report) -> list[str]:
    gone = report.baseline_gone or []
    total = sum(entry.count for entry in gone)
    lines = [
        f"The baseline records {_plural(total, 'finding')} no longer found "
        "(write it again with --write-baseline to trim it):"
    ]
    for entry in gone[: FILES_NAMED * 4]:
        where = f"{entry.path}!/{entry.entry}" if entry.entry else entry.path
        times = f" (x{entry.count})" if entry.count > 1 else ""
        lines.append(f"  {entry.code}  {safe(where)}{times}")
    if len(gone) > FILES_NAMED * 4:
        lines.append(f"  ... and {len(gone) - FILES_NAMED * 4:,} more")
    return lines


def summary_line(report: Report) -> str:
    """The report's last line: what was checked and what was found."""
    summary = report.summary()
    return (
        f"Checked {_plural(summary.files, 'file')}: {_plural(summary.errors, 'error')}, "
        f"{_plural(summary.warnings, 'warning')}, {_plural(summary.infos, 'info')}"
        + (f" ({summary.suppressed:,} suppressed)." if summary.suppressed else ".")
    )
