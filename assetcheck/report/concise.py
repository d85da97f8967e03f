"""The concise report: one line per finding, ``LOC:LINE: CODE severity message``.

For editors (Vim's quickfix list, Emacs' compilation mode, VS Code problem matchers jump to
``file:line:``) and for grep. A finding inside an archive is at ``archive!/entry``, a finding
in a source tree at its real file. A first line names the versions, the summary line ends it.
Suppressed findings are not printed (the summary line counts them). Control characters in
names and messages are escaped, so a hostile entry name can never forge a line of its own.
"""

from __future__ import annotations

from assetcheck.findings import Finding
from assetcheck.report.escape import controls_escaped
from assetcheck.report.locations import Location, located, tool_line
from assetcheck.report.model import RenderContext, Report
from assetcheck.report.text import summary_line


def render_concise(
    report: Report, *, color: bool = False, context: RenderContext | None = None
) -> str:
    del color  # read by programs: never coloured
    root = context.root if context is not None else None
    lines = [tool_line(context)]
    lines += [finding_line(item.finding, item.where) for item in located(report, root)]
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def finding_line(finding: Finding, where: Location) -> str:
    """``LOC:LINE: CODE severity message`` (``:LINE`` only when the line is known)."""
    line = f":{where.line}" if where.line is not None else ""
    return one_line(
        f"{where.full}{line}: {finding.code} {finding.severity.label} {finding.message}"
    )


def one_line(text: str) -> str:
    """``text`` with every control character (line breaks included) escaped."""
    return controls_escaped(text)
