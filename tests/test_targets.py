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
    targets = discover([tmp_path]).targets
    assert [(t.kind, t.path) for t in targets] == [
        ("source", resources),
        ("artifact", tmp_path / "target" / "app-1.0.jar"),
    ]


def test_changed_image_finds_its_tree(tmp_path: Path) -> None:
    resources = _tree(tmp_path)
    image = resources / "images" / "logo.png"
    [target] = discover([image]).targets
    assert target.kind == "source" and target.path == resources
    assert target.changed == {image}
    assert find_source_root(image) == resources


def test_several_changed_files_of_one_tree_make_one_target(tmp_path: Path) -> None:
    resources = _tree(tmp_path)
    targets = discover(
        [resources / "images" / "logo.png", resources / "atlassian-plugin.xml"]
    ).targets
    assert len(targets) == 1 and len(targets[0].changed) == 2


def test_image_with_explicit_type_is_an_image_target(tmp_path: Path) -> None:
    resources = _tree(tmp_path)
    [target] = discover([resources / "images" / "logo.png"], image_type="logo").targets
    assert target.kind == "image" and target.image_type == "logo"


def test_loose_image_outside_a_tree(tmp_path: Path) -> None:
    (tmp_path / "banner.png").write_bytes(b"x")
    [target] = discover([tmp_path / "banner.png"]).targets
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
    assert discover([tmp_path]).targets == []  # skipped when walking, never opened


def test_a_symlink_leading_out_of_a_walked_folder_is_never_opened(tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "shadow.jar"
    secret.parent.mkdir()
    secret.write_bytes(b"PK secret")
    walked = tmp_path / "walked"
    walked.mkdir()
    (walked / "app.jar").symlink_to(secret)
    (walked / "loop").symlink_to(walked)  # a link loop is just another link
    found = discover([walked])
    assert found.targets == []
    assert any("app.jar" in notice and "outside" in notice for notice in found.notices)


def test_a_symlink_loop_in_a_source_tree_is_harmless(tmp_path: Path) -> None:
    resources = _tree(tmp_path)
    (resources / "images" / "loop").symlink_to(resources / "images")
    (resources / "images" / "self.png").symlink_to(resources / "images" / "self.png")
    [target] = [t for t in discover([tmp_path]).targets if t.kind == "source"]
    assert target.path == resources and target.changed == frozenset()


def test_a_changed_file_linking_out_of_its_tree_is_skipped_with_a_notice(tmp_path: Path) -> None:
    resources = _tree(tmp_path)
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(b"png")
    link = resources / "images" / "linked.png"
    link.symlink_to(outside)
    found = discover([link])
    assert [n for n in found.notices if "outside its source tree" in n]
    assert found.targets[0].changed == frozenset()


def test_a_folder_1100_levels_deep_is_walked_without_recursion(tmp_path: Path) -> None:
    folder = tmp_path
    for _ in range(1100):  # os.makedirs itself recurses
        folder = folder / "d"
        folder.mkdir()
    (folder / "app.jar").write_bytes(b"PK")
    try:
        [target] = discover([tmp_path]).targets
        assert target.path == folder / "app.jar"
    finally:  # shutil.rmtree, which cleans tmp_path up, recurses too
        (folder / "app.jar").unlink()
        while folder != tmp_path:
            folder.rmdir()
            folder = folder.parent


def test_a_whole_tree_and_a_file_in_it_mean_the_whole_tree(tmp_path: Path) -> None:
    resources = _tree(tmp_path)
    targets = discover([resources / "images" / "logo.png", resources]).targets
    assert [(t.kind, t.changed) for t in targets] == [("source", frozenset())]
