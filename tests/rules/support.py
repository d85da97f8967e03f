"""What every rule test uses: cases that build a target on disk, and a way to check it.

Each ``tests/rules/test_<family>.py`` module defines ``CASES``: at least one failing case per
rule code of the family. ``tests/test_registry.py`` proves every registered rule has one, and
each family module runs its own cases with ``run_case``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assetcheck.report.model import FileReport
from assetcheck.settings import Settings
from tests.catalogue import check_paths

Build = Callable[[Path], Path]


@dataclass(frozen=True)
class Case:
    """A target that must produce ``code`` (at ``entry``, when given) and, with ``only``,
    nothing else of the same family (a bare zip also lacks a descriptor, say)."""

    id: str
    code: str
    build: Build
    entry: str | None = None
    only: bool = False
    image_type: str | None = None

    def __str__(self) -> str:
        return self.id


def file_case(
    case_id: str, code: str, data: bytes, name: str = "app.jar", **kwargs: object
) -> Case:
    """A case whose target is one file with these bytes."""

    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return Case(case_id, code, build, **kwargs)  # type: ignore[arg-type]


def check_one(path: Path, **settings: object) -> FileReport:
    report = check_paths([path], Settings(**settings))  # type: ignore[arg-type]
    assert not report.internal_errors, report.internal_errors
    assert len(report.files) == 1, report.files
    return report.files[0]


def codes(result: FileReport) -> list[str]:
    return [finding.code for finding in result.findings]


def family_codes(result: FileReport, families: tuple[str, ...]) -> set[str]:
    """The codes found that belong to these families (prefixes such as "DSC")."""
    return {code for code in codes(result) if code.startswith(families)}


def run_case(case: Case, tmp_path: Path) -> FileReport:
    """Build and check the case's target; assert the expected finding is there."""
    target = case.build(tmp_path)
    result = check_one(target, image_type=case.image_type)
    matching = [f for f in result.findings if f.code == case.code]
    assert matching, f"{case.code} not reported; got {codes(result)}"
    if case.entry is not None:
        entries = [f.entry for f in matching]
        assert case.entry in entries, f"{case.code} at {entries}, expected {case.entry}"
    if case.only:
        family = case.code.rstrip("0123456789")
        same_family = {c for c in codes(result) if c.rstrip("0123456789") == family}
        assert same_family == {case.code}, f"unexpected findings: {result.findings}"
    return result


class Folder:
    """A container of named files (the views' Container), for running one rule on a text."""

    chain = ""
    entry = None

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def has(self, path: str) -> bool:
        return path in self.files

    def read(self, path: str) -> bytes | None:
        return self.files.get(path)

    def read_image(self, path: str) -> bytes | None:
        return self.files.get(path)

    def size_of(self, path: str) -> int | None:
        data = self.files.get(path)
        return None if data is None else len(data)

    def entry_problem(self, path: str) -> None:
        return None
