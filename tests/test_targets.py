import os
from pathlib import Path

import pytest

from assetcheck.targets import TargetError, discover, find_source_root


def _tree(root: Path) -> Path:
    resources = root / "src" / "main" / "resources"
    (resources / "images").mkdir(parents=True)
    (resources / "atlassian-plugin.xml").write_text("<atlassian-plugin/>")
    (resources / "images" / "logo.png").write_bytes(b"png")
    (root / "target" / "classes").mkdir(parents=True)
    (root / "target" / "classes" / "atlassian-plugin.xml").write_text("<atlassian-plugin/>")
    (root / "target" / "app-1.0.jar").write_bytes(b"PK")
    (root / ".git").mkdir()
    (root / ".git" / "x.jar").write_bytes(b"PK")
    return resources


def test_walk_finds_source_tree_and_built_artifact_only(tmp_path: Path) -> None:
    resources = _tree(tmp_path)
    targets = discover([tmp_path])
    assert [(t.kind, t.path) for t in targets] == [
        ("source", resources),
        ("artifact", tmp_path / "target" / "app-1.0.jar"),
    ]


def test_changed_image_finds_its_tree(tmp_path: Path) -> None:
    resources = _tree(tmp_path)
    image = resources / "images" / "logo.png"
    [target] = discover([image])
    assert target.kind == "source" and target.path == resources
    assert target.changed == {image}
    assert find_source_root(image) == resources


def test_several_changed_files_of_one_tree_make_one_target(tmp_path: Path) -> None:
    resources = _tree(tmp_path)
    targets = discover([resources / "images" / "logo.png", resources / "atlassian-plugin.xml"])
    assert len(targets) == 1 and len(targets[0].changed) == 2


def test_image_with_explicit_type_is_an_image_target(tmp_path: Path) -> None:
    resources = _tree(tmp_path)
    [target] = discover([resources / "images" / "logo.png"], image_type="logo")
    assert target.kind == "image" and target.image_type == "logo"


def test_loose_image_outside_a_tree(tmp_path: Path) -> None:
    (tmp_path / "banner.png").write_bytes(b"x")
    [target] = discover([tmp_path / "banner.png"])
    assert target.kind == "image" and target.image_type is None


def test_missing_path_and_unknown_file_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="no such file"):
        discover([tmp_path / "nope.jar"])
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(TargetError, match="not an artifact"):
        discover([tmp_path / "notes.txt"])


def test_special_files_are_refused_or_skipped(tmp_path: Path) -> None:
    fifo = tmp_path / "app.jar"
    os.mkfifo(fifo)
    with pytest.raises(TargetError, match="not a regular file"):
        discover([fifo])
    assert discover([tmp_path]) == []  # skipped when walking, never opened
