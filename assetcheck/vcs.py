"""What git says a commit deletes: the pre-commit hook's view of files no hook is given.

pre-commit passes a hook the files a commit adds or changes, never those it deletes. Deleting
an image a descriptor references breaks the listing all the same, so the hook asks git for the
deleted files and checks the source trees that held them.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from assetcheck.names import DESCRIPTOR, IMAGE_SUFFIXES, MARKETING
from assetcheck.targets import find_source_root

GIT_TIMEOUT = 30.0


class GitError(Exception):
    """git could not say what the commit deletes (the message says why)."""


def deleted_files(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> list[Path]:
    """The files the commit being made deletes (renamed-away files included).

    Under ``pre-commit run --from-ref A --to-ref B`` (pre-commit sets PRE_COMMIT_FROM_REF and
    PRE_COMMIT_TO_REF) those deleted between the two refs; otherwise those deleted in the index.
    """
    env = os.environ if env is None else env
    span = [env.get("PRE_COMMIT_FROM_REF", ""), env.get("PRE_COMMIT_TO_REF", "")]
    if not all(span):
        span = ["--cached"]
    command = ["git", "diff", "--name-only", "--no-renames", "--diff-filter=D", "-z", *span]
    top = _git(["git", "rev-parse", "--show-toplevel"], cwd).strip(b"\n")
    listed = _git(command, cwd)
    root = Path(os.fsdecode(top))
    return [root / os.fsdecode(name) for name in listed.split(b"\0") if name]


def _git(command: list[str], cwd: Path | None) -> bytes:
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, timeout=GIT_TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"`{' '.join(command)}` took more than {GIT_TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"`{' '.join(command)}` failed")
    return done.stdout


def trees_of(deleted: list[Path]) -> list[Path]:
    """The plugin source trees that held deleted images or descriptors (each once)."""
    trees: dict[Path, None] = {}
    for path in deleted:
        if path.suffix.lower() not in IMAGE_SUFFIXES and path.name not in (DESCRIPTOR, MARKETING):
            continue
        folder = path.parent
        while not folder.is_dir() and folder != folder.parent:
            folder = folder.parent  # the deleted file's folder may be gone with it
        root = find_source_root(folder)
        if root is not None:
            trees[root] = None
    return list(trees)
