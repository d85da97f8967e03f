"""The concise report, exactly, and the location rules every CI format shares (locations.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from assetcheck import __version__
from assetcheck.findings import Finding
from assetcheck.image_types import table_version
from assetcheck.report import RENDERERS
from assetcheck.report.concise import render_concise
from assetcheck.report.locations import locate, report_path
from assetcheck.report.model import FileReport, RenderContext, Report
from tests.report.ci_sample import (
    CONTEXT,
    ERROR,
    ROOT,
    ci_report,
    sample_lines,
)

EXPECTED = f"""\
assetcheck {__version__}, image-type table 2026.1.1
target/my app-1.0.jar!/META-INF/MANIFEST.MF:7: MF012 error bad name
target/my app-1.0.jar!/lib/dép.jar!/a,b:c.txt: ZIP020 warning twice: 100%
target/my app-1.0.jar: XML001 error broken
src/main/resources/images/logo.png: IMG010 warning size\\x0d\\x0awrong
src/main/resources/images/extra.png: IMG050 info no type
Checked 3 files: 2 errors, 2 warnings, 1 info (1 suppressed).
"""
# LOC[:LINE]: CODE severity message, with no control character anywhere.
LINE = re.compile(
    r"^(?P<loc>[^\x00-\x1f]+?)(:(?P<line>[1-9]\d*))?: [A-Z]+\d{3} (error|warning|info) "
)


def test_every_line_exactly() -> None:
    # Artifact entries nest with !/, a source tree's entry is its real file, the line follows
    # the location only when known, the suppressed DSC014 is left out, the summary ends it.
    assert render_concise(ci_report(), context=CONTEXT) == EXPECTED


def test_registered_under_its_name() -> None:
    assert RENDERERS["concise"] is render_concise


def test_a_line_break_in_a_name_cannot_forge_a_line() -> None:
    hostile = "a.png\n/etc/passwd:1: ZIP001 error forged"
    report = Report([FileReport(hostile, "image", findings=[Finding("IMG001", ERROR, "x\ty")])])
    lines = render_concise(report, context=RenderContext(root=Path.cwd())).splitlines()
    assert lines == [
        f"assetcheck {__version__}, image-type table {table_version()}",
        "a.png\\x0a/etc/passwd:1: ZIP001 error forged: IMG001 error x\\x09y",
        "Checked 1 file: 1 error, 0 warnings, 0 infos.",
    ]


# The location rules (one helper, every format) ------------------------------------------------


@pytest.mark.parametrize(
    ("path", "root", "expected"),
    [
        ("/ci/project/target/app.jar", ROOT, "target/app.jar"),
        ("/ci/project", ROOT, "."),
        ("/ci/project-other/app.jar", ROOT, "/ci/project-other/app.jar"),  # not a prefix match
        ("/ci/app.jar", ROOT, "/ci/app.jar"),  # outside the root: absolute
        ("/ci/project/a/../b.png", ROOT, "b.png"),
    ],
)
def test_report_paths_are_relative_to_the_root(path: str, root: Path, expected: str) -> None:
    assert report_path(FileReport(path, "image"), root) == expected


def test_without_a_root_paths_are_relative_to_the_current_directory(tmp_path: Path) -> None:
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        assert report_path(FileReport("target/app.jar", "artifact"), None) == "target/app.jar"
        inside = FileReport(str(tmp_path / "x" / "a.png"), "image")
        assert report_path(inside, None) == "x/a.png"
        # Given relative to the current directory, outside the root: made absolute.
        outside = FileReport("other/a.png", "image")
        assert report_path(outside, tmp_path / "project") == f"{tmp_path}/other/a.png"
    finally:
        os.chdir(before)


@pytest.mark.parametrize(
    ("kind", "path", "entry", "line", "full", "file", "inner", "file_line"),
    [
        ("artifact", "/ci/project/a.jar", None, None, "a.jar", "a.jar", None, None),
        ("artifact", "/ci/project/a.jar", "M.MF", 7, "a.jar!/M.MF", "a.jar", "M.MF:7", None),
        ("artifact", "/ci/project/a.obr", "d/x.jar!/M.MF", None, "a.obr!/d/x.jar!/M.MF",
         "a.obr", "d/x.jar!/M.MF", None),
        ("source", "/ci/project/res", "images/a.png", None, "res/images/a.png",
         "res/images/a.png", None, None),
        ("source", "/ci/project/res", "p.xml", 3, "res/p.xml", "res/p.xml", None, 3),
        ("source", "/ci/project", "p.xml", 3, "p.xml", "p.xml", None, 3),  # the root is a tree
        ("source", "/ci/project/res", "lib/x.jar!/M.MF", 2, "res/lib/x.jar!/M.MF",
         "res/lib/x.jar", "M.MF:2", None),
        ("source", "/ci/project/res", None, None, "res", "res", None, None),
        ("image", "/ci/project/a.png", None, 4, "a.png", "a.png", None, 4),
    ],
)  # fmt: skip
def test_where_a_finding_is(
    kind: str,
    path: str,
    entry: str | None,
    line: int | None,
    full: str,
    file: str,
    inner: str | None,
    file_line: int | None,
) -> None:
    where = locate(FileReport(path, kind), Finding("X001", ERROR, "m", entry, line=line), ROOT)
    assert (where.full, where.file, where.inner, where.file_line) == (full, file, inner, file_line)


# The real command line over samples/ -----------------------------------------------------------


def test_samples_one_line_per_active_finding() -> None:
    for text, path, finding in sample_lines("concise"):
        match = LINE.match(text)
        assert match, text
        assert match["loc"].split("!/")[0].startswith(path), (text, path)
        assert f" {finding['code']} {finding['severity']} " in text
        assert match["line"] == (str(finding["line"]) if finding["line"] else None), text
