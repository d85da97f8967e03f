"""Baselines: record today's findings, pass on them, fail on new ones, list the gone ones."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assetcheck.cli import main
from tests.builders import descriptor, flat_image, source_files, write_tree


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    before = Path.cwd()
    os.chdir(tmp_path)
    (tmp_path / "assetcheck.toml").write_text('[image-types]\n"marketing/*logo*" = "logo"\n')
    (tmp_path / "marketing").mkdir()
    (tmp_path / "marketing/logo.png").write_bytes(flat_image(100, 100))  # IMG010
    try:
        yield tmp_path
    finally:
        os.chdir(before)


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(["check", "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def _active(document: dict) -> list[tuple[str, str]]:
    return [
        (file["path"], f["code"])
        for file in document["files"]
        for f in file["findings"]
        if f["suppressed"] is None
    ]


def test_write_rerun_then_only_the_new_defect_fails(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "."]) == 1
    assert main(["check", "--write-baseline", "baseline.json", "."]) == 0
    assert "wrote the baseline baseline.json (1 finding)" in capsys.readouterr().err
    recorded = json.loads((project / "baseline.json").read_text())
    assert recorded["findings"] == [
        {"path": "marketing/logo.png", "code": "IMG010", "entry": None, "count": 1}
    ]

    code, document = _json(capsys, "--baseline", "baseline.json", ".")
    assert code == 0
    assert _active(document) == []
    (finding,) = document["files"][0]["findings"]
    assert finding["suppressed"] == "baseline baseline.json"
    assert document["baseline"] == {"gone": []}

    (project / "marketing/second-logo.png").write_bytes(flat_image(90, 90))
    code, document = _json(capsys, "--baseline", "baseline.json", ".")
    assert code == 1
    assert _active(document) == [("marketing/second-logo.png", "IMG010")]


def test_identity_ignores_sizes_and_lines_but_counts_repeats(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["check", "--write-baseline", "baseline.json", "."])
    # Another wrong size: another message, same file, code and entry: still baselined.
    (project / "marketing/logo.png").write_bytes(flat_image(120, 80))
    assert main(["check", "--baseline", "baseline.json", "."]) == 0


def test_findings_gone_since_the_baseline_are_listed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["check", "--write-baseline", "baseline.json", "."])
    (project / "marketing/logo.png").write_bytes(flat_image(144, 144))
    capsys.readouterr()
    assert main(["check", "--baseline", "baseline.json", "."]) == 0
    out = capsys.readouterr().out
    assert "The baseline records 1 finding no longer found" in out
    assert "  IMG010  marketing/logo.png" in out
    code, document = _json(capsys, "--baseline", "baseline.json", ".")
    assert code == 0
    assert document["baseline"]["gone"] == [
        {"path": "marketing/logo.png", "code": "IMG010", "entry": None, "count": 1}
    ]


def test_entries_inside_a_tree_keep_their_identity_across_rebuilds(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = project / "app/src/main/resources"
    write_tree(tree, source_files(**{"images/logo.png": flat_image(100, 100)}))
    main(["check", "--write-baseline", "baseline.json", "app"])
    recorded = json.loads((project / "baseline.json").read_text())["findings"]
    assert {
        "path": "app/src/main/resources",
        "code": "IMG010",
        "entry": "images/logo.png",
        "count": 1,
    } in recorded
    # Edit the descriptor elsewhere: lines move, the identity does not.
    (tree / "atlassian-plugin.xml").write_text("\n\n" + descriptor(key="${project.groupId}.x"))
    _, document = _json(capsys, "--baseline", "baseline.json", "app")
    assert ("app/src/main/resources", "IMG010") not in _active(document)


def test_integrity_findings_are_never_baselined(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "marketing/logo.png").write_bytes(flat_image(144, 144)[:-30])  # IMG021
    assert main(["check", "--write-baseline", "baseline.json", "."]) == 1
    assert json.loads((project / "baseline.json").read_text())["findings"] == []
    # A hand-made baseline naming it changes nothing either.
    (project / "baseline.json").write_text(
        json.dumps(
            {
                "schema": 1,
                "tool": {"name": "assetcheck"},
                "kind": "baseline",
                "findings": [{"path": "marketing/logo.png", "code": "IMG021", "entry": None}],
            }
        )
    )
    assert main(["check", "--baseline", "baseline.json", "."]) == 1


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        '{"schema": 1, "kind": "report", "findings": []}',
        '{"schema": 1, "kind": "baseline", "findings": [{"path": 3}]}',
        '{"schema": 1, "kind": "baseline", "findings": [{"path": "a", "code": "X", "count": 0}]}',
        "[" * 100_000,
    ],
)
def test_a_bad_baseline_exits_2(
    project: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    (project / "baseline.json").write_text(content)
    assert main(["check", "--baseline", "baseline.json", "."]) == 2
    error = capsys.readouterr().err
    assert "baseline.json" in error and "Traceback" not in error


def test_write_baseline_refuses_to_overwrite_what_is_not_a_report(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "notes.json").write_text('{"mine": true}')
    assert main(["check", "--write-baseline", "notes.json", "."]) == 2
    assert (project / "notes.json").read_text() == '{"mine": true}'
