"""Issue 3's precision checks: the same defects in a jar and in its source tree are flagged at
exactly their entries, and a source tree's Maven placeholders are never findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.builders import (
    SOURCE_DESCRIPTOR_VALUES,
    descriptor,
    flat_image,
    make_jar,
    plugin_files,
    source_files,
    write_tree,
)
from tests.rules.support import check_one

MISSING_BANNER = {"plugin-banner": "images/banner.jpg"}
BAD_HIGHLIGHT = {"images/highlight3.png": flat_image(1839, 635, "JPEG")}


def _found(path: Path) -> set[tuple[str, str | None]]:
    return {(f.code, f.entry) for f in check_one(path).findings}


def _jar(tmp_path: Path, files: dict) -> Path:
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(files))
    return path


def _tree(tmp_path: Path, **overrides: bytes | str | None) -> Path:
    return write_tree(tmp_path / "src/main/resources", source_files(**overrides))


def test_missing_banner_param_in_jar_is_the_only_finding(tmp_path: Path) -> None:
    jar = _jar(
        tmp_path, plugin_files(**{"atlassian-plugin.xml": descriptor(params=MISSING_BANNER)})
    )
    result = check_one(jar)
    assert {(f.code, f.entry) for f in result.findings} == {("DSC033", "atlassian-plugin.xml")}
    assert "images/banner.jpg" in result.findings[0].message


def test_wrong_highlight_in_jar_is_flagged_at_that_entry_only(tmp_path: Path) -> None:
    assert _found(_jar(tmp_path, plugin_files(**BAD_HIGHLIGHT))) == {
        ("IMG004", "images/highlight3.png"),
        ("IMG010", "images/highlight3.png"),
    }


@pytest.mark.parametrize(
    ("jar_files", "tree_overrides"),
    [
        (
            {"atlassian-plugin.xml": descriptor(params=MISSING_BANNER)},
            {"atlassian-plugin.xml": descriptor(**SOURCE_DESCRIPTOR_VALUES, params=MISSING_BANNER)},
        ),
        (BAD_HIGHLIGHT, BAD_HIGHLIGHT),
    ],
    ids=["missing-banner", "jpeg-highlight"],
)
def test_source_tree_gives_the_same_findings_as_the_jar(
    tmp_path: Path, jar_files: dict, tree_overrides: dict
) -> None:
    jar = _found(_jar(tmp_path, plugin_files(**jar_files)))
    tree = _found(_tree(tmp_path, **tree_overrides))
    assert jar == tree
    assert not any(code == "DSC020" for code, _ in tree)


def test_good_source_tree_with_placeholders_is_clean(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    assert "${atlassian.plugin.key}" in (tree / "atlassian-plugin.xml").read_text()
    assert _found(tree) == set()


def test_changed_image_checks_only_that_image(tmp_path: Path) -> None:
    tree = _tree(tmp_path, **BAD_HIGHLIGHT, **{"images/logo.png": flat_image(100, 100)})
    assert {entry for _, entry in _found(tree / "images/highlight3.png")} == {
        "images/highlight3.png"
    }
    # A changed descriptor re-checks every image it references.
    assert {entry for _, entry in _found(tree / "atlassian-plugin-marketing.xml")} == {
        "images/highlight3.png",
        "images/logo.png",
    }


# Issue 7's must-show lines, through the installed entry point as a user types them.


def _cli(*args: str) -> int:
    import subprocess
    import sys

    command = [sys.executable, "-m", "assetcheck", *args]
    return subprocess.run(command, capture_output=True, check=False, timeout=60).returncode


def test_select_cannot_hide_a_truncated_jar() -> None:
    truncated = Path(__file__).resolve().parents[2] / "samples/artifacts/bad/truncated.jar"
    assert _cli("check", "--select", "DSC", str(truncated)) == 1


def test_a_report_never_overwrites_the_jar_it_checked(tmp_path: Path) -> None:
    jar = tmp_path / "x.jar"
    jar.write_bytes(make_jar())
    before = jar.read_bytes()
    assert _cli("check", str(jar), "-o", str(jar)) == 2
    assert jar.read_bytes() == before
