"""Turn the paths a user gives into typed targets: artifacts, images and plugin source trees.

Folders are walked without recursion (a tree 1,100 levels deep is just a long walk) and without
following symbolic links: a link met while walking is never opened, and one that leads out of
the walked folder is named in a notice. What a path is comes from its name here; the readers
then decide by content.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from assetcheck.names import ARTIFACT_SUFFIXES, DESCRIPTOR, IMAGE_SUFFIXES, MARKETING
from assetcheck.paths import display
from assetcheck.views import SKIPPED_DIRS

DESCRIPTOR_NAMES = {DESCRIPTOR, MARKETING}
# Maven's output folder holds the built jar, and filtered copies of the sources that are not.
BUILD_DIRS = {"target", "build"}


class TargetError(Exception):
    """A path the user gave cannot be checked (a usage error)."""


@dataclass(frozen=True)
class Target:
    path: Path
    kind: str  # "artifact" | "image" | "source"
    image_type: str | None = None
    # For a source tree found from changed files: those files (empty: check the whole tree).
    changed: frozenset[Path] = field(default_factory=frozenset)


@dataclass
class Discovery:
    """The targets found, and what was passed over on the way (said on standard error)."""

    targets: list[Target] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def find_source_root(path: Path) -> Path | None:
    """The nearest folder at or above ``path`` that holds ``atlassian-plugin.xml``."""
    start = path if _is_dir(path) else path.parent
    for folder in (start, *start.parents):
        if _is_file(folder / DESCRIPTOR):
            return folder
    return None


def discover(paths: Iterable[Path], image_type: str | None = None) -> Discovery:
    """Targets for the given paths, in a stable order, each checked once."""
    found = _Found(image_type)
    for path in paths:
        mode = _lstat_mode(path)
        if mode is None:
            raise TargetError(f"{display(path)}: no such file or directory")
        if stat.S_ISLNK(mode):
            mode = _stat_mode(path)
            if mode is None:
                raise TargetError(f"{display(path)}: a symbolic link to nothing (or a link loop)")
        if stat.S_ISDIR(mode):
            for file, in_source_dir in _walk(path, found.discovery.notices):
                found.add(file, explicit=False, whole_tree=in_source_dir)
        elif not stat.S_ISREG(mode):
            raise TargetError(
                f"{display(path)}: not a regular file (a pipe or a device cannot be checked)"
            )
        else:
            found.add(path, explicit=True, whole_tree=False)
    return found.result()


@dataclass
class _Found:
    image_type: str | None
    discovery: Discovery = field(default_factory=Discovery)
    artifacts: dict[Path, Target] = field(default_factory=dict)
    images: dict[Path, Target] = field(default_factory=dict)
    # Source root -> the changed files given in it; None: the whole tree.
    sources: dict[Path, set[Path] | None] = field(default_factory=dict)

    def add(self, path: Path, *, explicit: bool, whole_tree: bool) -> None:
        suffix = path.suffix.lower()
        if suffix in ARTIFACT_SUFFIXES:
            self.artifacts[path] = Target(path, "artifact")
            return
        if path.name in DESCRIPTOR_NAMES or suffix in IMAGE_SUFFIXES:
            # An explicit image with a type is checked as given; otherwise an image or
            # descriptor inside a plugin source tree is checked as part of that tree.
            typed_image = suffix in IMAGE_SUFFIXES and self.image_type
            root = None if typed_image else find_source_root(path)
            if root is not None:
                self._add_to_tree(root, path, explicit=explicit, whole_tree=whole_tree)
                return
            if suffix in IMAGE_SUFFIXES:
                self.images[path] = Target(path, "image", image_type=self.image_type)
                return
        if explicit:
            raise TargetError(
                f"{display(path)}: not an artifact (.jar, .obr), an image, or a plugin "
                "descriptor inside a source tree"
            )

    def _add_to_tree(self, root: Path, path: Path, *, explicit: bool, whole_tree: bool) -> None:
        if whole_tree or not explicit:
            self.sources[root] = None  # a folder holding the tree: all of it
            return
        if path.is_symlink() and not _inside(path, root):
            self.discovery.notices.append(
                f"{display(path)}: skipped, a symbolic link to a file outside its source tree "
                f"{display(root)} (it is not opened)"
            )
            self.sources.setdefault(root, set())
            return
        changed = self.sources.setdefault(root, set())
        if changed is not None:
            changed.add(path)

    def result(self) -> Discovery:
        source_targets = {
            root: Target(root, "source", changed=frozenset(changed or ()))
            for root, changed in self.sources.items()
        }
        merged = {**self.artifacts, **self.images, **source_targets}
        self.discovery.targets = [merged[key] for key in sorted(merged, key=str)]
        return self.discovery


def _walk(root: Path, notices: list[str]) -> Iterator[tuple[Path, bool]]:
    """(file, whether it lies in a plugin source folder) for every regular file worth checking.

    Depth first with an explicit stack; symbolic links are never followed.
    """
    stack: list[tuple[Path, bool]] = [(root, False)]
    while stack:
        folder, in_build = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as error:
            notices.append(f"{display(folder)}: skipped, cannot be listed ({error.strerror})")
            continue
        files: list[Path] = []
        subfolders: list[tuple[Path, bool]] = []
        for entry in entries:
            path = Path(entry.path)
            try:
                if entry.is_symlink():
                    if not _inside(path, root):
                        notices.append(
                            f"{display(path)}: skipped, a symbolic link that leads outside "
                            f"{display(root)} (it is not opened)"
                        )
                    continue  # a link inside the folder: its target is walked itself
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIPPED_DIRS:
                        subfolders.append((path, in_build or entry.name in BUILD_DIRS))
                elif entry.is_file(follow_symlinks=False):
                    files.append(path)
            except OSError:
                continue
        if in_build:
            # Only the built artifacts: filtered copies of sources are not the product.
            yield from ((f, False) for f in files if f.suffix in ARTIFACT_SUFFIXES)
        elif any(f.name == DESCRIPTOR for f in files):
            # A plugin source folder: the tree is checked whole, images included, as one target.
            yield folder / DESCRIPTOR, True
            yield from ((f, False) for f in files if f.suffix in ARTIFACT_SUFFIXES)
            continue
        else:
            yield from ((f, False) for f in files)
        stack.extend(reversed(subfolders))


def _inside(link: Path, root: Path) -> bool:
    """Whether a symbolic link resolves to somewhere inside ``root`` (never raises)."""
    try:
        return Path(os.path.realpath(link)).is_relative_to(os.path.realpath(root))
    except (OSError, ValueError):
        return False


def _lstat_mode(path: Path) -> int | None:
    try:
        return os.lstat(path).st_mode
    except (OSError, ValueError):
        return None


def _stat_mode(path: Path) -> int | None:
    try:
        return os.stat(path).st_mode
    except (OSError, ValueError):
        return None


def _is_dir(path: Path) -> bool:
    mode = _stat_mode(path)
    return mode is not None and stat.S_ISDIR(mode)


def _is_file(path: Path) -> bool:
    mode = _stat_mode(path)
    return mode is not None and stat.S_ISREG(mode)
