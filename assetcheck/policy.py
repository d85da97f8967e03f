"""The policy step: which rules run, and what becomes of their findings.

``--select``/``--ignore`` decide which rules run. After the engine, one step applies severity
overrides and per-path ignores, marking findings (re-levelled, suppressed) instead of dropping
them, so the machine-readable reports still hold them. The integrity rules, which say that a
file or an entry could not be read or trusted, always run and are never suppressed or
re-levelled: no option can turn an unread file into a pass.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
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


def apply_policy(
    report: Report,
    *,
    severity: Mapping[str, Severity] | None = None,
    per_path_ignores: Iterable[PathIgnore] = (),
) -> Report:
    """Mark the report's findings: re-level those ``severity`` names (longest code prefix
    wins) and suppress those a per-path ignore covers. Integrity findings stay as they are."""
    overrides = dict(severity or {})
    ignores = [(ignore.pattern, ignore.spec, ignore.codes) for ignore in per_path_ignores]
    if not overrides and not ignores:
        return report
    for file in report.files:
        file.findings = [_mark(f, file, overrides, ignores) for f in file.findings]
    return report


def _mark(
    finding: Finding,
    file: FileReport,
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
            spec.match_file(path) for path in _paths_of(file, finding)
        ):
            return dataclasses.replace(finding, suppressed=f"per-path ignore {pattern}")
    return finding


def _paths_of(file: FileReport, finding: Finding) -> list[str]:
    """The paths a per-path pattern is matched against: the file, and a tree's entry."""
    paths = [file.path]
    if file.kind == "source" and finding.entry:
        paths.append(f"{file.path.rstrip('/')}/{finding.entry}")
    return paths
