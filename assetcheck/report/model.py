"""The report value: what a check found, file by file. Every reporter renders this one value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from assetcheck.findings import Finding, Severity

if TYPE_CHECKING:
    from collections.abc import Mapping

    from assetcheck.image_types import ImageType
    from assetcheck.registry import RuleSet

JSON_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class CheckedAsset:
    """An uploadable file inside a checked target (a source tree's image): the bytes checked."""

    entry: str
    size: int
    sha256: str
    image_types: tuple[str, ...]  # the types it is referenced as; () when unreferenced


@dataclass
class FileReport:
    path: str
    kind: str  # "artifact" | "image" | "source"
    size: int | None = None
    sha256: str | None = None
    image_type: str | None = None
    findings: list[Finding] = field(default_factory=list)
    # The app an artifact holds, from its descriptor (None when unknown or unresolved).
    app_key: str | None = None
    app_version: str | None = None
    # A source tree's images, by entry, with the sha256 of the bytes the checks read.
    assets: dict[str, CheckedAsset] = field(default_factory=dict)
    # Rules that crashed on this file: a bug in assetcheck, never allowed to stop the run.
    internal_errors: list[str] = field(default_factory=list)

    def untrusted(self) -> set[str | None]:
        """Where an integrity finding says the file could not be read or trusted (None: the
        file itself; an entry: that entry only)."""
        return {f.entry for f in self.findings if f.integrity}

    def passes(self, fail_on: Severity, entry: str | None = None) -> bool:
        """No finding at or above ``fail_on`` (only those at ``entry``, when given)."""
        return not any(
            f.active and f.severity >= fail_on and (entry is None or f.entry == entry)
            for f in self.findings
        )


@dataclass
class Summary:
    files: int
    errors: int
    warnings: int
    infos: int
    suppressed: int = 0


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    """Findings a baseline recorded that no longer occur: the baseline can be trimmed."""

    path: str  # relative to the project root
    code: str
    entry: str | None
    count: int


@dataclass
class Report:
    files: list[FileReport] = field(default_factory=list)
    # What discovery passed over (symbolic links leaving a folder, unlistable folders).
    notices: list[str] = field(default_factory=list)
    # With a baseline: what it recorded that this run no longer finds (None: no baseline).
    baseline_gone: list[BaselineEntry] | None = None

    @property
    def internal_errors(self) -> list[str]:
        """Every file's rule crashes, each naming its file."""
        return [f"{file.path}: {error}" for file in self.files for error in file.internal_errors]

    def summary(self) -> Summary:
        counts = {severity: 0 for severity in Severity}
        suppressed = 0
        for file in self.files:
            for finding in file.findings:
                if finding.active:
                    counts[finding.severity] += 1
                else:
                    suppressed += 1
        return Summary(
            len(self.files),
            counts[Severity.ERROR],
            counts[Severity.WARNING],
            counts[Severity.INFO],
            suppressed,
        )

    def fails(self, fail_on: Severity) -> bool:
        return not all(file.passes(fail_on) for file in self.files)


@dataclass(frozen=True)
class RenderContext:
    """What a reporter may need beyond the report: none of it changes a verdict.

    ``rules`` are the rules the run knew (SARIF lists their documentation); ``root`` is the
    directory report paths are made relative to (the project root: SARIF's ``%SRCROOT%``,
    GitLab's paths); ``image_types_version`` names the image-type table the sizes came from;
    ``fail_on`` is the severity that fails a file (JUnit's failures, the page's verdicts);
    ``image_types`` the table the run checked with (None: the shipped one).
    """

    rules: RuleSet | None = None
    fail_on: Severity = Severity.ERROR
    root: Path | None = None
    image_types_version: str | None = None
    image_types: Mapping[str, ImageType] | None = None
