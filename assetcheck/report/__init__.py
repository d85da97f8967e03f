"""Reporters: each turns the same report value into bytes, and none of them decides anything.

Every format is listed once, here; its module is imported only when a report in that format is
written, so `assetcheck --version` or a text check never pays for lxml or the page's imaging.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assetcheck.report.model import RenderContext, Report

Renderer = Callable[..., str]

# format -> (module, function): the one list of formats; the CLI offers exactly these.
_WHERE = {
    "text": ("assetcheck.report.text", "render_text"),
    "json": ("assetcheck.report.json_report", "render_json"),
    "html": ("assetcheck.report.html", "render_html"),
    "sarif": ("assetcheck.report.sarif", "render_sarif"),
    "junit": ("assetcheck.report.junit", "render_junit"),
    "github": ("assetcheck.report.github", "render_github"),
    "gitlab": ("assetcheck.report.gitlab", "render_gitlab"),
    "concise": ("assetcheck.report.concise", "render_concise"),
}


class _Renderers(Mapping[str, Renderer]):
    """Format name -> renderer, each imported when first asked for."""

    def __getitem__(self, fmt: str) -> Renderer:
        module, name = _WHERE[fmt]
        renderer: Renderer = getattr(importlib.import_module(module), name)
        return renderer

    def __iter__(self) -> Iterator[str]:
        return iter(_WHERE)

    def __len__(self) -> int:
        return len(_WHERE)


RENDERERS: Mapping[str, Renderer] = _Renderers()
FORMATS = tuple(_WHERE)


def render(
    report: Report, fmt: str, *, color: bool = False, context: RenderContext | None = None
) -> str:
    """``report`` in format ``fmt``; every renderer takes ``color`` and ``context``."""
    from assetcheck.report.model import RenderContext

    return RENDERERS[fmt](report, color=color, context=context or RenderContext())
