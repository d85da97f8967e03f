"""Where a finding is, as the CI formats (SARIF, JUnit, GitHub, GitLab, concise) name it.

A report holds paths as the user gave them; CI tools want them relative to the project root
(SARIF's ``%SRCROOT%``, the repository GitHub and GitLab annotate). A finding in a source
tree is in a real file, ``tree/entry``; one inside an archive is at ``archive!/entry``, as Java
names nested entries, and only the archive is a file a CI tool can point at.

A finding's identity (its fingerprint) is the baseline's: the path, the entry and the code,
never the message, line or size, so rebuilding the same app keeps every fingerprint.
The line-based formats also share the message with its fix, and the line naming the versions.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assetcheck import __version__
from assetcheck.findings import Finding
from assetcheck.policy import relative_to
from assetcheck.report.json_report import image_types_version
from assetcheck.report.model import FileReport, RenderContext, Report

NESTED = "!/"


@dataclass(frozen=True, slots=True)
class Location:
    """Where one finding is: ``file`` is on disk, ``entry`` (if any) inside that archive."""

    path: str  # the checked file (or source tree), relative to the root; absolute outside it
    file: str  # the real file the finding is in: ``path``, or ``path/entry`` in a source tree
    entry: str | None  # inside the archive ``file``; None when the finding is about ``file``
    line: int | None  # in ``entry`` when there is one, else in ``file``

    @property
    def full(self) -> str:
        """``file``, with ``!/entry`` for a finding inside an archive."""
        return f"{self.file}{NESTED}{self.entry}" if self.entry else self.file

    @property
    def file_line(self) -> int | None:
        """The line in ``file`` itself; None when it is a line of an entry of an archive."""
        return self.line if self.entry is None else None

    @property
    def inner(self) -> str | None:
        """The entry inside the archive, with its line: ``META-INF/MANIFEST.MF:7``."""
        if self.entry is None:
            return None
        return self.entry if self.line is None else f"{self.entry}:{self.line}"


@dataclass(frozen=True, slots=True)
class Located:
    """A finding with its file, its location and its fingerprint."""

    file: FileReport
    finding: Finding
    where: Location
    fingerprint: str


def report_path(file: FileReport, root: Path | None) -> str:
    """``file.path`` relative to ``root`` (the current directory when None), with ``/``;
    absolute when it lies outside ``root``."""
    return relative_to(file.path, root) or Path(os.path.abspath(file.path)).as_posix()


def locate(file: FileReport, finding: Finding, root: Path | None) -> Location:
    """Where ``finding`` of ``file`` is, relative to ``root``."""
    path = report_path(file, root)
    if file.kind != "source" or finding.entry is None:
        return Location(path, path, finding.entry, finding.line)
    # A source tree's entry is a real file; an archive in the tree nests the rest.
    outer, nested, inner = finding.entry.partition(NESTED)
    real = outer if path == "." else f"{path}/{outer}"
    return Location(path, real, inner if nested else None, finding.line)


def located(report: Report, root: Path | None, *, suppressed: bool = False) -> Iterator[Located]:
    """Every active finding of ``report`` (and the suppressed ones, when asked), in order."""
    seen: Counter[tuple[str, str | None, str]] = Counter()
    for file in report.files:
        for finding in file.findings:
            where = locate(file, finding, root)
            # Counted over every finding, so that suppressing one never renames another.
            identity = (where.path, finding.entry, finding.code)
            occurrence = seen[identity]
            seen[identity] += 1
            if finding.active or suppressed:
                yield Located(file, finding, where, fingerprint(*identity, occurrence))


def fingerprint(path: str, entry: str | None, code: str, occurrence: int = 0) -> str:
    """A stable hex digest of a finding's identity; ``occurrence`` tells apart the second
    finding of one identity from the first."""
    identity = json.dumps([path, entry, code, occurrence], ensure_ascii=False)
    return hashlib.sha256(identity.encode("utf-8", "backslashreplace")).hexdigest()


def with_fix(finding: Finding) -> str:
    """The finding's message, then how to fix it, as one text."""
    return f"{finding.message} Fix: {finding.hint}" if finding.hint else finding.message


def tool_line(context: RenderContext | None) -> str:
    """What made the report: ``assetcheck 0.1.0, image-type table 2026.11.30``."""
    return f"assetcheck {__version__}, image-type table {image_types_version(context)}"
