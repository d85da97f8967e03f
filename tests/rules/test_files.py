"""File rules (FILE): files that cannot be read from disk, or that change while checked."""

from __future__ import annotations

from pathlib import Path

import pytest

import assetcheck.engine
from tests.builders import make_jar, source_files, write_tree
from tests.probe import measured_check
from tests.rules.support import Case, check_one, codes


def _tree_with_unreadable_logo(folder: Path) -> Path:
    root = write_tree(folder / "src/main/resources", source_files())
    (root / "images/logo.png").chmod(0)
    return root


def _plain_jar(folder: Path) -> Path:
    path = folder / "app.jar"
    path.write_bytes(make_jar())
    return path


CASES: list[Case] = [
    Case("unreadable-tree-image", "FILE001", _tree_with_unreadable_logo, entry="images/logo.png"),
    Case("artifact-rewritten-while-checked", "FILE002", _plain_jar),
]


def test_an_unreadable_image_of_a_tree_is_a_finding(tmp_path: Path) -> None:
    # The tree's folders must be reachable once root's powers are dropped.
    tmp_path.chmod(0o755)
    root = CASES[0].build(tmp_path)
    verdict = measured_check(root, unprivileged_run=True)
    assert "FILE001" in verdict["codes"], verdict
    assert verdict["seconds"] < 10 and verdict["peak_mb"] < 300


def test_an_unreadable_artifact_is_a_finding_not_a_usage_error(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    jar = _plain_jar(tmp_path)
    jar.chmod(0)
    verdict = measured_check(jar, unprivileged_run=True)
    assert verdict["codes"] == ["FILE001"], verdict


def test_a_file_that_vanishes_is_a_finding(tmp_path: Path, monkeypatch) -> None:
    jar = _plain_jar(tmp_path)
    real_open = Path.open

    def vanish(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self == jar:
            raise FileNotFoundError(2, "No such file or directory")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", vanish)
    assert codes(check_one(jar)) == ["FILE001"]


def test_an_artifact_written_during_its_check_cannot_pass(tmp_path: Path, monkeypatch) -> None:
    jar = CASES[1].build(tmp_path)
    real_digest = assetcheck.engine._digest

    def digest_then_append(handle):  # type: ignore[no-untyped-def]
        result = real_digest(handle)
        with jar.open("ab") as writer:  # the build rewrites the jar under the check
            writer.write(b"\0" * 10)
        return result

    monkeypatch.setattr(assetcheck.engine, "_digest", digest_then_append)
    result = check_one(jar)
    assert "FILE002" in codes(result), result.findings
    message = next(f.message for f in result.findings if f.code == "FILE002")
    assert "its size went from" in message, message


@pytest.mark.parametrize("settings", [{"select": ("DSC",)}, {"ignore": ("FILE",)}])
def test_unreadable_cannot_be_switched_off(
    tmp_path: Path, monkeypatch, settings: dict[str, tuple[str, ...]]
) -> None:
    jar = _plain_jar(tmp_path)
    real_open = Path.open

    def refuse(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self == jar:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    assert codes(check_one(jar, **settings)) == ["FILE001"]
