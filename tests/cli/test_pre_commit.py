"""The hook as the real pre-commit runs it: installed from this repository into its own
environment, given the changed files, serially, once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import flat_image, source_files, write_tree

ROOT = Path(__file__).resolve().parents[2]
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _try_repo(repo: Path, *files: str) -> subprocess.CompletedProcess[str]:
    """The hook as pre-commit runs it: on ``files``, or (none given) on what is staged."""
    env = {**os.environ, "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home")}
    env.pop("PRE_COMMIT_COLOR", None)
    chosen = ["--files", *files] if files else []
    return subprocess.run(
        [*PRE_COMMIT, "try-repo", str(ROOT), "assetcheck", *chosen],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )


def test_the_hook_runs_serially_once_and_fails_on_a_broken_image(tmp_path: Path) -> None:
    if subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "--error-unmatch", ".pre-commit-hooks.yaml"],
        capture_output=True,
    ).returncode:
        pytest.skip("the hook manifest is not committed yet")
    repo = tmp_path / "plugin"
    resources = write_tree(repo / "src/main/resources", source_files())
    # A new image that nothing references yet, cut short: the hook must catch it.
    (resources / "images/new-highlight.png").write_bytes(flat_image(1840, 900)[:-40])
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    changed = [
        "src/main/resources/images/new-highlight.png",
        "src/main/resources/images/logo.png",
        "src/main/resources/atlassian-plugin-marketing.xml",
    ]
    result = _try_repo(repo, *changed)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "IMG021" in output and "images/new-highlight.png" in output, output
    # One serial run: the tree's report appears once, not once per parallel batch.
    assert output.count("Checked 1 file") == 1, output


def test_the_hook_passes_a_clean_change(tmp_path: Path) -> None:
    if subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "--error-unmatch", ".pre-commit-hooks.yaml"],
        capture_output=True,
    ).returncode:
        pytest.skip("the hook manifest is not committed yet")
    repo = tmp_path / "plugin"
    write_tree(repo / "src/main/resources", source_files())
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    result = _try_repo(repo, "src/main/resources/images/logo.png")
    assert result.returncode == 0, result.stdout + result.stderr


def _committed_plugin(tmp_path: Path) -> tuple[Path, Path]:
    repo = tmp_path / "plugin"
    resources = write_tree(repo / "src/main/resources", source_files())
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "app")
    return repo, resources


def test_the_hook_fails_a_commit_adding_a_wrong_size_highlight(tmp_path: Path) -> None:
    repo, resources = _committed_plugin(tmp_path)
    (resources / "images/highlight2.png").write_bytes(flat_image(1500, 900))
    _git(repo, "add", "-A")
    result = _try_repo(repo)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "IMG010" in output and "images/highlight2.png" in output, output


def test_the_hook_fails_a_commit_deleting_a_referenced_image(tmp_path: Path) -> None:
    repo, _ = _committed_plugin(tmp_path)
    # pre-commit passes no file at all for a deletion: the hook must ask git.
    _git(repo, "rm", "-q", "src/main/resources/images/highlight1_cropped.png")
    result = _try_repo(repo)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "MKT002" in output and "highlight1_cropped.png" in output, output


def test_the_hook_passes_a_commit_deleting_an_unreferenced_file(tmp_path: Path) -> None:
    repo, resources = _committed_plugin(tmp_path)
    (resources / "images/spare.png").write_bytes(flat_image(10, 10))
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "spare")
    _git(repo, "rm", "-q", "src/main/resources/images/spare.png")
    result = _try_repo(repo)
    assert result.returncode == 0, result.stdout + result.stderr
