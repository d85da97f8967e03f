"""Release hygiene: what a built artifact should never carry when it is uploaded.

Nothing here is refused by UPM or the Marketplace, so every rule is a warning: a snapshot
build or a ``.DS_Store`` installs fine, but it is not what anyone means to publish. They run on
built artifacts only (never on a source tree, where ``${project.version}`` stands for a snapshot
version and editors leave their files).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from assetcheck.api import (
    MANIFEST,
    WARNING,
    ArchiveView,
    ManifestView,
    Problem,
    Version,
    has_placeholder,
    parse_version,
    rule,
)

# Maven's snapshot suffix, and the SDK's OSGi spelling of it (1.2.0-SNAPSHOT -> 1.2.0.SNAPSHOT).
SNAPSHOT = re.compile(r"(?:^|[.\-_])SNAPSHOT$", re.IGNORECASE)
SHOWN = 5  # junk entries a finding names before it counts the rest
SHOWN_CHARS = 60

# Junk folders (macOS archive metadata, version control) are named once, with a count of the
# entries under them; junk files (Finder, Explorer, editors, patch and merge tools) one by one.
JUNK_FOLDERS = {"__MACOSX", ".git", ".svn", ".hg"}
JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
JUNK_SUFFIXES = (".swp", ".swo", ".bak", ".orig", ".rej")


def _shown(value: str) -> str:
    value = value.strip()
    return repr(value if len(value) <= SHOWN_CHARS else value[: SHOWN_CHARS - 1] + "…")


@rule("MF030", WARNING, ManifestView)
def snapshot_version(view: ManifestView) -> Iterator[Problem]:
    """The built plugin is a snapshot (``-SNAPSHOT`` version): uploading a development build.

    A ``-SNAPSHOT`` ``plugin-info/version`` (or its OSGi spelling ``.SNAPSHOT`` in
    ``Bundle-Version``) marks a build of work in progress: the Marketplace lists the text as
    the version, customers cannot tell one snapshot from the next, and UPM orders it before the
    release of the same number. Only built plugin jars are checked: in a source tree the
    version is ``${project.version}``. An invalid ``Bundle-Version`` such as
    ``1.2.0-SNAPSHOT`` is MF013's.

    Passing: ``<version>1.2.0</version>`` with ``Bundle-Version: 1.2.0``.
    Failing: ``<version>1.2.0-SNAPSHOT</version>`` with ``Bundle-Version: 1.2.0.SNAPSHOT``.
    """
    descriptor = view.descriptor
    if descriptor is None:
        return  # an .obr dependency: the release is the plugin's (manifests exist in jars only)
    found: list[str] = []
    entry: str | None = None
    line: int | None = None
    declared = descriptor.version
    if declared and not has_placeholder(declared) and SNAPSHOT.search(declared):
        found.append(f"plugin-info/version {_shown(declared)}")
        entry = descriptor.entry
        info = descriptor.plugin_info()
        element = None if info is None else info.find("version")
        line = None if element is None else element.sourceline
    manifest = view.manifest
    headers = [] if manifest is None else manifest.get_all("Bundle-Version")
    for header in headers:
        parsed = parse_version(header.value)
        if isinstance(parsed, Version) and SNAPSHOT.search(parsed.qualifier):
            found.append(f"Bundle-Version {_shown(header.value)}")
            if entry is None:
                entry, line = MANIFEST, header.line
            break
    if not found:
        return
    release = SNAPSHOT.sub("", declared or "") if declared else ""
    example = f" such as {release}" if release and not has_placeholder(release) else ""
    yield Problem(
        f"uploading a snapshot: {' and '.join(found)} (expected a release version{example})",
        entry=entry,
        line=line,
        hint="Release the version first (mvn release:prepare, or drop -SNAPSHOT from <version> "
        "in the pom) and build the artifact again from that commit.",
    )


# Every junk name holds one of these (lowercased): names without any skip the path parsing.
_JUNK_HINT = re.compile(
    "|".join(re.escape(hint.lower()) for hint in (*JUNK_FOLDERS, *JUNK_NAMES, *JUNK_SUFFIXES))
    + "|~|\\._"
)


def _junk_kind(name: str) -> tuple[str, str] | None:
    """(kind, what a finding names: the junk folder or the file) for a junk file, else None."""
    if _JUNK_HINT.search(name.lower()) is None:
        return None
    parts = PurePosixPath(name).parts
    for depth, part in enumerate(parts[:-1]):
        if part in JUNK_FOLDERS:
            return "folder", "/".join(parts[: depth + 1]) + "/"
    if not parts:
        return None
    base = parts[-1]
    if base.lower() in JUNK_NAMES or base.endswith("~") or base.lower().endswith(JUNK_SUFFIXES):
        return "file", name
    if base.startswith("._"):  # AppleDouble files: macOS resource forks copied to a zip
        return "file", name
    return None


@rule("ZIP042", WARNING, ArchiveView)
def junk_entries(archive: ArchiveView) -> Iterator[Problem]:
    """The archive holds files that should never ship: ``.DS_Store``, editor backups, ``.git/``.

    Listed: ``.DS_Store``, ``Thumbs.db``, ``desktop.ini``, AppleDouble ``._*`` files,
    ``__MACOSX/``, ``.git/`` (and ``.svn/``, ``.hg/``), editor backups (``*~``, ``*.swp``,
    ``*.swo``, ``*.bak``) and patch leftovers (``*.orig``, ``*.rej``). They are harmless to UPM
    but show that the artifact was built from an unclean folder, and a ``.git/`` folder
    publishes the project's whole history. One finding per archive names the first few and
    counts the rest.

    Passing: a jar built by ``atlas-package`` from a clean checkout.
    Failing: a jar holding ``images/.DS_Store`` and ``atlassian-plugin.xml~``.
    """
    if not archive.readable:
        return
    listed: dict[str, int] = {}  # what a finding names -> entries it stands for
    count = 0
    for entry in archive.entries:
        if entry.is_dir:
            continue  # a folder is junk by what it holds
        kind = _junk_kind(entry.name)
        if kind is None:
            continue
        count += 1
        listed[kind[1]] = listed.get(kind[1], 0) + 1
    if not count:
        return
    names = [
        _shown(name) + (f" ({entries:,} entries)" if name.endswith("/") and entries > 1 else "")
        for name, entries in listed.items()
    ]
    shown = ", ".join(names[:SHOWN])
    more = f" and {len(names) - SHOWN:,} more" if len(names) > SHOWN else ""
    yield Problem(
        f"{count:,} entr{'ies' if count > 1 else 'y'} that should never ship: {shown}{more} "
        "(expected none of .DS_Store, Thumbs.db, __MACOSX/, .git/, editor backups, "
        "*.orig, *.rej)",
        hint="Delete them from src/main/resources (and add them to .gitignore), then build "
        "the artifact again (`atlas-clean && atlas-package`).",
    )
