"""Turn the paths a user gives into typed targets: artifacts, images and plugin source trees."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from assetcheck.views import DESCRIPTOR, MARKETING

ARTIFACT_SUFFIXES = {".jar", ".obr"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".svg", ".tif", ".tiff"}
DESCRIPTOR_NAMES = {DESCRIPTOR, MARKETING}
# Folders never worth walking: version control, virtual environments, caches.
SKIPPED_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".idea"}
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


def find_source_root(path: Path) -> Path | None:
    """The nearest folder at or above ``path`` that holds ``atlassian-plugin.xml``."""
    start = path if path.is_dir() else path.parent
    for folder in (start, *start.parents):
        if (folder / DESCRIPTOR).is_file():
            return folder
    return None


def discover(paths: Iterable[Path], image_type: str | None = None) -> list[Target]:
    """Targets for the given paths, in a stable order, each checked once."""
    artifacts: dict[Path, Target] = {}
    images: dict[Path, Target] = {}
    sources: dict[Path, set[Path]] = {}
    for path in paths:
        if not path.exists():
            raise TargetError(f"{path}: no such file or directory")
        if path.is_dir():
            for found in _walk(path):
                if found.is_file():  # not FIFOs, sockets, devices or dangling links
                    _classify(found, image_type, artifacts, images, sources, explicit=False)
        elif not path.is_file():
            raise TargetError(f"{path}: not a regular file (a pipe or a device cannot be checked)")
        else:
            _classify(path, image_type, artifacts, images, sources, explicit=True)
    source_targets = {
        root: Target(root, "source", changed=frozenset(changed))
        for root, changed in sources.items()
    }
    merged = {**artifacts, **images, **source_targets}
    return [merged[key] for key in sorted(merged, key=str)]


def _classify(
    path: Path,
    image_type: str | None,
    artifacts: dict[Path, Target],
    images: dict[Path, Target],
    sources: dict[Path, set[Path]],
    *,
    explicit: bool,
) -> None:
    suffix = path.suffix.lower()
    if suffix in ARTIFACT_SUFFIXES:
        artifacts[path] = Target(path, "artifact")
        return
    if path.name in DESCRIPTOR_NAMES or suffix in IMAGE_SUFFIXES:
        # An explicit image with a type is checked as given; otherwise an image or descriptor
        # inside a plugin source tree is checked as part of that tree.
        root = None if (suffix in IMAGE_SUFFIXES and image_type) else find_source_root(path)
        if root is not None:
            changed = sources.setdefault(root, set())
            if explicit:
                changed.add(path)
            return
        if suffix in IMAGE_SUFFIXES:
            images[path] = Target(path, "image", image_type=image_type)
            return
    if explicit:
        raise TargetError(
            f"{path}: not an artifact (.jar, .obr), an image, or a plugin descriptor "
            "inside a source tree"
        )


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        here = Path(folder)
        in_build = bool(BUILD_DIRS.intersection(here.relative_to(root).parts))
        if in_build:
            # Only the built artifacts: filtered copies of sources are not the product.
            yield from (here / f for f in sorted(files) if Path(f).suffix in ARTIFACT_SUFFIXES)
            continue
        if DESCRIPTOR in files:
            yield here / DESCRIPTOR
            # Images in a source tree are checked through the descriptors that name them.
            yield from (here / f for f in sorted(files) if Path(f).suffix in ARTIFACT_SUFFIXES)
            dirs[:] = []
            continue
        yield from (here / f for f in sorted(files))
