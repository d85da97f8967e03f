"""A zip reader that trusts nothing.

It reads the central directory first, addresses entries through it, and inflates only what is
asked for, streaming, stopping at every limit. It never raises on bad input: every problem it
meets becomes a ``ZipIssue`` (a reader-level fact; the container rules decide what it means).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from assetcheck.settings import Limits

EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
EOCD_SIG = b"PK\x05\x06"
ZIP64_LOCATOR = struct.Struct("<4sLQL")
ZIP64_LOCATOR_SIG = b"PK\x06\x07"
ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
ZIP64_EOCD_SIG = b"PK\x06\x06"
CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
CENTRAL_SIG = b"PK\x01\x02"
LOCAL = struct.Struct("<4s2B4HL2L2H")
LOCAL_SIG = b"PK\x03\x04"
MAX_COMMENT = 0xFFFF
CHUNK = 64 * 1024

STORED = 0
DEFLATED = 8
UNIX = 3
S_IFMT = 0o170000
S_IFLNK = 0o120000


@dataclass(frozen=True, slots=True)
class ZipEntry:
    index: int
    name: str
    flags: int
    method: int
    crc: int
    compressed_size: int
    file_size: int
    header_offset: int  # absolute, corrected for data prepended to the archive
    create_system: int
    external_attr: int
    name_length: int

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")

    @property
    def encrypted(self) -> bool:
        return bool(self.flags & 0x1)

    @property
    def is_symlink(self) -> bool:
        mode = self.external_attr >> 16
        return self.create_system == UNIX and mode & S_IFMT == S_IFLNK


@dataclass(frozen=True, slots=True)
class ZipIssue:
    """A problem met while reading. ``kind`` is a stable key the container rules match on."""

    kind: str
    entry: str | None
    detail: str


@dataclass(slots=True)
class Budget:
    """Bytes that may still be inflated, shared by a file and every archive nested in it."""

    remaining: int
    exhausted: bool = False

    def take(self, amount: int) -> bool:
        self.remaining -= amount
        if self.remaining < 0:
            self.exhausted = True
        return not self.exhausted


class EntryError(Exception):
    """Internal: stops streaming one entry; always turned into a ZipIssue."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@dataclass
class ZipArchive:
    """The parsed central directory of one archive, and bounded access to its entries."""

    fileobj: BinaryIO
    file_size: int
    limits: Limits
    budget: Budget
    entries: list[ZipEntry] = field(default_factory=list)
    issues: list[ZipIssue] = field(default_factory=list)
    prepended: int = 0
    readable: bool = False
    _failed: dict[int, ZipIssue] = field(default_factory=dict)

    # ---- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, fileobj: BinaryIO, limits: Limits, budget: Budget) -> ZipArchive:
        fileobj.seek(0, 2)
        archive = cls(fileobj, fileobj.tell(), limits, budget)
        try:
            archive._read_directory()
        except EntryError as error:
            archive.issues.append(ZipIssue(error.kind, None, error.detail))
        return archive

    def _issue(self, kind: str, entry: str | None, detail: str) -> None:
        self.issues.append(ZipIssue(kind, entry, detail))

    def _read_at(self, offset: int, size: int) -> bytes:
        self.fileobj.seek(offset)
        return self.fileobj.read(size)

    def _read_directory(self) -> None:
        if self.file_size == 0:
            raise EntryError("empty", "the file is empty (0 bytes)")
        tail_size = min(self.file_size, EOCD.size + MAX_COMMENT)
        tail_start = self.file_size - tail_size
        tail = self._read_at(tail_start, tail_size)
        eocd_pos = _find_eocd(tail)
        if eocd_pos < 0:
            head = self._read_at(0, 4)
            if head == LOCAL_SIG:
                raise EntryError(
                    "truncated", "no end-of-central-directory record: the file is truncated"
                )
            raise EntryError("not-zip", "no zip structure found (no end-of-central-directory)")
        eocd_offset = tail_start + eocd_pos
        (_, disk, cd_disk, _, count, cd_size, cd_offset, _) = EOCD.unpack_from(tail, eocd_pos)
        cd_end = eocd_offset
        if disk != 0 or cd_disk != 0:
            raise EntryError("multi-disk", "a split (multi-disk) archive cannot be read")
        if count == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
            count, cd_size, cd_offset, cd_end = self._read_zip64(eocd_offset)
        cd_start = cd_end - cd_size
        if cd_start < 0 or cd_size < 0:
            raise EntryError(
                "truncated", "the central directory lies outside the file: it is truncated"
            )
        # Data prepended to the archive (a stub, or another file format in front: a polyglot)
        # shifts every offset; the difference tells how much was prepended.
        self.prepended = cd_start - cd_offset
        if self.prepended < 0:
            raise EntryError(
                "truncated", "the central directory points before the file start: truncated"
            )
        if count > self.limits.max_entries:
            self._issue(
                "too-many-entries",
                None,
                f"{count:,} entries; the limit is {self.limits.max_entries:,}",
            )
            return
        directory = self._read_at(cd_start, cd_size)
        self._parse_central(directory, count)
        self.readable = True
        self._check_layout()

    def _read_zip64(self, eocd_offset: int) -> tuple[int, int, int, int]:
        locator_offset = eocd_offset - ZIP64_LOCATOR.size
        locator = self._read_at(max(locator_offset, 0), ZIP64_LOCATOR.size)
        if (
            locator_offset < 0
            or len(locator) < ZIP64_LOCATOR.size
            or locator[:4] != (ZIP64_LOCATOR_SIG)
        ):
            raise EntryError("truncated", "the ZIP64 end-of-central-directory locator is missing")
        _, _, record_offset, _ = ZIP64_LOCATOR.unpack(locator)
        # Like the 32-bit record, the ZIP64 record sits just before its locator; trust position
        # over the stored offset so that prepended data does not break the lookup.
        record_pos = locator_offset - ZIP64_EOCD.size
        record = self._read_at(max(record_pos, 0), ZIP64_EOCD.size)
        if record_pos < 0 or len(record) < ZIP64_EOCD.size or record[:4] != ZIP64_EOCD_SIG:
            raise EntryError("truncated", "the ZIP64 end-of-central-directory record is missing")
        fields = ZIP64_EOCD.unpack(record)
        count, cd_size, cd_offset = fields[7], fields[8], fields[9]
        del record_offset
        return count, cd_size, cd_offset, record_pos

    def _parse_central(self, directory: bytes, count: int) -> None:
        pos = 0
        end = len(directory)
        for index in range(count):
            if pos + CENTRAL.size > end or directory[pos : pos + 4] != CENTRAL_SIG:
                self._issue(
                    "bad-central-directory",
                    None,
                    f"central directory record {index + 1} of {count} is damaged",
                )
                return
            fields = CENTRAL.unpack_from(directory, pos)
            (_, _, create_system, _, _, flags, method, _, _, crc, csize, usize) = fields[:12]
            name_len, extra_len, comment_len = fields[12], fields[13], fields[14]
            external_attr, offset = fields[17], fields[18]
            name_start = pos + CENTRAL.size
            extra_start = name_start + name_len
            record_end = extra_start + extra_len + comment_len
            if record_end > end:
                self._issue("bad-central-directory", None, "the central directory is truncated")
                return
            raw_name = directory[name_start:extra_start]
            extra = directory[extra_start : extra_start + extra_len]
            usize, csize, offset = _apply_zip64_extra(extra, usize, csize, offset)
            name = _decode_name(raw_name, flags)
            self.entries.append(
                ZipEntry(
                    index=index,
                    name=name,
                    flags=flags,
                    method=method,
                    crc=crc,
                    compressed_size=csize,
                    file_size=usize,
                    header_offset=offset + self.prepended,
                    create_system=create_system,
                    external_attr=external_attr,
                    name_length=name_len,
                )
            )
            pos = record_end

    def _check_layout(self) -> None:
        """Prepended data, overlapping entries and declared sizes: all from the directory."""
        if not self.entries:
            return
        ordered = sorted(self.entries, key=lambda e: e.header_offset)
        first = ordered[0].header_offset
        if first > 0:
            self._issue("prepended", None, f"{first:,} bytes of data before the first entry")
        previous_end = -1
        previous: ZipEntry | None = None
        for entry in ordered:
            if previous is not None and entry.header_offset < previous_end:
                self._issue("overlap", entry.name, f"its data overlaps {previous.name!r}")
            else:
                previous = entry
            previous_end = max(
                previous_end,
                entry.header_offset + LOCAL.size + entry.name_length + entry.compressed_size,
            )
        declared = sum(e.file_size for e in self.entries)
        if declared > self.limits.max_total_uncompressed:
            self._issue(
                "total-size",
                None,
                f"entries declare {declared:,} bytes uncompressed; the limit is "
                f"{self.limits.max_total_uncompressed:,}",
            )

    # ---- reading entries -------------------------------------------------------------------

    def entry_issue(self, entry: ZipEntry) -> ZipIssue | None:
        """The problem met when this entry was read, if it was read and failed."""
        return self._failed.get(entry.index)

    def read_issues(self) -> list[ZipIssue]:
        return list(self._failed.values())

    def iter_entry(self, entry: ZipEntry) -> Iterator[bytes]:
        """Yield the entry's inflated bytes in chunks, verifying as it goes.

        On any problem the stream ends early and the problem is recorded once for the entry.
        """
        if entry.index in self._failed:
            return
        try:
            yield from self._stream(entry)
        except EntryError as error:
            self._failed[entry.index] = ZipIssue(error.kind, entry.name, error.detail)

    def read(self, entry: ZipEntry, max_bytes: int) -> bytes | None:
        """The whole entry, or None when it is larger than ``max_bytes`` or unreadable."""
        if entry.file_size > max_bytes:
            return None
        chunks: list[bytes] = []
        total = 0
        for chunk in self.iter_entry(entry):
            total += len(chunk)
            if total > max_bytes:
                return None
            chunks.append(chunk)
        if entry.index in self._failed:
            return None
        return b"".join(chunks)

    def verify(self, entry: ZipEntry) -> None:
        """Inflate and check the entry without keeping its bytes."""
        for _ in self.iter_entry(entry):
            pass

    def _stream(self, entry: ZipEntry) -> Iterator[bytes]:
        if entry.encrypted:
            raise EntryError("encrypted", "the entry is encrypted")
        if entry.method not in (STORED, DEFLATED):
            raise EntryError(
                "method", f"compression method {entry.method} ({_method_name(entry.method)})"
            )
        limit = self._inflate_limit(entry)
        data_start = self._data_start(entry)
        if data_start + entry.compressed_size > self.file_size:
            raise EntryError("truncated-entry", "the entry's data runs past the end of the file")
        self.fileobj.seek(data_start)
        remaining = entry.compressed_size
        produced = 0
        crc = 0
        inflater = zlib.decompressobj(-15) if entry.method == DEFLATED else None
        while True:
            if inflater is not None and inflater.unconsumed_tail:
                raw = inflater.unconsumed_tail
            elif remaining > 0:
                raw = self.fileobj.read(min(CHUNK, remaining))
                if not raw:
                    raise EntryError("truncated-entry", "the entry's data is cut short")
                remaining -= len(raw)
            elif inflater is not None and not inflater.eof:
                raw = b""  # drain output zlib still holds
            else:
                break
            out = raw if inflater is None else _inflate(inflater, raw)
            if not raw and not out:
                break
            produced += len(out)
            if produced > limit:
                raise self._limit_error(entry, produced, limit)
            if not self.budget.take(len(out)):
                raise EntryError(
                    "total-size",
                    f"inflating stopped: more than {self.limits.max_total_uncompressed:,} bytes "
                    "uncompressed in this file",
                )
            crc = zlib.crc32(out, crc)
            if out:
                yield out
        if inflater is not None and not inflater.eof:
            raise EntryError("inflate", "the compressed data ends before the deflate stream does")
        if produced != entry.file_size:
            raise EntryError(
                "size-mismatch",
                f"inflates to {produced:,} bytes but the directory declares {entry.file_size:,}",
            )
        if crc != entry.crc:
            raise EntryError(
                "crc", f"CRC-32 is {crc:08x} but the directory declares {entry.crc:08x}"
            )

    def _inflate_limit(self, entry: ZipEntry) -> int:
        """How many bytes this entry may inflate to before reading stops."""
        ratio_cap = max(
            self.limits.ratio_exempt_below, entry.compressed_size * self.limits.max_entry_ratio
        )
        if entry.file_size > ratio_cap:
            raise self._ratio_error(entry, entry.file_size, "declares")
        # One byte past the declared size is enough to prove the declaration false.
        return min(entry.file_size + 1, ratio_cap)

    def _limit_error(self, entry: ZipEntry, produced: int, limit: int) -> EntryError:
        if limit == entry.file_size + 1:
            return EntryError(
                "size-mismatch",
                f"inflates past the {entry.file_size:,} bytes the directory declares",
            )
        return self._ratio_error(entry, produced, "inflates to more than")

    def _ratio_error(self, entry: ZipEntry, size: int, verb: str) -> EntryError:
        ratio = size / max(entry.compressed_size, 1)
        return EntryError(
            "ratio",
            f"{verb} {size:,} bytes from {entry.compressed_size:,} compressed "
            f"(ratio {ratio:,.0f}:1; the limit is {self.limits.max_entry_ratio}:1)",
        )

    def _data_start(self, entry: ZipEntry) -> int:
        header = self._read_at(entry.header_offset, LOCAL.size)
        if len(header) < LOCAL.size or header[:4] != LOCAL_SIG:
            raise EntryError("bad-local-header", "no local file header where the directory points")
        fields = LOCAL.unpack(header)
        name_len, extra_len = fields[10], fields[11]
        raw_name = self._read_at(entry.header_offset + LOCAL.size, name_len)
        if _decode_name(raw_name, fields[3]) != entry.name:
            raise EntryError(
                "name-mismatch",
                "the local header names a different file than the central directory",
            )
        return entry.header_offset + LOCAL.size + name_len + extra_len


def _find_eocd(tail: bytes) -> int:
    """Position of the end-of-central-directory record, preferring one whose comment fits."""
    pos = tail.rfind(EOCD_SIG)
    fallback = -1
    while pos >= 0:
        if pos + EOCD.size <= len(tail):
            comment_len = struct.unpack_from("<H", tail, pos + 20)[0]
            if pos + EOCD.size + comment_len == len(tail):
                return pos
            if fallback < 0:
                fallback = pos
        pos = tail.rfind(EOCD_SIG, 0, pos)
    return fallback


def _apply_zip64_extra(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<2H", extra, pos)
        body = extra[pos + 4 : pos + 4 + size]
        if tag == 0x0001:
            values = [struct.unpack_from("<Q", body, i)[0] for i in range(0, len(body) - 7, 8)]
            if usize == 0xFFFFFFFF and values:
                usize = values.pop(0)
            if csize == 0xFFFFFFFF and values:
                csize = values.pop(0)
            if offset == 0xFFFFFFFF and values:
                offset = values.pop(0)
            break
        pos += 4 + size
    return usize, csize, offset


def _decode_name(raw: bytes, flags: int) -> str:
    if flags & 0x800:
        return raw.decode("utf-8", "replace")
    try:
        # Java's jar tool writes UTF-8 without setting the flag; cp437 is the zip default.
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp437")


def _inflate(inflater: zlib._Decompress, raw: bytes) -> bytes:
    try:
        return inflater.decompress(raw, CHUNK)
    except zlib.error as error:
        raise EntryError("inflate", f"the compressed data is corrupt ({error})") from None


def _method_name(method: int) -> str:
    return {
        1: "shrunk",
        6: "imploded",
        9: "deflate64",
        12: "bzip2",
        14: "lzma",
        93: "zstd",
        95: "xz",
        99: "AES-encrypted",
    }.get(method, "unknown")
