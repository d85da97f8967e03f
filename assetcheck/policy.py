"""The policy step: which rules run, and what becomes of their findings.

``--select``/``--ignore`` decide which rules run. After the engine, one step applies severity
overrides and per-path ignores, marking findings (re-levelled, suppressed) instead of dropping
them, so the machine-readable reports still hold them. The integrity rules, which say that a
file or an entry could not be read or trusted, always run and are never suppressed or
re-levelled: no option can turn an unread file into a pass.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from assetcheck.findings import Finding, Severity

if TYPE_CHECKING:
    from pathspec import PathSpec

    from assetcheck.report.model import FileReport, Report


def _longest(code: str, prefixes: Iterable[str]) -> int:
    """Length of the longest prefix of ``code`` among ``prefixes``; -1 when none matches."""
    return max((len(p) for p in prefixes if code.startswith(p)), default=-1)


def is_selected(
    code: str, select: tuple[str, ...], ignore: tuple[str, ...], *, integrity: bool = False
) -> bool:
    """Whether the rule ``code`` runs: the longest matching prefix wins, ignore on a tie.

    ``--select ZIP010 --ignore ZIP`` runs ZIP010 and no other ZIP rule; ``--select ZIP
    --ignore ZIP01`` runs the ZIP rules but ZIP010-ZIP019. No selection means every rule.
    """
    if integrity:
        return True
    selected = _longest(code, select) if select else 0
    return selected >= 0 and selected > _longest(code, ignore)


@dataclasses.dataclass(frozen=True)
class PathIgnore:
    """Codes (prefixes) switched off for the paths a gitignore-style pattern matches."""

    pattern: str
    codes: tuple[str, ...]

    @property
    def spec(self) -> PathSpec:
        import pathspec  # gitignore semantics, not a matcher of our own

        return pathspec.GitIgnoreSpec.from_lines([self.pattern])


def bad_pattern(pattern: str) -> str | None:
    """Why ``pattern`` is not a usable gitignore-style glob, or None when it is."""
    import pathspec

    if not pattern.strip() or pattern.lstrip().startswith("#"):
        return "an empty pattern (or a comment) matches nothing"
    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except (ValueError, TypeError) as error:
        return str(error)
    return None


@dataclasses.dataclass(frozen=True)
class ImageTypeGlob:
    """Loose images a gitignore-style pattern matches are checked as ``image_type``."""

    pattern: str
    image_type: str

    @functools.cached_property
    def spec(self) -> PathSpec:
        import pathspec

        return pathspec.GitIgnoreSpec.from_lines([self.pattern])


def relative_to(path: str, root: Path | None) -> str | None:
    """``path`` relative to ``root`` (the current directory when None), with ``/``; None when
    it lies outside ``root``, where no project glob can match it."""
    base = os.path.abspath(root if root is not None else os.curdir)
    relative = os.path.relpath(os.path.abspath(path), base)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return None
    return Path(relative).as_posix()


def apply_policy(
    report: Report,
    *,
    severity: Mapping[str, Severity] | None = None,
    per_path_ignores: Iterable[PathIgnore] = (),
    root: Path | None = None,
) -> Report:
    """Mark the report's findings (see :func:`mark_file`), all under one policy."""
    for file in report.files:
        mark_file(file, severity=severity, per_path_ignores=per_path_ignores, root=root)
    return report


def mark_file(
    file: FileReport,
    *,
    severity: Mapping[str, Severity] | None = None,
    per_path_ignores: Iterable[PathIgnore] = (),
    root: Path | None = None,
) -> None:
    """Mark one file's findings: re-level those ``severity`` names (longest code prefix wins)
    and suppress those a per-path ignore covers; the ignores' globs are matched against paths
    relative to ``root``. Integrity findings stay as they are."""
    overrides = dict(severity or {})
    ignores = [(ignore.pattern, ignore.spec, ignore.codes) for ignore in per_path_ignores]
    if not overrides and not ignores:
        return
    paths = _paths_of(file, root)
    file.findings = [_mark(f, paths, overrides, ignores) for f in file.findings]


def _mark(
    finding: Finding,
    paths: Callable[[Finding], list[str]],
    overrides: Mapping[str, Severity],
    ignores: list[tuple[str, PathSpec, tuple[str, ...]]],
) -> Finding:
    if finding.integrity:
        return finding
    prefix = max((p for p in overrides if finding.code.startswith(p)), key=len, default=None)
    if prefix is not None:
        finding = dataclasses.replace(finding, severity=overrides[prefix])
    for pattern, spec, codes in ignores:
        if _longest(finding.code, codes) >= 0 and any(
            spec.match_file(path) for path in paths(finding)
        ):
            return dataclasses.replace(finding, suppressed=f"per-path ignore {pattern}")
    return finding


def _paths_of(file: FileReport, root: Path | None) -> Callable[[Finding], list[str]]:
    """The paths a per-path pattern is matched against: the file, and the finding's entry in
    a tree (``tree/entry``) or an artifact (``app.jar!/entry``)."""
    own = relative_to(file.path, root)

    def paths(finding: Finding) -> list[str]:
        if own is None:
            return []
        if file.kind == "source" and finding.entry:
            return [own, f"{own.rstrip('/')}/{finding.entry}" if own != "." else finding.entry]
        if file.kind == "artifact" and finding.entry:
            # An entry inside an artifact, as reports write it: target/app.jar!/fixtures/x.pem
            return [own, f"{own}!/{finding.entry}"]
        return [own]

    return paths
