"""Fuzz target ``zip``: the zip reader, every entry verified, nested archives walked.

``ArchiveView.open`` over the bytes (``ZipArchive.open``: the end record, zip64, the central
directory, local headers, data descriptors), then what the engine does to an artifact's
container: every bundled jar opened, walked and released depth first, every entry inflated and
verified (``read_issues``), the manifest, class-file levels and Maven properties read, and the
container rules run on each archive. Asserted: a verdict, twice the same.
"""

from __future__ import annotations

import contextlib
import io

try:
    import atheris
except ImportError:  # replaying an input without atheris: nothing is instrumented
    atheris = None

with atheris.instrument_imports(include=["assetcheck"]) if atheris else contextlib.nullcontext():
    import harness

    from assetcheck.readers.kinds import ReadIssue, ZipKind
    from assetcheck.views import ArchiveView

LIMITS = harness.SETTINGS.limits


def _walk(archive: ArchiveView, checker: object, seen: list[object]) -> None:
    if not archive.readable:
        return
    for nested in archive.nested():
        if nested.view is not None:
            _walk(nested.view, checker, seen)
            _describe(nested.view, seen)
            checker.run(nested.view)  # type: ignore[attr-defined]
        else:
            seen.append(("unopened", nested.entry))
        archive.release(nested.entry)


def _describe(view: ArchiveView, seen: list[object]) -> None:
    view.read("META-INF/MANIFEST.MF")
    issues = view.read_issues()
    for issue in [*issues, *view.issues]:
        assert isinstance(issue, ReadIssue) and isinstance(issue.kind, ZipKind), issue
    assert len(view.entries) <= LIMITS.max_entries
    seen.append(
        (
            view.chain,
            view.readable,
            [(e.name, e.file_size, e.compressed_size) for e in view.entries],
            [repr(i) for i in issues],
            [repr(i) for i in view.issues],
            sorted(view.class_levels.items()),
            view.maven_artifacts(),
            view.depth_exceeded,
        )
    )


def examine(data: bytes) -> list[object]:
    checker = harness.Checker(harness.SETTINGS, harness.RULES)
    top = ArchiveView.open(io.BytesIO(data), LIMITS, name="app.jar")
    seen: list[object] = []
    try:
        _walk(top, checker, seen)
        _describe(top, seen)
        checker.run(top)
    finally:
        top.close()
    seen.append(harness.verdict(checker))
    return seen


test_one_input = harness.twice(examine)

if __name__ == "__main__":
    harness.main(test_one_input)
