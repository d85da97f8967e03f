"""What rules see: lazy, read-only views over archives, source trees and the documents in them.

Nothing is inflated, parsed or decoded until a rule asks, and nothing twice. Views never raise
on bad input: what could not be read shows up in their ``issues``.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from assetcheck.image_types import ImageType
from assetcheck.names import DESCRIPTOR, IMAGE_SUFFIXES, MANIFEST, MARKETING, OBR_XML
from assetcheck.readers.ahead import Plan
from assetcheck.readers.image import ImageFacts, probe_image
from assetcheck.readers.kinds import ReadIssue, XmlKind, ZipKind
from assetcheck.readers.manifest import Manifest, read_manifest
from assetcheck.readers.sniff import Sniffed, sniff
from assetcheck.readers.xml import XmlDoc, load_xml
from assetcheck.readers.zipreader import Budget, ZipArchive, ZipEntry
from assetcheck.settings import Limits

if TYPE_CHECKING:
    from concurrent.futures import Executor

# What libmagic says of zips, and of bytes it does not recognise.
UNKNOWN_OR_ZIP_MIMES = {
    "application/octet-stream",
    "application/zip",
    "application/java-archive",
    "application/x-java-archive",
}
# Folders never worth walking: version control, virtual environments, caches.
SKIPPED_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".idea"}


class Located(Protocol):
    """Where a view is: ``chain`` is the path of nested archives it is in (``a.jar!/`` inside
    a bundled jar, "" at the top), ``entry`` its entry there (None for the file itself)."""

    @property
    def chain(self) -> str: ...

    @property
    def entry(self) -> str | None: ...


class Container(Located, Protocol):
    """Where a descriptor's relative paths resolve: a jar's entries or a source folder."""

    def has(self, path: str) -> bool: ...

    def read(self, path: str) -> bytes | None: ...

    def read_image(self, path: str) -> bytes | None: ...

    def size_of(self, path: str) -> int | None: ...

    def entry_problem(self, path: str) -> ReadIssue | None: ...


def normalise_ref(path: str) -> str:
    """A descriptor path as an entry name: descriptors sometimes write '/images/x.png'."""
    return path.strip().lstrip("/")


# ---- archives ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NestedArchive:
    entry: str
    view: ArchiveView | None  # None: too deep to open, or unreadable (see the entry's issue)


class ArchiveView:
    """One zip archive, top-level or nested, as the container rules see it."""

    entry = None

    def __init__(
        self,
        archive: ZipArchive,
        *,
        name: str,
        chain: str = "",
        depth: int = 0,
        head: bytes = b"",
    ) -> None:
        self.archive = archive
        self.name = name  # the file's base name, or the nested entry's name
        self.chain = chain  # "" at the top; "dependencies/x.jar!/" inside
        self.depth = depth
        self.head = head  # the first bytes, for telling what a non-zip file really is
        self.limits = archive.limits
        self._cache: dict[str, bytes | None] = {}
        self._nested: dict[int, ArchiveView | None] = {}
        # Bundled archives already walked and released: their directory and manifest stay.
        self._retired: dict[int, ArchiveView] = {}
        self._closed = False
        self._spools: list[BinaryIO] = []
        self._verified = False
        self.depth_exceeded: list[str] = []
        if any(issue.kind == ZipKind.NOT_ZIP for issue in archive.issues):
            self._name_other_format()

    def _name_other_format(self) -> None:
        """A file with no zip structure whose content is a known other format (a PNG, an HTML
        error page saved by a download) is that format, not just "not a zip"."""
        if self.sniffed.mime in UNKNOWN_OR_ZIP_MIMES:
            return
        self.archive.issues[:] = [
            dataclasses.replace(issue, kind=ZipKind.OTHER_FORMAT)
            if issue.kind == ZipKind.NOT_ZIP
            else issue
            for issue in self.archive.issues
        ]

    @classmethod
    def open(cls, fileobj: BinaryIO, limits: Limits, *, name: str) -> ArchiveView:
        budget = Budget(limits.max_total_uncompressed)
        fileobj.seek(0)
        head = fileobj.read(4096)
        return cls(ZipArchive.open(fileobj, limits, budget), name=name, head=head)

    @property
    def readable(self) -> bool:
        return self.archive.readable

    @functools.cached_property
    def sniffed(self) -> Sniffed:
        """What the first bytes say the file is (for naming what a non-zip really is)."""
        return sniff(self.head)

    @property
    def entries(self) -> list[ZipEntry]:
        return self.archive.entries

    @property
    def issues(self) -> list[ReadIssue]:
        """Problems met reading the archive's structure (directory, layout, limits)."""
        return self.archive.issues

    @functools.cached_property
    def by_name(self) -> dict[str, ZipEntry]:
        first: dict[str, ZipEntry] = {}
        for entry in self.entries:
            first.setdefault(entry.name, entry)
        return first

    def has(self, path: str) -> bool:
        return path in self.by_name

    def find(self, path: str) -> ZipEntry | None:
        return self.by_name.get(path)

    def read(self, path: str) -> bytes | None:
        """A document entry's bytes (bounded by the document limit), or None."""
        if path not in self._cache:
            entry = self.by_name.get(path)
            data = None
            if self._closed:
                return None  # retired: only what was read before release is kept
            if entry is not None and not entry.is_dir:
                data = self.archive.read(entry, self.limits.max_document_bytes)
            self._cache[path] = data
        return self._cache[path]

    def read_image(self, path: str) -> bytes | None:
        entry = self.by_name.get(path)
        if entry is None or entry.is_dir:
            return None
        return self.archive.read(entry, self.limits.max_image_bytes)

    def read_head(self, path: str, max_bytes: int) -> tuple[bytes, int] | None:
        """An entry's first ``max_bytes`` and its whole size; None when it cannot be read.

        A document already read is taken from the cache. Any other entry is streamed to its end
        (verified on the way, so the container rules do not inflate it again) and only its head
        is kept: a 50 MB entry costs its inflation, never its size in memory.
        """
        entry = self.by_name.get(path)
        if entry is None or entry.is_dir or self._closed:
            return None
        cached = self._cache.get(path)
        if cached is not None:
            return cached[:max_bytes], len(cached)
        head = bytearray()
        size = 0
        for chunk in self.archive.iter_entry(entry):
            if len(head) < max_bytes:
                head += chunk[: max_bytes - len(head)]
            size += len(chunk)
        if self.archive.entry_issue(entry) is not None:
            return None  # the container rules say why
        return bytes(head), size

    def size_of(self, path: str) -> int | None:
        entry = self.by_name.get(path)
        return None if entry is None or entry.is_dir else entry.file_size

    def entry_problem(self, path: str) -> ReadIssue | None:
        entry = self.by_name.get(path)
        return None if entry is None else self.archive.entry_issue(entry)

    def read_issues(self) -> list[ReadIssue]:
        """Inflate and verify every entry once; the problems met (CRC, corrupt data, limits).

        An entry already read whole (a document, an image, a bundled archive opened by
        ``nested``) was verified then, so asking this last inflates each byte once.
        """
        if not self._verified:
            self._verified = True
            for entry in self._unverified():
                if is_archive_name(entry.name) and self.depth + 1 > self.limits.max_nesting_depth:
                    self.depth_exceeded.append(entry.name)
                if entry.name == MANIFEST and entry.file_size <= self.limits.max_document_bytes:
                    self.read(MANIFEST)  # kept: a released bundle still answers for it
                elif entry.name in self.maven_properties and self.by_name[entry.name] is entry:
                    self.read(entry.name)  # kept too: what the bundle is, for the PLT rules
                else:
                    self.archive.verify(entry)
                if self.archive.budget.exhausted:
                    break
        return self.archive.read_issues()

    def _unverified(self) -> Iterator[ZipEntry]:
        """The entries not yet read whole, in order, each piece of data once (overlapping
        records share data). Entries read whole (documents, images, bundles) were verified."""
        seen_offsets = {self.by_index[i].header_offset for i in self.archive.streamed}
        for entry in self.entries:
            if entry.is_dir or entry.header_offset in seen_offsets:
                continue
            seen_offsets.add(entry.header_offset)
            yield entry

    def verify_ahead(self, *, digest: bool) -> bool:
        """Start a child process verifying, on the other core, what the walk will verify:
        every entry of each bundled archive (the walk still opens each, for its rules), then
        this archive's plain entries, then the file's digest when ``digest``. The walk keeps
        the rest: directories, documents, images, the text scan, every rule; measured, that is
        the larger half, so the child takes every plain entry. True when it started: the
        digest is then ``ahead_digest()``.

        Not worth a process below AHEAD_MIN_COST bytes of plain entries. Bundles do not count
        towards it: the walk inflates and parses each bundle itself (for its rules), so a child
        doing only bundles works in step with it and saves nothing (20 bundles of 99,000
        entries: 6.6 s serial, 7.5 s with the child)."""
        if not self.readable or self.depth != 0:
            return False
        bundles: list[ZipEntry] = []
        plain: list[ZipEntry] = []
        for entry in self._unverified():
            if is_archive_name(entry.name) and self.depth < self.limits.max_nesting_depth:
                if entry.file_size <= self.limits.spool_in_memory_below:
                    bundles.append(entry)
            elif entry.name != MANIFEST and entry.name not in self.maven_properties:
                plain.append(entry)
        cost = sum(e.compressed_size + e.file_size for e in plain)
        if cost < AHEAD_MIN_COST:
            return False
        plan = Plan(bundles, plain, self.limits.spool_in_memory_below, digest)
        return self.archive.start_ahead(plan)

    def ahead_digest(self) -> tuple[int, str] | None:
        """The file's size and SHA-256 from the child ``verify_ahead`` started, if it answered."""
        ahead = self.archive.ahead
        return None if ahead is None else ahead.ahead.digest()

    @functools.cached_property
    def by_index(self) -> dict[int, ZipEntry]:
        return {entry.index: entry for entry in self.entries}

    @functools.cached_property
    def class_levels(self) -> dict[int, ClassLevel]:
        """The base classes by class-file major version (52: Java 8, 61: Java 17), lowest first.

        Read from the first 8 bytes of each ``.class`` entry that the reader kept while
        verifying it (``ZipArchive.heads``): nothing is inflated for this. So ask it after the
        archive was verified (the container rules do that); an open archive not yet verified is
        verified first. Multi-release classes (``META-INF/versions/N/``) are left out: the base
        classes are what a host on the oldest Java loads. So is ``module-info.class``, which no
        class loader loads as a class. An entry without the class-file magic is not counted.
        """
        if not self._verified and not self._closed:
            self.read_issues()
        found: dict[int, list[Any]] = {}
        for index, head in self.archive.heads.items():
            name = self.by_index[index].name
            if name.startswith(MULTI_RELEASE) or name.rsplit("/", 1)[-1] == "module-info.class":
                continue
            if len(head) < 8 or head[:4] != CLASS_MAGIC:
                continue
            major = int.from_bytes(head[6:8], "big")
            level = found.setdefault(major, [0, name])
            level[0] += 1
        return {
            major: ClassLevel(major, count, first)
            for major, (count, first) in sorted(found.items())
        }

    @functools.cached_property
    def maven_properties(self) -> tuple[str, ...]:
        """The ``META-INF/maven/GROUP/ARTIFACT/pom.properties`` entries, at most 16.

        Maven writes one per artifact it builds; a shaded jar holds one per library shaded in.
        """
        found = [
            e.name
            for e in self.entries
            if e.name.startswith("META-INF/maven/")
            and e.name.endswith("/pom.properties")
            and e.name.count("/") == 4
            and e.file_size <= MAX_POM_PROPERTIES_BYTES
        ]
        return tuple(dict.fromkeys(found))[:MAX_POM_PROPERTIES]

    def maven_artifacts(self) -> list[tuple[str, str]]:
        """(groupId, artifactId) of each ``maven_properties`` entry, from its text or its path."""
        artifacts: list[tuple[str, str]] = []
        for name in self.maven_properties:
            _, _, group, artifact, _ = name.split("/")
            data = self.read(name)
            values = _properties(data) if data is not None else {}
            found = (values.get("groupId", group), values.get("artifactId", artifact))
            if found not in artifacts:
                artifacts.append(found)
        return artifacts

    def nested(self) -> Iterator[NestedArchive]:
        """Every archive bundled in this one (``*.jar`` entries), opened lazily.

        Each is kept open until ``release``; walk them one at a time and release each.
        """
        for entry in self.entries:
            if not entry.is_dir and is_archive_name(entry.name):
                yield NestedArchive(entry.name, self._open_nested(entry))

    def release(self, path: str) -> None:
        """Close a bundled archive opened by ``nested``, keeping what later rules need of it.

        Its data (the spool, up to hundreds of MB) is freed; its directory and manifest stay,
        so the OBR rules can compare every bundle's manifest without opening it again.
        """
        entry = self.by_name.get(path)
        view = None if entry is None else self._nested.pop(entry.index, None)
        if view is not None and entry is not None:
            view.retire()
            self._retired[entry.index] = view

    def nested_view(self, path: str) -> ArchiveView | None:
        entry = self.by_name.get(path)
        return None if entry is None else self._open_nested(entry)

    def _open_nested(self, entry: ZipEntry) -> ArchiveView | None:
        if entry.index in self._nested:
            return self._nested[entry.index]
        if entry.index in self._retired:
            return self._retired[entry.index]
        view = None
        if self.depth + 1 <= self.limits.max_nesting_depth:
            spool = self._spool(entry)
            if spool is not None:
                nested = ZipArchive.open(spool, self.limits, self.archive.budget)
                if self.archive.ahead is not None and self.depth == 0:
                    nested.ahead = self.archive.ahead.bundle(entry.index)
                spool.seek(0)
                view = ArchiveView(
                    nested,
                    name=entry.name,
                    chain=f"{self.chain}{entry.name}!/",
                    depth=self.depth + 1,
                    head=spool.read(4096),
                )
                view._spools.append(spool)
        self._nested[entry.index] = view
        return view

    def retire(self) -> None:
        """Keep the directory, the manifest and the Maven pom.properties, free everything else.

        The class-file versions captured while verifying (``class_levels``) stay as well.
        """
        self.read(MANIFEST)
        for name in self.maven_properties:
            self.read(name)
        self.close()
        self._closed = True

    def _spool(self, entry: ZipEntry) -> BinaryIO | None:
        """The bundled archive's bytes, in memory below ``spool_in_memory_below``, else in a
        temporary file. Owned by the nested view made from it; closing that view releases it.
        (A plain BytesIO, not a SpooledTemporaryFile: its reads are the directory walk's
        hottest calls, and SpooledTemporaryFile wraps each one in Python.)"""
        chunks: list[bytes] = []
        size = 0
        file: BinaryIO | None = None
        for chunk in self.archive.iter_entry(entry):
            size += len(chunk)
            if file is None and size > self.limits.spool_in_memory_below:
                file = tempfile.TemporaryFile()  # noqa: SIM115
                file.writelines(chunks)
                chunks.clear()
            if file is not None:
                file.write(chunk)
            else:
                chunks.append(chunk)
        if self.archive.entry_issue(entry) is not None:
            if file is not None:
                file.close()
            return None
        return file if file is not None else io.BytesIO(b"".join(chunks))

    def close(self) -> None:
        self.archive.close_ahead()
        for view in self._nested.values():
            if view is not None:
                view.close()
        self._nested.clear()
        self._retired.clear()
        for spool in self._spools:
            spool.close()
        self._spools.clear()


# The bytes a child process must take off the walk to be worth its start.
AHEAD_MIN_COST = 16 * 1024 * 1024


def is_archive_name(name: str) -> bool:
    return name.lower().endswith(".jar")


CLASS_MAGIC = b"\xca\xfe\xba\xbe"
MULTI_RELEASE = "META-INF/versions/"
MAX_POM_PROPERTIES = 16
MAX_POM_PROPERTIES_BYTES = 64 * 1024
BUNDLED_LIBRARIES = "META-INF/lib/"


@dataclass(frozen=True, slots=True)
class ClassLevel:
    """The base classes of one archive compiled to one class-file major version."""

    major: int
    count: int
    first: str  # the first such entry, in directory order


def _properties(data: bytes) -> dict[str, str]:
    """``key=value`` lines of a Java properties file (enough for Maven's pom.properties)."""
    values: dict[str, str] = {}
    for line in data.decode("latin-1").splitlines():
        line = line.strip()
        if not line or line[0] in "#!":
            continue
        key, _, value = line.partition("=" if "=" in line else ":")
        values.setdefault(key.strip(), value.strip())
    return values


class PlatformView:
    """An artifact's plugin jar with the archives bundled with it, seen together once every
    one of them was walked and verified: what the platform rules (PLT) compare with the host
    products the plugin's marketing descriptor declares.

    ``libraries`` are the plugin jar's ``META-INF/lib/*.jar`` (on its bundle class path);
    ``dependencies`` an OBR's ``dependencies/*.jar``. Bundled archives are released by then and
    answer from what they kept: their directory, manifest, Maven pom.properties and
    class-file versions. The engine runs this view last, so it inflates nothing.
    """

    chain = ""
    entry = None

    def __init__(
        self,
        plugin: ArchiveView,
        marketing: MarketingView,
        bundles: list[ArchiveView],
        dependencies: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        self.plugin = plugin
        self.marketing = marketing
        inside = plugin.chain
        self.libraries = [
            view
            for view in bundles
            if view.depth == plugin.depth + 1
            and view.chain.startswith(inside)
            and view.name.startswith(BUNDLED_LIBRARIES)
            and "/" not in view.name[len(BUNDLED_LIBRARIES) :]
        ]
        self.dependencies = [
            view for view in bundles if view.depth == 1 and view.name in dependencies
        ]

    @property
    def archives(self) -> list[ArchiveView]:
        """The archives whose classes a host loads: the plugin, its libraries, dependencies."""
        return [self.plugin, *self.libraries, *self.dependencies]


# ---- source trees --------------------------------------------------------------------------


class SourceTreeView:
    """A plugin source folder (typically ``src/main/resources``) holding the descriptor."""

    chain = ""
    entry = None

    def __init__(self, root: Path, limits: Limits) -> None:
        self.root = root
        self.limits = limits
        self._resolved_root = _realpath(root)

    def _path(self, path: str) -> Path | None:
        relative = PurePosixPath(normalise_ref(path))
        if not relative.parts or ".." in relative.parts:
            return None
        known = self._listing.answer(relative)
        if known is not None:
            return self.root / relative if known else None
        try:
            # A path through a symbolic link or a folder the walk skips: resolve it for real.
            candidate = Path(os.path.realpath(self.root / relative))
            if self._resolved_root is None or not candidate.is_relative_to(self._resolved_root):
                return None  # a symlink or reference that leaves the tree
            # Only regular files: opening a FIFO or a device would block or never end.
            return candidate if candidate.is_file() else None
        except (OSError, ValueError, RuntimeError):  # too long, a NUL byte, a link loop
            return None

    @functools.cached_property
    def _listing(self) -> _TreeListing:
        return _TreeListing.walk(self.root)

    def has(self, path: str) -> bool:
        return self._path(path) is not None

    def entry_problem(self, path: str) -> ReadIssue | None:
        """Files on disk have no zip-level problems (an unreadable one is FILE001's)."""
        return None

    def read(self, path: str) -> bytes | None:
        try:
            return self._read(path, self.limits.max_document_bytes)
        except OSError:
            return None

    def size_of(self, path: str) -> int | None:
        candidate = self._path(path)
        try:
            return None if candidate is None else candidate.stat().st_size
        except OSError:
            return None

    def read_image(self, path: str) -> bytes | None:
        """The image's bytes, None when over the limit; OSError when it cannot be read."""
        return self._read(path, self.limits.max_image_bytes)

    def _read(self, path: str, limit: int) -> bytes | None:
        candidate = self._path(path)
        if candidate is None:
            return None
        with candidate.open("rb") as handle:
            data = handle.read(limit + 1)
        return None if len(data) > limit else data

    def files(self) -> list[str]:
        """Every regular file of the tree, walked as for ``image_files``, in a stable order."""
        return sorted(self._listing.files)

    def read_head(self, path: str, max_bytes: int) -> tuple[bytes, int] | None:
        """A file's first ``max_bytes`` and its whole size; None when it cannot be read."""
        candidate = self._path(path)
        if candidate is None:
            return None
        try:
            with candidate.open("rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                head = handle.read(max_bytes)
        except OSError:
            return None
        return head, max(size, len(head))

    def image_files(self) -> list[str]:
        """Every image file in the tree, as a relative POSIX path, in a stable order.

        Walked without recursion and without following symbolic links (a link is checked only
        when a descriptor references it, and only if it stays inside the tree).
        """
        return sorted(
            name
            for name in self._listing.files
            if PurePosixPath(name).suffix.lower() in IMAGE_SUFFIXES
        )


@dataclass
class _TreeListing:
    """A source tree's regular files, walked once, so that tens of thousands of references
    are answered by a lookup instead of resolving each path on disk.

    ``opaque`` holds what the walk did not enter (symbolic links, skipped folders, folders it
    could not list): a path through one of them is resolved for real.
    """

    files: set[str]
    opaque: set[str]

    @classmethod
    def walk(cls, root: Path) -> _TreeListing:
        files: set[str] = set()
        opaque: set[str] = set()
        stack: list[tuple[Path, str]] = [(root, "")]
        while stack:
            folder, prefix = stack.pop()
            try:
                with os.scandir(folder) as listing:
                    entries = list(listing)
            except OSError:
                opaque.add(prefix.rstrip("/"))
                continue
            for item in entries:
                name = prefix + item.name
                try:
                    if item.is_symlink():
                        opaque.add(name)
                    elif item.is_dir(follow_symlinks=False):
                        if item.name in SKIPPED_DIRS:
                            opaque.add(name)
                        else:
                            stack.append((Path(item.path), name + "/"))
                    elif item.is_file(follow_symlinks=False):
                        files.add(name)
                except OSError:
                    opaque.add(name)
        return cls(files, opaque)

    def answer(self, relative: PurePosixPath) -> bool | None:
        """True: a regular file of the tree; False: surely not; None: resolve it on disk."""
        name = relative.as_posix()
        if name in self.files:
            return True
        if "" in self.opaque:
            return None  # the root itself could not be listed
        parts = relative.parts
        for depth in range(1, len(parts) + 1):
            if "/".join(parts[:depth]) in self.opaque:
                return None
        return False


def _realpath(path: Path) -> Path | None:
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError, RuntimeError):
        return None


# ---- text entries, for content scans ------------------------------------------------------

# What content scans (the secrets rules) may read of one checked file: the artifact with every
# archive bundled in it, or a source tree. Past it, entries are listed as not scanned.
TEXT_SCAN_BYTES_PER_FILE = 32 * 1024 * 1024


@dataclass(eq=False)  # one per checked file, told apart by identity (rules key caches on it)
class TextBudget:
    """Bytes the content scans of one checked file may still read, and what they did not scan
    whole: ``cut`` names entries read (or, says the rule, scanned) only in part, ``skipped``
    entries not read at all (the budget was spent). Names are located (``lib/x.jar!/a.txt``)."""

    remaining: int = TEXT_SCAN_BYTES_PER_FILE
    cut: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TextSample:
    """The head of one entry: ``data`` (at most what was asked) and the entry's whole ``size``."""

    data: bytes
    size: int

    @property
    def cut(self) -> bool:
        return self.size > len(self.data)


class TextEntriesView:
    """The files of one archive (top-level or bundled) or of a source tree, for rules that scan
    what entries say (the secrets rules), bounded.

    ``read_head`` reads at most ``max_bytes`` of an entry, charged to the checked file's
    ``budget``. The engine runs this view on an archive after its documents and images were
    read and before its container rules, so each byte is still inflated once. ``last`` marks the
    checked file's last such view (the artifact itself, or the tree), where the budget's account
    of the whole file can be reported.
    """

    entry = None

    def __init__(
        self,
        container: ArchiveView | SourceTreeView,
        budget: TextBudget,
        *,
        last: bool,
        only: frozenset[str] | None = None,
    ) -> None:
        self.container = container
        self.chain = container.chain
        self.budget = budget
        self.last = last
        self.only = only  # a source tree's changed files: the text a commit adds

    def names(self) -> list[str]:
        """Every file entry (no directories), each name once, in the container's order; only
        those of ``only`` when it is given."""
        if isinstance(self.container, ArchiveView):
            return list(dict.fromkeys(e.name for e in self.container.entries if not e.is_dir))
        files = self.container.files()
        return files if self.only is None else [name for name in files if name in self.only]

    def size_of(self, name: str) -> int | None:
        return self.container.size_of(name)

    def read_head(self, name: str, max_bytes: int) -> TextSample | None:
        """The entry's first bytes (at most ``max_bytes``, less when the budget is nearly spent);
        None when it cannot be read or the budget is spent (then it is in ``budget.skipped``)."""
        if self.budget.remaining <= 0:
            self.budget.skipped.append(self.chain + name)
            return None
        read = self.container.read_head(name, min(max_bytes, self.budget.remaining))
        if read is None:
            return None
        data, size = read
        self.budget.remaining -= len(data)
        if size > len(data):
            self.budget.cut.append(self.chain + name)
        return TextSample(data, size)


# ---- documents ----------------------------------------------------------------------------


class DocumentView:
    """An XML document read from a container; ``root`` is None when it could not be parsed."""

    entry: str

    def __init__(self, container: Container, entry: str, limits: Limits) -> None:
        self.container = container
        self.entry = entry
        self.limits = limits
        self.chain: str = container.chain

    @property
    def present(self) -> bool:
        return self.container.has(self.entry)

    @functools.cached_property
    def doc(self) -> XmlDoc | None:
        data = self.container.read(self.entry)
        if data is None:
            if not self.present:
                return None
            size = self.container.size_of(self.entry) or 0
            if size > self.limits.max_document_bytes:
                detail = f"{size:,} bytes; the limit is {self.limits.max_document_bytes:,}"
                return XmlDoc(None, (ReadIssue(XmlKind.TOO_LARGE, detail),))
            problem = self.container.entry_problem(self.entry)
            detail = f"could not be read: {problem.detail}" if problem else "could not be read"
            return XmlDoc(None, (ReadIssue(XmlKind.UNREADABLE, detail),))
        return load_xml(data, self.limits.max_document_bytes)

    @property
    def root(self) -> Any | None:
        return None if self.doc is None else self.doc.root

    @property
    def issues(self) -> tuple[ReadIssue, ...]:
        return () if self.doc is None else self.doc.issues


class DescriptorView(DocumentView):
    """``atlassian-plugin.xml``. In a source tree, Maven ``${...}`` placeholders are normal."""

    def __init__(self, container: Container, limits: Limits, *, in_source: bool) -> None:
        super().__init__(container, DESCRIPTOR, limits)
        self.in_source = in_source

    def plugin_info(self) -> Any | None:
        return None if self.root is None else self.root.find("plugin-info")

    def params(self) -> list[Any]:
        info = self.plugin_info()
        return [] if info is None else info.findall("param")

    def param(self, name: str) -> Any | None:
        for element in self.params():
            if element.get("name") == name:
                return element
        return None

    @property
    def key(self) -> str | None:
        return None if self.root is None else self.root.get("key")

    @property
    def version(self) -> str | None:
        info = self.plugin_info()
        element = None if info is None else info.find("version")
        return None if element is None or element.text is None else element.text.strip()


class MarketingView(DocumentView):
    """``atlassian-plugin-marketing.xml``, the listing's images and compatibility."""

    def __init__(self, container: Container, limits: Limits, *, in_source: bool) -> None:
        super().__init__(container, MARKETING, limits)
        self.in_source = in_source


class ObrXmlView(DocumentView):
    def __init__(self, archive: ArchiveView) -> None:
        super().__init__(archive, OBR_XML, archive.limits)


class ManifestView:
    """``META-INF/MANIFEST.MF`` of one bundle, with the descriptor beside it when there is one."""

    entry = MANIFEST

    def __init__(self, archive: ArchiveView, descriptor: DescriptorView | None) -> None:
        self.archive = archive
        self.descriptor = descriptor
        self.chain = archive.chain

    @property
    def present(self) -> bool:
        return self.archive.has(MANIFEST)

    @functools.cached_property
    def manifest(self) -> Manifest | None:
        data = self.archive.read(MANIFEST)
        return None if data is None else read_manifest(data)

    def get(self, name: str) -> str | None:
        header = None if self.manifest is None else self.manifest.get(name)
        return None if header is None else header.value.strip()


class ObrView:
    """An ``.obr`` bundle repository: a plugin jar at the root, ``obr.xml``, ``dependencies/``."""

    entry = None

    def __init__(self, archive: ArchiveView) -> None:
        self.archive = archive
        self.chain = archive.chain
        self.obr_xml = ObrXmlView(archive)

    @property
    def root_jars(self) -> list[str]:
        return [
            e.name for e in self.archive.entries if "/" not in e.name and is_archive_name(e.name)
        ]

    @property
    def dependency_jars(self) -> list[str]:
        return [
            e.name
            for e in self.archive.entries
            if e.name.startswith("dependencies/") and is_archive_name(e.name)
        ]

    def manifest_of(self, path: str) -> ManifestView | None:
        view = self.archive.nested_view(path)
        return None if view is None else ManifestView(view, None)

    def size_of(self, path: str) -> int | None:
        entry = self.archive.find(path)
        return None if entry is None else entry.file_size


# ---- images --------------------------------------------------------------------------------


@dataclass(slots=True)
class DecodeBudget:
    """Pixels that may still be decoded for one checked file (an artifact or a source tree).

    A listing has about twenty images of at most a few megapixels each; a hundred referenced
    16-megapixel screenshots would take a minute to decode.
    """

    remaining: int

    def take(self, pixels: int) -> bool:
        if pixels > self.remaining:
            return False
        self.remaining -= pixels
        return True


_NOT_PROBED = object()


class ImageView:
    """One image: a file given by the user, or an entry a descriptor references.

    ``types`` are the image types it is checked as (several when it is referenced as several;
    none when nobody said what it is). ``facts`` is None when the image is too large to read
    or could not be read (``read_error`` says why). ``expects_type`` is False for a source
    tree's images that nothing references: they get the type-independent checks only.
    """

    def __init__(
        self,
        *,
        name: str,
        size: int,
        load: Callable[[], bytes | None],
        types: tuple[ImageType, ...],
        limits: Limits,
        entry: str | None = None,
        chain: str = "",
        expects_type: bool = True,
        budget: DecodeBudget | None = None,
    ) -> None:
        self.name = name
        self.size = size
        self.types = types
        self.limits = limits
        self.entry = entry
        self.chain = chain
        self.expects_type = expects_type
        self._load = load
        self._budget = budget
        self.read_error: str | None = None
        self.sha256: str | None = None  # of the bytes the checks read
        self.decode_skipped = False  # the file's decode budget was spent before this image
        self._facts: ImageFacts | object | None = _NOT_PROBED

    @property
    def facts(self) -> ImageFacts | None:
        # Cached by hand: functools.cached_property takes one lock for every instance of the
        # class before Python 3.12, which made images decoded on two threads wait in turn.
        if self._facts is _NOT_PROBED:
            data = self._read()
            budget = None if self._budget is None else self._take_from_budget
            self._facts = None if data is None else self._probe(data, budget)
        return self._facts  # type: ignore[return-value]

    def _read(self) -> bytes | None:
        """The image's bytes (they are what is hashed and probed), or None: too large, or not
        readable (``read_error`` says why when the disk failed)."""
        if self.size > self.limits.max_image_bytes:
            return None
        try:
            data = self._load()
        except OSError as error:
            self.read_error = error.strerror or str(error)
            return None
        if data is None:
            return None
        self.size = len(data)
        self.sha256 = hashlib.sha256(data).hexdigest()
        return data

    def _probe(self, data: bytes, may_decode: Callable[[int], bool] | None) -> ImageFacts:
        return probe_image(
            data, self.name, max_pixels=self.limits.max_image_pixels, may_decode=may_decode
        )

    def _take_from_budget(self, pixels: int) -> bool:
        assert self._budget is not None
        if self._budget.take(pixels):
            return True
        self.decode_skipped = True
        return False

    def probe_in(self, pool: Executor, ahead: SharedBudget) -> Callable[[], None]:
        """Read the image here, decode it on ``pool`` (Pillow decodes without the GIL), and
        return what settles ``facts`` once it is done, as the serial path would have.

        The decoders take pixels from ``ahead``, a copy of the decode budget shared by the
        threads, in whatever order they get there; the settlers, called in the serial path's
        order, take them from the budget itself. Where the two disagree (only near the end of
        the budget), the image is probed again as the budget says: so the decoding stays within
        about twice the budget, and what is found is the serial path's.
        """
        data = self._read()
        if data is None:
            self._facts = None
            return lambda: None
        asked: list[tuple[int, bool]] = []

        def decode_ahead(pixels: int) -> bool:
            granted = ahead.take(pixels)
            asked.append((pixels, granted))
            return granted

        probing = pool.submit(self._probe, data, None if self._budget is None else decode_ahead)

        def settle() -> None:
            facts = probing.result()
            if asked:
                pixels, granted = asked[0]
                if self._take_from_budget(pixels) != granted:
                    facts = self._probe(data, lambda _: not granted)
            self._facts = facts

        return settle


class SharedBudget(DecodeBudget):
    """A decode budget several threads take from."""

    def __init__(self, remaining: int) -> None:
        super().__init__(remaining)
        self._lock = threading.Lock()

    def take(self, pixels: int) -> bool:
        with self._lock:
            return super().take(pixels)


@dataclass(frozen=True, slots=True)
class FileProblem:
    """A file (or an image in a source tree) could not be read from disk, or changed while
    it was being checked: nothing said about it can be trusted."""

    kind: str  # "unreadable" | "changed"
    detail: str
    entry: str | None = None
    chain: str = ""
