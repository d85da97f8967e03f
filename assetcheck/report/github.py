"""GitHub Actions workflow commands: each finding becomes an annotation on the run and the PR.

A plain line naming the versions, then one ``::error file=LOC,line=N,title=CODE::message``
line per active finding (``warning`` and ``notice`` for the lower severities), then the
summary line. GitHub can point only at a file of the repository: a source-tree finding points
at its real file (``tree/entry``), a finding inside an archive at the archive, with the entry
and its line at the head of the message. Values are escaped as the workflow-command rules
say, so no name or message can end the command early or start another. Suppressed findings
are not printed.
"""

from __future__ import annotations

from assetcheck.findings import Severity
from assetcheck.report.locations import Located, located, tool_line, with_fix
from assetcheck.report.model import RenderContext, Report
from assetcheck.report.text import summary_line

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render_github(
    report: Report, *, color: bool = False, context: RenderContext | None = None
) -> str:
    del color  # annotations are styled by GitHub
    root = context.root if context is not None else None
    lines = [tool_line(context)]
    lines += [_command(item) for item in located(report, root)]
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def _command(item: Located) -> str:
    finding, where = item.finding, item.where
    properties = [("file", where.file)]
    if where.file_line is not None:
        properties.append(("line", str(where.file_line)))
    properties.append(("title", finding.code))
    listed = ",".join(f"{name}={escape_property(value)}" for name, value in properties)
    message = with_fix(finding)
    if where.inner is not None:
        message = f"{where.inner}: {message}"
    return f"::{COMMANDS[finding.severity]} {listed}::{escape_data(message)}"


def escape_data(text: str) -> str:
    """A command's message: ``%``, CR and LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value: as a message, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
