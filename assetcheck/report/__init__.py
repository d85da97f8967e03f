"""Reporters: each turns the same report value into bytes, and none of them decides anything."""

from __future__ import annotations

from collections.abc import Callable

from assetcheck.report.concise import render_concise
from assetcheck.report.github import render_github
from assetcheck.report.gitlab import render_gitlab
from assetcheck.report.html import render_html
from assetcheck.report.json_report import render_json
from assetcheck.report.junit import render_junit
from assetcheck.report.model import RenderContext, Report
from assetcheck.report.sarif import render_sarif
from assetcheck.report.text import render_text

Renderer = Callable[..., str]

RENDERERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "html": render_html,
    "sarif": render_sarif,
    "junit": render_junit,
    "github": render_github,
    "gitlab": render_gitlab,
    "concise": render_concise,
}
# Every report format, listed once: the CLI offers exactly these.
FORMATS = tuple(RENDERERS)


def render(
    report: Report, fmt: str, *, color: bool = False, context: RenderContext | None = None
) -> str:
    """``report`` in format ``fmt``; every renderer takes ``color`` and ``context``."""
    return RENDERERS[fmt](report, color=color, context=context or RenderContext())
