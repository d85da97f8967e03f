"""A zip reader that trusts nothing.

It reads the central directory first, addresses entries through it, and inflates only what is
asked for, streaming, stopping at every limit. It never raises on bad input: every problem it
meets becomes a ``ReadIssue`` (a reader-level fact; the container rules decide what it means).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from assetcheck.readers import inflate
from assetcheck.readers.ahead import Ahead, Plan, Source
from assetcheck.readers.kinds import ReadIssue, ZipKind
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
DESCRIPTOR_SIG = b"PK\x07\x08"
UNICODE_PATH = 0x7075
MAX_COMMENT = 0xFFFF
CHUNK = 64 * 1024
HEAD_BYTES = 8  # a class file's magic, minor and major version

STORED = 0
DEFLATED = 8
UNIX = 3
S_IFMT = 0o170000
S_IFLNK = 0o120000


# Not frozen: a frozen dataclass sets each field through object.__setattr__, and an archive's
# directory makes one entry per record (4 us each frozen, 1.5 us not, for 40,000 records).
@dataclass(slots=True)
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
    raw_name: bytes = b""
    # The name in an Info-ZIP Unicode Path extra field (0x7075), when there is one.
    unicode_path: str | None = None

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


@dataclass(slots=True)
class Budget:
    """Bytes that may still be inflated and entries that may still be read, shared by a file
    and every archive nested in it.

    ``remaining`` starts at the absolute cap; the first (outermost) archive opened with the
    budget ties it to its file's size (``fit``), and sets the entry budget.
    """

    remaining: int
    exhausted: bool = False
    limit: int | None = None  # the byte limit in force, once fitted
    file_size: int = 0
    entries_remaining: int | None = None
    entries_limit: int = 0
    entries_exhausted: bool = False

    def fit(self, file_size: int, limits: Limits) -> None:
        if self.limit is not None:
            return
        by_size = max(limits.min_inflate_budget, file_size * limits.max_file_ratio)
        self.limit = min(self.remaining, limits.max_total_uncompressed, by_size)
        self.remaining = self.limit
        self.file_size = file_size
        self.entries_limit = limits.max_total_entries
        self.entries_remaining = limits.max_total_entries

    def take(self, amount: int) -> bool:
        self.remaining -= amount
        if self.remaining < 0:
            self.exhausted = True
        return not self.exhausted

    def take_entry(self) -> bool:
        if self.entries_remaining is None:
            return True
        self.entries_remaining -= 1
        if self.entries_remaining < 0:
            self.entries_exhausted = True
        return not self.entries_exhausted

    def describe(self, limits: Limits) -> str:
        """Why the byte limit is what it is, for messages."""
        limit = self.limit if self.limit is not None else self.remaining
        if limit >= limits.max_total_uncompressed:
            return f"the limit is {limit:,}"
        return (
            f"the limit for a {self.file_size:,}-byte file is {limit:,}: "
            f"{limits.max_file_ratio}x its size, at least {limits.min_inflate_budget:,}"
        )


class EntryError(Exception):
    """Internal: stops streaming one entry; always turned into a ReadIssue."""

    def __init__(self, kind: ZipKind, detail: str) -> None:
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
    issues: list[ReadIssue] = field(default_factory=list)
    prepended: int = 0
    readable: bool = False
    cd_start: int = 0
    _failed: dict[int, ReadIssue] = field(default_factory=dict)
    # Entries inflated to their end (or to their first problem): verified, never again.
    streamed: set[int] = field(default_factory=set)
    # Where each entry's data starts, from its local header (read once, when opening).
    _data_starts: dict[int, int] = field(default_factory=dict)
    # The first HEAD_BYTES bytes of each entry whose name ends with one of ``heads_of``, kept
    # from the one inflation that verifies it: a class file's version is in its first 8 bytes,
    # so the platform rules learn it without inflating anything again. Only entries that
    # verified (CRC and sizes) are kept.
    heads_of: tuple[str, ...] = (".class",)
    heads: dict[int, bytes] = field(default_factory=dict)
    backend: inflate.Backend = field(default_factory=inflate.selected)
    # Where the verdicts on entries verified ahead in a child process come from (the top
    # archive's ``start_ahead``, or a bundle's share of it); ``verify`` takes them.
    ahead: Source | None = None

    # ---- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, fileobj: BinaryIO, limits: Limits, budget: Budget) -> ZipArchive:
        fileobj.seek(0, 2)
        archive = cls(fileobj, fileobj.tell(), limits, budget)
        budget.fit(archive.file_size, limits)
        try:
            archive._read_directory()
        except EntryError as error:
            archive.issues.append(ReadIssue(error.kind, error.detail))
        return archive

    def _issue(self, kind: ZipKind, entry: str | None, detail: str) -> None:
        self.issues.append(ReadIssue(kind, detail, entry=entry))

    def _read_at(self, offset: int, size: int) -> bytes:
        if offset >= self.file_size:
            # Nothing is there; and a ZIP64 offset can be too large for a seek (2**64 - 1).
            return b""
        self.fileobj.seek(offset)
        return self.fileobj.read(size)

    def _read_directory(self) -> None:
        if self.file_size == 0:
            raise EntryError(ZipKind.EMPTY, "the file is empty (0 bytes)")
        tail_size = min(self.file_size, EOCD.size + MAX_COMMENT)
        tail_start = self.file_size - tail_size
        tail = self._read_at(tail_start, tail_size)
        eocd_pos = _find_eocd(tail)
        if eocd_pos < 0:
            head = self._read_at(0, 4)
            if head == LOCAL_SIG:
                raise EntryError(
                    ZipKind.TRUNCATED, "no end-of-central-directory record: the file is truncated"
                )
            raise EntryError(
                ZipKind.NOT_ZIP, "no zip structure found (no end-of-central-directory)"
            )
        eocd_offset = tail_start + eocd_pos
        fields = EOCD.unpack_from(tail, eocd_pos)
        (_, disk, cd_disk, disk_count, count, cd_size, cd_offset, _) = fields
        cd_end = eocd_offset
        record = "end-of-central-directory record"
        if disk != 0 or cd_disk != 0:
            raise EntryError(ZipKind.MULTI_DISK, "a split (multi-disk) archive cannot be read")
        if count == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
            counts32 = (disk_count, count)
            count, disk_count, cd_size, cd_offset, cd_end = self._read_zip64(eocd_offset)
            record = "ZIP64 end-of-central-directory record"
            for value in counts32:
                if value not in (0xFFFF, count):
                    self._issue(
                        ZipKind.DIRECTORY_COUNT,
                        None,
                        f"the end-of-central-directory record counts {value:,} entries but "
                        f"the ZIP64 record counts {count:,}",
                    )
                    break
        if disk_count != count:
            self._issue(
                ZipKind.DIRECTORY_COUNT,
                None,
                f"the {record} counts {disk_count:,} entries on this disk but {count:,} in all",
            )
        cd_start = cd_end - cd_size
        if cd_start < 0 or cd_size < 0:
            raise EntryError(
                ZipKind.TRUNCATED, "the central directory lies outside the file: it is truncated"
            )
        # Data prepended to the archive (a stub, or another file format in front: a polyglot)
        # shifts every offset; the difference tells how much was prepended.
        self.prepended = cd_start - cd_offset
        if self.prepended < 0:
            raise EntryError(
                ZipKind.TRUNCATED, "the central directory points before the file start: truncated"
            )
        if count > self.limits.max_entries:
            self._issue(
                ZipKind.TOO_MANY_ENTRIES,
                None,
                f"{count:,} entries; the limit is {self.limits.max_entries:,}",
            )
            return
        if self.budget.entries_exhausted:
            self._issue(ZipKind.TOO_MANY_ENTRIES, None, self._entry_budget_detail("not read"))
            return
        self.cd_start = cd_start
        directory = self._read_at(cd_start, cd_size)
        if not self._parse_central(directory, count, record):
            return
        self.readable = True
        self._check_layout()

    def _entry_budget_detail(self, what: str) -> str:
        return (
            f"{what}: the file and the archives nested in it hold more than "
            f"{self.budget.entries_limit:,} entries, the limit across all of them"
        )

    def _read_zip64(self, eocd_offset: int) -> tuple[int, int, int, int, int]:
        locator_offset = eocd_offset - ZIP64_LOCATOR.size
        locator = self._read_at(max(locator_offset, 0), ZIP64_LOCATOR.size)
        if (
            locator_offset < 0
            or len(locator) < ZIP64_LOCATOR.size
            or locator[:4] != (ZIP64_LOCATOR_SIG)
        ):
            raise EntryError(
                ZipKind.TRUNCATED, "the ZIP64 end-of-central-directory locator is missing"
            )
        _, _, record_offset, _ = ZIP64_LOCATOR.unpack(locator)
        # Like the 32-bit record, the ZIP64 record sits just before its locator; trust position
        # over the stored offset so that prepended data does not break the lookup.
        record_pos = locator_offset - ZIP64_EOCD.size
        record = self._read_at(max(record_pos, 0), ZIP64_EOCD.size)
        if record_pos < 0 or len(record) < ZIP64_EOCD.size or record[:4] != ZIP64_EOCD_SIG:
            raise EntryError(
                ZipKind.TRUNCATED, "the ZIP64 end-of-central-directory record is missing"
            )
        fields = ZIP64_EOCD.unpack(record)
        if fields[4] != 0 or fields[5] != 0:
            raise EntryError(ZipKind.MULTI_DISK, "a split (multi-disk) archive cannot be read")
        disk_count, count, cd_size, cd_offset = fields[6], fields[7], fields[8], fields[9]
        del record_offset
        return count, disk_count, cd_size, cd_offset, record_pos

    def _parse_central(self, directory: bytes, count: int, record: str) -> bool:
        """Parse records until the directory's size is consumed, whatever the count says
        (the JDK and Python's zipfile read by size: a record hidden behind a low count is still
        an entry to them). False when the archive must not be read further."""
        pos = 0
        end = len(directory)
        index = 0
        while pos < end:
            if pos + CENTRAL.size > end or directory[pos : pos + 4] != CENTRAL_SIG:
                if index == 0:
                    self._issue(
                        ZipKind.BAD_CENTRAL_DIRECTORY,
                        None,
                        f"central directory record 1 of {count:,} is damaged",
                    )
                else:
                    self._issue(
                        ZipKind.DIRECTORY_SIZE,
                        None,
                        f"the {record} gives the central directory {end:,} bytes, but its "
                        f"{index:,} records end after {pos:,} (the rest is not a record)",
                    )
                break
            if index >= self.limits.max_entries:
                self._issue(
                    ZipKind.TOO_MANY_ENTRIES,
                    None,
                    f"more than {self.limits.max_entries:,} entries (the end record counts "
                    f"{count:,}); the limit is {self.limits.max_entries:,}",
                )
                return False
            if not self.budget.take_entry():
                self._issue(
                    ZipKind.TOO_MANY_ENTRIES, None, self._entry_budget_detail("reading stopped")
                )
                return False
            fields = CENTRAL.unpack_from(directory, pos)
            (_, _, create_system, _, _, flags, method, _, _, crc, csize, usize) = fields[:12]
            name_len, extra_len, comment_len = fields[12], fields[13], fields[14]
            external_attr, offset = fields[17], fields[18]
            name_start = pos + CENTRAL.size
            extra_start = name_start + name_len
            record_end = extra_start + extra_len + comment_len
            if record_end > end:
                self._issue(
                    ZipKind.BAD_CENTRAL_DIRECTORY, None, "the central directory is truncated"
                )
                break
            raw_name = directory[name_start:extra_start]
            extra = directory[extra_start : extra_start + extra_len]
            usize, csize, offset = _apply_zip64_extra(extra, usize, csize, offset)
            name, valid = _decode_name(raw_name)
            if not valid:
                self._issue(
                    ZipKind.BAD_NAME_ENCODING,
                    name,
                    "the entry name is not valid UTF-8 (the JDK refuses the whole jar: "
                    "'invalid CEN header (bad entry name)')",
                )
            unicode_path = self._unicode_path(name, raw_name, extra)
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
                    raw_name=raw_name,
                    unicode_path=unicode_path,
                )
            )
            pos = record_end
            index += 1
        if index != count:
            self._issue(
                ZipKind.DIRECTORY_COUNT,
                None,
                f"the {record} counts {count:,} entries but the central directory holds "
                f"{index:,} records",
            )
        return True

    def _unicode_path(self, name: str, raw_name: bytes, extra: bytes) -> str | None:
        """The name in a Unicode Path extra field; a differing one is recorded as an issue."""
        body = _extra_field(extra, UNICODE_PATH)
        if body is None:
            return None
        if len(body) < 5 or body[0] != 1:
            self._issue(
                ZipKind.UNICODE_PATH, name, "its Unicode Path extra field (0x7075) is malformed"
            )
            return None
        name_crc = struct.unpack_from("<L", body, 1)[0]
        try:
            unicode_name = body[5:].decode("utf-8")
        except UnicodeDecodeError:
            unicode_name = body[5:].decode("utf-8", "backslashreplace")
            self._issue(
                ZipKind.UNICODE_PATH,
                name,
                f"its Unicode Path extra field (0x7075) holds {unicode_name!r}, which is not "
                "valid UTF-8",
            )
            return unicode_name
        if unicode_name != name:
            stale = (
                ""
                if name_crc == zlib.crc32(raw_name)
                else (
                    " (its CRC-32 does not match the header name: some readers ignore it, "
                    "others do not)"
                )
            )
            self._issue(
                ZipKind.UNICODE_PATH,
                name,
                f"its Unicode Path extra field (0x7075) names {unicode_name!r}: readers that "
                f"honour the field extract a different file{stale}",
            )
        return unicode_name

    def _check_layout(self) -> None:
        """Local headers against the directory, bytes no entry accounts for, overlapping
        entries and declared sizes. One pass over the entries in file order: a header read per
        entry, and a scan of the gaps between them (together never more than the file)."""
        if not self.entries:
            return
        ordered = sorted(self.entries, key=lambda e: e.header_offset)
        first = ordered[0].header_offset
        scanner = _GapScanner(self)
        scanner.scan(0, min(first, self.cd_start))
        if first > 0 and not scanner.found:
            self._issue(ZipKind.PREPENDED, None, f"{first:,} bytes of data before the first entry")
        previous_end = -1
        previous: ZipEntry | None = None
        for entry in ordered:
            if previous is not None and entry.header_offset < previous_end:
                self._issue(ZipKind.OVERLAP, entry.name, f"its data overlaps {previous.name!r}")
            else:
                if previous is not None:
                    scanner.scan(previous_end, entry.header_offset)
                previous = entry
            entry_end = self._check_local(entry)
            previous_end = max(previous_end, entry_end)
        scanner.scan(previous_end, self.cd_start)
        scanner.finish()
        declared = sum(e.file_size for e in self.entries)
        if declared > self.limits.max_total_uncompressed:
            self._issue(
                ZipKind.TOTAL_SIZE,
                None,
                f"entries declare {declared:,} bytes uncompressed; the limit is "
                f"{self.limits.max_total_uncompressed:,}",
            )

    def _check_local(self, entry: ZipEntry) -> int:
        """Compare the entry's local header (and data descriptor) with its directory record,
        the way a streaming reader (JarInputStream) sees them. Returns where the entry ends."""
        end = entry.header_offset + LOCAL.size + entry.name_length + entry.compressed_size
        try:
            data_start, end = self._read_local(entry)
        except EntryError as error:
            self._failed[entry.index] = ReadIssue(error.kind, error.detail, entry=entry.name)
            return end
        self._data_starts[entry.index] = data_start
        return end

    def _read_local(self, entry: ZipEntry) -> tuple[int, int]:
        if entry.header_offset >= self.file_size:
            raise EntryError(
                ZipKind.BAD_LOCAL_HEADER,
                f"the directory points past the end of the file, at byte {entry.header_offset:,} "
                f"of {self.file_size:,}",
            )
        header = self._read_at(entry.header_offset, LOCAL.size + 512)
        if len(header) < LOCAL.size or header[:4] != LOCAL_SIG:
            raise EntryError(
                ZipKind.BAD_LOCAL_HEADER, "no local file header where the directory points"
            )
        (_, _, _, flags, method, _, _, crc, csize, usize, name_len, extra_len) = LOCAL.unpack_from(
            header
        )
        if len(header) < LOCAL.size + name_len + extra_len:
            header = self._read_at(entry.header_offset, LOCAL.size + name_len + extra_len)
        raw_name = header[LOCAL.size : LOCAL.size + name_len]
        extra = header[LOCAL.size + name_len : LOCAL.size + name_len + extra_len]
        data_start = entry.header_offset + LOCAL.size + name_len + extra_len
        data_end = data_start + entry.compressed_size
        if raw_name != entry.raw_name:
            raise EntryError(
                ZipKind.NAME_MISMATCH,
                f"the local header names {_decode_name(raw_name)[0]!r}, a different file than "
                "the central directory",
            )
        differences = []
        if method != entry.method:
            differences.append(f"compression method {method} (the directory says {entry.method})")
        if flags & 0x1 != entry.flags & 0x1:
            said = ZipKind.ENCRYPTED if flags & 0x1 else "not encrypted"
            differences.append(f"that the entry is {said}")
        if flags & 0x8 != entry.flags & 0x8:
            said = "a data descriptor" if flags & 0x8 else "no data descriptor"
            differences.append(f"{said} (flag bit 3; the directory says otherwise)")
        if not flags & 0x8:
            usize, csize, _ = _apply_zip64_extra(extra, usize, csize, 0)
            for label, local_value, central in (
                ("CRC-32", crc, entry.crc),
                ("compressed size", csize, entry.compressed_size),
                ("size", usize, entry.file_size),
            ):
                if local_value != central:
                    shown = f"{local_value:08x}" if label == "CRC-32" else f"{local_value:,}"
                    want = f"{central:08x}" if label == "CRC-32" else f"{central:,}"
                    differences.append(f"{label} {shown} (the directory says {want})")
        if differences:
            raise EntryError(
                ZipKind.LOCAL_MISMATCH,
                "the local header disagrees with the central directory: it declares "
                + "; ".join(differences),
            )
        if flags & 0x8:
            if method == STORED:
                raise EntryError(
                    ZipKind.DATA_DESCRIPTOR,
                    "a stored entry with a data descriptor (flag bit 3): JarInputStream refuses "
                    "it ('only DEFLATED entries can have EXT descriptor')",
                )
            data_end = self._check_descriptor(entry, data_end, extra)
        return data_start, data_end

    def _check_descriptor(self, entry: ZipEntry, data_end: int, extra: bytes) -> int:
        """The data descriptor right after the data: a streaming reader takes the CRC and sizes
        from it, so it must agree with the directory. Returns where it ends."""
        raw = self._read_at(data_end, 24)
        skip = 4 if raw[:4] == DESCRIPTOR_SIG else 0
        wide_first = (
            _extra_field(extra, 0x0001) is not None
            or max(entry.compressed_size, entry.file_size) >= 0xFFFFFFFF
        )
        found: tuple[int, int, int] | None = None
        for wide in (wide_first, not wide_first):
            layout = "<L2Q" if wide else "<3L"
            if len(raw) < skip + struct.calcsize(layout):
                continue
            values = struct.unpack_from(layout, raw, skip)
            if found is None:
                found = values
            if values == (entry.crc, entry.compressed_size, entry.file_size):
                return data_end + skip + struct.calcsize(layout)
        if found is None:
            raise EntryError(
                ZipKind.DATA_DESCRIPTOR, "the data descriptor is missing: the file ends"
            )
        crc, csize, usize = found
        raise EntryError(
            ZipKind.DATA_DESCRIPTOR,
            f"the data descriptor after the data declares CRC-32 {crc:08x}, compressed size "
            f"{csize:,} and size {usize:,}; the directory declares {entry.crc:08x}, "
            f"{entry.compressed_size:,} and {entry.file_size:,}",
        )

    # ---- reading entries -------------------------------------------------------------------

    def entry_issue(self, entry: ZipEntry) -> ReadIssue | None:
        """The problem met when this entry was read, if it was read and failed."""
        return self._failed.get(entry.index)

    def read_issues(self) -> list[ReadIssue]:
        return list(self._failed.values())

    def iter_entry(self, entry: ZipEntry) -> Iterator[bytes]:
        """Yield the entry's inflated bytes in chunks, verifying as it goes.

        On any problem the stream ends early and the problem is recorded once for the entry.
        An entry ``heads_of`` names that streams to its end has its first bytes kept in ``heads``.
        """
        if entry.index in self._failed:
            return
        head = bytearray() if self.heads_of and entry.name.endswith(self.heads_of) else None
        try:
            yield from self._stream(entry, head)
            if head is not None:
                self.heads[entry.index] = bytes(head)
        except EntryError as error:
            self._failed[entry.index] = ReadIssue(error.kind, error.detail, entry=entry.name)
        self.streamed.add(entry.index)

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
        """Inflate and check the entry without keeping its bytes.

        An entry verified ahead is taken from the child's verdict, charged to the budget as
        inflating it here would charge it; when that would not fit, it is inflated here.
        """
        if self.ahead is not None and not (entry.index in self.streamed or self.entry_issue(entry)):
            verdict = self.ahead.verdicts().get(entry.index)
            if verdict is not None and verdict.taken <= self.budget.remaining:
                self.budget.take(verdict.taken)
                if verdict.issue is not None:
                    self._failed[entry.index] = verdict.issue
                elif verdict.head is not None:
                    self.heads[entry.index] = verdict.head
                self.streamed.add(entry.index)
                return
        for _ in self.iter_entry(entry):
            pass

    def start_ahead(self, plan: Plan) -> bool:
        """Have a child process work through ``plan`` on the other core; False when none could
        start (``verify`` then inflates everything here)."""
        self.close_ahead()
        ahead = Ahead.start(self, plan)
        self.ahead = None if ahead is None else Source(ahead, None)
        return ahead is not None

    def close_ahead(self) -> None:
        if self.ahead is not None:
            self.ahead.close()
            self.ahead = None

    def _stream(self, entry: ZipEntry, head: bytearray | None = None) -> Iterator[bytes]:
        """The entry's inflated chunks; the first HEAD_BYTES bytes also go into ``head``."""
        if entry.encrypted:
            raise EntryError(ZipKind.ENCRYPTED, "the entry is encrypted")
        if entry.method not in (STORED, DEFLATED):
            raise EntryError(
                ZipKind.METHOD, f"compression method {entry.method} ({_method_name(entry.method)})"
            )
        limit = self._inflate_limit(entry)
        data_start = self._data_starts.get(entry.index)
        if data_start is None:
            raise EntryError(
                ZipKind.BAD_LOCAL_HEADER, "no local file header where the directory points"
            )
        if data_start + entry.compressed_size > self.file_size:
            raise EntryError(
                ZipKind.TRUNCATED_ENTRY, "the entry's data runs past the end of the file"
            )
        self.fileobj.seek(data_start)
        remaining = entry.compressed_size
        produced = 0
        crc = 0
        backend = self.backend
        inflater = backend.decompressobj(-15) if entry.method == DEFLATED else None
        while True:
            if inflater is not None and inflater.unconsumed_tail:
                raw = inflater.unconsumed_tail
            elif remaining > 0:
                raw = self.fileobj.read(min(CHUNK, remaining))
                if not raw:
                    raise EntryError(ZipKind.TRUNCATED_ENTRY, "the entry's data is cut short")
                remaining -= len(raw)
            elif inflater is not None and not inflater.eof:
                raw = b""  # drain output zlib still holds
            else:
                break
            try:
                out = raw if inflater is None else inflater.decompress(raw, CHUNK)
            except backend.error as error:
                raise self._corrupt(entry, error, limit) from None
            if not raw and not out:
                break
            produced += len(out)
            if produced > limit:
                raise self._limit_error(entry, produced, limit)
            if not self.budget.take(len(out)):
                raise EntryError(
                    ZipKind.TOTAL_SIZE,
                    "inflating stopped: the file and the archives nested in it inflate to more "
                    f"than {self.budget.limit or 0:,} bytes; {self.budget.describe(self.limits)}",
                )
            if inflater is not None and inflater.eof and (remaining or inflater.unused_data):
                # A streaming reader takes the end of the deflate stream as the end of the
                # entry and looks for the next header (or the data descriptor) there.
                short = remaining + len(inflater.unused_data)
                raise EntryError(
                    ZipKind.SIZE_MISMATCH,
                    f"the deflate stream ends {short:,} bytes before the compressed size the "
                    f"directory declares ({entry.compressed_size:,})",
                )
            crc = backend.crc32(out, crc)
            if out:
                if head is not None and len(head) < HEAD_BYTES:
                    head += out[: HEAD_BYTES - len(head)]
                yield out
        if inflater is not None and not inflater.eof:
            raise EntryError(
                ZipKind.INFLATE, "the compressed data ends before the deflate stream does"
            )
        if produced != entry.file_size:
            raise EntryError(
                ZipKind.SIZE_MISMATCH,
                f"inflates to {produced:,} bytes but the directory declares {entry.file_size:,}",
            )
        if crc != entry.crc:
            raise EntryError(
                ZipKind.CRC, f"CRC-32 is {crc:08x} but the directory declares {entry.crc:08x}"
            )

    def _corrupt(self, entry: ZipEntry, error: Exception, limit: int) -> EntryError:
        """The finding for data the backend refused, in zlib's words whatever the backend (a
        report must not depend on what is installed): zlib inflates the entry again, bounded as
        the first pass was, to say what it finds wrong."""
        if self.backend.error is not zlib.error:
            error = self._zlib_error(entry, limit) or error
        return EntryError(ZipKind.INFLATE, f"the compressed data is corrupt ({error})")

    def _zlib_error(self, entry: ZipEntry, limit: int) -> zlib.error | None:
        data_start = self._data_starts[entry.index]
        self.fileobj.seek(data_start)
        remaining = entry.compressed_size
        inflater = zlib.decompressobj(-15)
        produced = 0
        try:
            while produced <= limit:
                if inflater.unconsumed_tail:
                    raw = inflater.unconsumed_tail
                elif remaining > 0:
                    raw = self.fileobj.read(min(CHUNK, remaining))
                    remaining -= len(raw)
                else:
                    raw = b""
                out = inflater.decompress(raw, CHUNK)
                produced += len(out)
                if not raw and not out:
                    return None
        except zlib.error as error:
            return error
        return None

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
                ZipKind.SIZE_MISMATCH,
                f"inflates past the {entry.file_size:,} bytes the directory declares",
            )
        return self._ratio_error(entry, produced, "inflates to more than")

    def _ratio_error(self, entry: ZipEntry, size: int, verb: str) -> EntryError:
        ratio = size / max(entry.compressed_size, 1)
        return EntryError(
            ZipKind.RATIO,
            f"{verb} {size:,} bytes from {entry.compressed_size:,} compressed "
            f"(ratio {ratio:,.0f}:1; the limit is {self.limits.max_entry_ratio}:1)",
        )


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


def _extra_field(extra: bytes, wanted: int) -> bytes | None:
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<2H", extra, pos)
        if tag == wanted:
            return extra[pos + 4 : pos + 4 + size]
        pos += 4 + size
    return None


def _decode_name(raw: bytes) -> tuple[str, bool]:
    """The name, and whether it is valid UTF-8.

    The JDK reads every jar entry name as UTF-8, flag 0x800 or not, and refuses the whole jar
    when one is not; such a name is shown with its bad bytes escaped (``\\xff``).
    """
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), False


class _GapScanner:
    """Finds local file headers in bytes that no directory record accounts for: a streaming
    reader (JarInputStream reads from byte 0) sees those entries, a directory reader does not.
    Scans each gap once, in chunks; keeps a few examples and a count."""

    EXAMPLES = 10

    def __init__(self, archive: ZipArchive) -> None:
        self.archive = archive
        self.found = 0

    def scan(self, start: int, stop: int) -> None:
        pos = max(start, 0)
        while pos + LOCAL.size <= stop:
            chunk = self.archive._read_at(pos, min(stop - pos, 1024 * 1024))
            hit = chunk.find(LOCAL_SIG)
            while hit >= 0:
                self._header(pos + hit, stop)
                hit = chunk.find(LOCAL_SIG, hit + 1)
            if len(chunk) < 4:
                break
            pos += len(chunk) - 3  # a signature may straddle two chunks

    def _header(self, offset: int, stop: int) -> None:
        header = self.archive._read_at(offset, LOCAL.size + 256)
        if len(header) < LOCAL.size:
            return
        name_len = LOCAL.unpack_from(header)[10]
        if name_len == 0 or offset + LOCAL.size + name_len > stop:
            return  # not a plausible header: the name would not fit in the gap
        self.found += 1
        if self.found <= self.EXAMPLES:
            raw = self.archive._read_at(offset + LOCAL.size, name_len)
            name = _decode_name(raw)[0]
            self.archive._issue(
                ZipKind.HIDDEN_LOCAL_HEADER,
                name,
                f"a local file header at byte {offset:,} that the central directory does not list",
            )

    def finish(self) -> None:
        if self.found > self.EXAMPLES:
            self.archive._issue(
                ZipKind.HIDDEN_LOCAL_HEADER,
                None,
                f"and {self.found - self.EXAMPLES:,} more local file headers that the central "
                "directory does not list",
            )


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
