"""Baselines: today's findings recorded, so that only new ones fail a run.

A finding's identity is the file's path relative to its project root, the code and the entry
inside the file: not sizes, counts, messages or line numbers, so rebuilding the same app, or
editing an unrelated line of a descriptor, keeps the baseline valid. Identities are counted,
so a second finding of the same identity is new. Integrity findings (a file or entry could
not be read or trusted) are never baselined: no file can be recorded into passing unread.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assetcheck import __version__
from assetcheck.paths import display
from assetcheck.report.model import BaselineEntry, FileReport, Report

SCHEMA = 1
# What a baseline suppression says, followed by the baseline's file name.
REASON = "baseline"

Key = tuple[str, str, str | None]  # (project path, code, entry)


class BaselineError(ValueError):
    """A baseline file cannot be read or is not a baseline: a usage error (exit code 2)."""


@dataclass(frozen=True)
class Baseline:
    path: Path
    counts: Counter[Key]


def keys_of(report: Report, path_of: Callable[[FileReport], str]) -> Counter[Key]:
    """The identities of the report's active, non-integrity findings."""
    counts: Counter[Key] = Counter()
    for file in report.files:
        project_path = path_of(file)
        for finding in file.findings:
            if finding.active and not finding.integrity:
                counts[project_path, finding.code, finding.entry] += 1
    return counts


def render_baseline(report: Report, path_of: Callable[[FileReport], str]) -> str:
    """The baseline document of ``report``, sorted so that it diffs well."""
    entries = [
        {"path": path, "code": code, "entry": entry, "count": count}
        for (path, code, entry), count in sorted(
            keys_of(report, path_of).items(), key=lambda item: _sortable(item[0])
        )
    ]
    document = {
        "schema": SCHEMA,
        "tool": {"name": "assetcheck", "version": __version__},
        "kind": "baseline",
        "findings": entries,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _sortable(key: Key) -> tuple[str, str, str]:
    return key[0], key[1], key[2] or ""


def load_baseline(path: Path) -> Baseline:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BaselineError(f"{display(path)}: cannot read it: {error.strerror}") from None
    return load_baseline_text(data, path)


def load_baseline_text(data: bytes | str, path: Path) -> Baseline:
    """The baseline in ``data`` (the contents of ``path``), validated."""
    where = display(path)
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise BaselineError(f"{where}: not a baseline (not JSON: {error})") from None
    if not (
        isinstance(document, dict)
        and document.get("kind") == "baseline"
        and document.get("schema") == SCHEMA
        and isinstance(document.get("findings"), list)
    ):
        raise BaselineError(
            f"{where}: not an assetcheck baseline of schema {SCHEMA} "
            "(write one with `assetcheck check --write-baseline FILE`)"
        )
    counts: Counter[Key] = Counter()
    for number, item in enumerate(document["findings"], 1):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("path"), str)
            and isinstance(item.get("code"), str)
            and (item.get("entry") is None or isinstance(item.get("entry"), str))
            and _count(item.get("count", 1)) is not None
        ):
            raise BaselineError(
                f"{where}: finding {number} is malformed (expected path, code, entry and count)"
            )
        counts[item["path"], item["code"], item.get("entry")] += _count(item.get("count", 1)) or 0
    return Baseline(path, counts)


def _count(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10**9:
        return None
    return value


def apply_baseline(
    report: Report, baseline: Baseline, path_of: Callable[[FileReport], str]
) -> Report:
    """Mark the findings ``baseline`` records as baselined; list the recorded ones now gone."""
    remaining = Counter(baseline.counts)
    reason = f"{REASON} {display(baseline.path.name)}"
    for file in report.files:
        project_path = path_of(file)
        marked = []
        for finding in file.findings:
            key = (project_path, finding.code, finding.entry)
            if finding.active and not finding.integrity and remaining[key] > 0:
                remaining[key] -= 1
                finding = dataclasses.replace(finding, suppressed=reason)
            marked.append(finding)
        file.findings = marked
    report.baseline_gone = [
        BaselineEntry(path, code, entry, count)
        for (path, code, entry), count in sorted(remaining.items(), key=lambda i: _sortable(i[0]))
        if count > 0
    ]
    return report
