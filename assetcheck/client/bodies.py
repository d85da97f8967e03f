"""Upload bodies, read from disk afresh for every attempt, never held whole in memory.

The body is the file's bytes, as Atlassian's own Marketplace client sends them
(``Content-Type: application/binary``, the file's name in ``?file=``). With the sha256 the
checks saw, the last chunk is held back until the bytes read hash to it: a file changed since
its check is never sent complete, so the server never stores bytes that were not checked.

Each chunk is read once into memory, hashed and sent from that same buffer (never re-read, never
mapped: what is hashed is what is sent). A file above THREADED_HASH_BYTES is hashed in a thread
of its own while the previous chunk is on the wire, so the hash overlaps the sending instead of
adding to it; a few chunks at most are in flight, so memory stays a few MiB whatever the size.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from assetcheck.client.errors import LocalFileError

# Large enough that the per-chunk work in Python (h11, httpcore, progress) is noise beside the
# copy and the hash; small enough that the chunks in flight cost a few MiB.
CHUNK_SIZE = 1024 * 1024
# Bodies above this are hashed in a second thread; smaller ones (images) hash inline.
THREADED_HASH_BYTES = 4 * CHUNK_SIZE
# Chunks read ahead of the hash thread at most (each costs CHUNK_SIZE of memory).
_HASH_BACKLOG = 2
BODY_CONTENT_TYPE = "application/binary"

ProgressCallback = Callable[[int, int], None]

_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)
IMAGE_CONTENT_TYPES = tuple(dict.fromkeys(kind for _, kind in _IMAGE_MAGIC))


@dataclass(slots=True)
class Payload:
    """One attempt's request body. ``sent_whole`` turns True once its last byte was sent."""

    length: int
    digest: hashlib._Hash  # sha256 of the file bytes, complete once the chunks are exhausted
    chunks: Generator[bytes, None, None] = field(init=False)
    sent_whole: bool = False
    content_type: str = BODY_CONTENT_TYPE

    def close(self) -> None:
        self.chunks.close()


def file_payload(
    path: Path, progress: ProgressCallback | None, expected_sha256: str | None = None
) -> Payload:
    """The file at ``path`` as a body; its size is fixed now and must not change while sent."""
    size = _file_size(path)
    payload = Payload(length=size, digest=hashlib.sha256())
    payload.chunks = _file_chunks(path, payload, progress, expected_sha256)
    return payload


def _file_chunks(
    path: Path,
    payload: Payload,
    progress: ProgressCallback | None,
    expected_sha256: str | None,
) -> Generator[bytes, None, None]:
    size = payload.length
    read = 0
    held: bytes | None = None
    with _Hasher(payload.digest, threaded=size > THREADED_HASH_BYTES) as hasher:
        with _open(path) as handle:
            while chunk := _read(handle, path):
                read += len(chunk)
                if read > size:
                    break
                hasher.update(chunk)  # in the hash thread: overlaps sending the held chunk
                if held is not None:
                    yield held
                    # Reached after the caller has sent the chunk, so progress counts sent bytes.
                    if progress is not None:
                        progress(read - len(chunk), size)
                held = chunk
        hasher.finish()
    if read != size:
        raise LocalFileError(
            f"{path} changed size while it was being uploaded: wait until nothing writes it, "
            "then try again."
        )
    if expected_sha256 is not None and payload.digest.hexdigest() != expected_sha256:
        raise LocalFileError(
            f"{path} changed after it was checked, so it was not uploaded: check it and "
            "upload it again."
        )
    if held is not None:
        yield held
    payload.sent_whole = True
    if progress is not None and held is not None:
        progress(read, size)


class _Hasher:
    """Feeds chunks, in order, to ``digest``: inline, or in a thread of its own.

    Its queue is bounded, so a hash slower than the network holds the reader back instead of
    piling chunks up in memory. ``finish`` returns once every chunk given is in the digest;
    leaving the context (also when the upload is abandoned midway) stops the thread.
    """

    def __init__(self, digest: hashlib._Hash, *, threaded: bool) -> None:
        self._digest = digest
        self._queue: queue.Queue[bytes | None] | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        if threaded:
            self._queue = queue.Queue(_HASH_BACKLOG)
            self._thread = threading.Thread(target=self._run, name="assetcheck-sha256", daemon=True)
            self._thread.start()

    def __enter__(self) -> _Hasher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop()

    def update(self, chunk: bytes) -> None:
        if self._queue is None:
            self._digest.update(chunk)
        else:
            self._queue.put(chunk)

    def finish(self) -> None:
        self._stop()
        if self._error is not None:
            raise self._error

    def _stop(self) -> None:
        if self._thread is not None and self._queue is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        assert self._queue is not None
        try:
            while (chunk := self._queue.get()) is not None:
                self._digest.update(chunk)
        except BaseException as exc:  # kept for finish(); the reader must never block on put
            self._error = exc
            while self._queue.get() is not None:
                pass


def sniff_image_content_type(head: bytes) -> str | None:
    """The content type of PNG, JPEG, GIF or BMP bytes, by magic number."""
    for magic, content_type in _IMAGE_MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def require_image(path: Path) -> str:
    """The image's content type; a file that is no PNG, JPEG, GIF or BMP is never sent."""
    with _open(path) as handle:
        head = _read(handle, path)[:16]
    content_type = sniff_image_content_type(head)
    if content_type is None:
        raise LocalFileError(
            f"{path} is not a PNG, JPEG, GIF or BMP image; the Marketplace accepts only those."
        )
    return content_type


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise LocalFileError(f"Cannot read {path} ({exc.strerror}): check it exists.") from None


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise LocalFileError(f"Cannot read {path} ({exc.strerror}): check it exists.") from None


def _read(handle: BinaryIO, path: Path) -> bytes:
    try:
        return handle.read(CHUNK_SIZE)
    except OSError as exc:
        raise LocalFileError(f"Cannot read {path} ({exc.strerror}).") from None
