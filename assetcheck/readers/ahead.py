"""Verifying entries ahead, on the other core.

A forked child inflates and checks the entries its parent will verify last (an archive's
plain entries: classes, resources, images), and hashes the whole file, while the parent walks
the rest (bundled jars, descriptors, images, text). The parent then takes the child's verdicts
in the order it verifies entries itself, charging each one's bytes to the shared budget as it
would have, so the report is the serial one, byte for byte: where a verdict would not fit the
budget that is left, the parent inflates that entry itself and meets the limit where a serial
run meets it.

The child reads with ``pread`` (it shares the parent's file offset otherwise), inflates no
more than the budget left when it started, and is killed when the parent stops early. Where
fork is unavailable or unsafe (no ``os.fork``, other threads running), nothing runs ahead.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import signal
import struct
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple

from assetcheck.readers.kinds import ReadIssue

if TYPE_CHECKING:
    from assetcheck.readers.zipreader import ZipArchive, ZipEntry

HASH_CHUNK = 1024 * 1024


class Verdict(NamedTuple):
    """What verifying one entry found: the bytes it charged to the budget, its problem, and
    the first bytes kept (``ZipArchive.heads``) when it verified. (A tuple: tens of thousands
    cross the pipe, and a slotted dataclass unpickles ten times slower.)"""

    taken: int
    issue: ReadIssue | None
    head: bytes | None


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform == "linux" and threading.active_count() == 1


@dataclass(frozen=True, slots=True)
class Plan:
    """What the child does, in the order the parent will want it: the bundled archives (each
    read into memory, below ``max_bundle_bytes``, and every entry of it verified), then the
    archive's own ``plain`` entries, then the file's digest (when ``digest``)."""

    bundles: Sequence[ZipEntry]
    plain: Sequence[ZipEntry]
    max_bundle_bytes: int
    digest: bool


DIGEST = "digest"  # the frame key of the file's digest; a bundle's is its entry index


class Ahead:
    """A child process working through a ``Plan``; its answers arrive as frames, in order."""

    def __init__(self, pid: int, reader: int) -> None:
        self._pid: int | None = pid
        self._reader: int | None = reader
        self._frames: dict[object, object] = {}

    @classmethod
    def start(cls, archive: ZipArchive, plan: Plan) -> Ahead | None:
        """Fork the child; None when it cannot run here (the caller verifies serially)."""
        if not can_fork():
            return None
        try:
            fd = archive.fileobj.fileno()
        except (AttributeError, OSError, ValueError):
            return None  # not a real file
        reader, writer = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(reader)
            os.close(writer)
            return None
        if pid == 0:  # the child: never returns
            os.close(reader)
            _child(archive, plan, fd, writer)
        os.close(writer)
        return cls(pid, reader)

    def verdicts(self, key: int | None) -> dict[int, Verdict]:
        """The verdicts on bundle ``key``'s entries (None: the archive's plain entries),
        waiting for them; empty when the child did not get there (or died)."""
        found = self._wait(key)
        return found if isinstance(found, dict) else {}

    def forget(self, key: int | None) -> None:
        """Drop a bundle's verdicts once its archive is closed."""
        self._frames.pop(key, None)

    def digest(self) -> tuple[int, str] | None:
        """The file's size and SHA-256, as the child read it; None if it did not answer."""
        found = self._wait(DIGEST)
        return found if isinstance(found, tuple) else None

    def _wait(self, key: object) -> object:
        while key not in self._frames and self._reader is not None:
            frame = self._read_frame()
            if frame is None:
                self._reap(kill=False)
                break
            self._frames[frame[0]] = frame[1]
        return self._frames.get(key)

    def _read_frame(self) -> tuple[object, object] | None:
        head = self._read_exactly(_LENGTH.size)
        if head is None:
            return None
        body = self._read_exactly(_LENGTH.unpack(head)[0])
        if body is None:
            return None
        try:
            frame = pickle.loads(body)
        except Exception:  # a child cut short mid-frame
            return None
        return frame if isinstance(frame, tuple) and len(frame) == 2 else None

    def _read_exactly(self, size: int) -> bytes | None:
        chunks = []
        while size > 0 and self._reader is not None:
            try:
                chunk = os.read(self._reader, min(size, HASH_CHUNK))
            except OSError:
                return None
            if not chunk:
                return None
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks) if size == 0 else None

    def close(self) -> None:
        """Stop the child if it still runs (the parent stopped early) and release the pipe."""
        self._reap(kill=True)
        self._frames.clear()

    def _reap(self, *, kill: bool) -> None:
        if self._pid is not None:
            if kill:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)
            self._pid = None
        if self._reader is not None:
            os.close(self._reader)
            self._reader = None


_LENGTH = struct.Struct("<Q")


@dataclass(frozen=True, slots=True)
class Source:
    """Where one archive's verdicts come from: the top archive's (``key`` None) or a bundle's."""

    ahead: Ahead
    key: int | None

    def verdicts(self) -> dict[int, Verdict]:
        return self.ahead.verdicts(self.key)

    def bundle(self, index: int) -> Source:
        return Source(self.ahead, index)

    def close(self) -> None:
        """The top archive's source stops the child; a bundle's drops its verdicts."""
        if self.key is None:
            self.ahead.close()
        else:
            self.ahead.forget(self.key)


class _PreadFile:
    """The file-object calls the zip reader makes, over ``pread``: no shared offset."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.position = 0

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = offset if whence == 0 else self.position + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def read(self, size: int = -1) -> bytes:
        data = os.pread(self.fd, size, self.position)
        self.position += len(data)
        return data


def _child(archive: ZipArchive, plan: Plan, fd: int, writer: int) -> None:
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # the parent reports an interrupt
        archive.fileobj = _PreadFile(fd)  # type: ignore[assignment]
        archive.budget = replace(archive.budget)  # the child's own account, from what is left
        archive.streamed = set()
        archive.heads = {}
        for bundle in plan.bundles:
            if archive.budget.exhausted:
                break  # past what the parent may inflate: it meets the limit itself
            _send(writer, bundle.index, _bundle_verdicts(archive, bundle, plan.max_bundle_bytes))
        _send(writer, None, _verdicts(archive, plan.plain))
        if plan.digest:
            _send(writer, DIGEST, _digest(fd))
        code = 0
    finally:
        os._exit(code)


def _bundle_verdicts(archive: ZipArchive, bundle: ZipEntry, max_bytes: int) -> dict[int, Verdict]:
    from assetcheck.readers.zipreader import ZipArchive

    data = archive.read(bundle, max_bytes)
    if data is None:
        return {}
    nested = ZipArchive.open(io.BytesIO(data), archive.limits, archive.budget)
    if not nested.readable:
        return {}
    seen: set[int] = set()
    entries = []
    for entry in nested.entries:
        if not entry.is_dir and entry.header_offset not in seen:
            seen.add(entry.header_offset)
            entries.append(entry)
    return _verdicts(nested, entries)


def _verdicts(archive: ZipArchive, entries: Sequence[ZipEntry]) -> dict[int, Verdict]:
    verdicts: dict[int, Verdict] = {}
    for entry in entries:
        before = archive.budget.remaining
        archive.verify(entry)
        if archive.budget.exhausted:
            break
        verdicts[entry.index] = Verdict(
            before - archive.budget.remaining,
            archive.entry_issue(entry),
            archive.heads.get(entry.index),
        )
    return verdicts


def _send(writer: int, key: object, value: object) -> None:
    body = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_LENGTH.pack(len(body)) + body)
    while view:
        view = view[os.write(writer, view) :]


def _digest(fd: int) -> tuple[int, str]:
    sha = hashlib.sha256()
    size = 0
    while chunk := os.pread(fd, HASH_CHUNK, size):
        sha.update(chunk)
        size += len(chunk)
    return size, sha.hexdigest()
