"""Builders for hostile and damaged archives, written byte by byte where zipfile would refuse.

Each returns the archive's bytes; they are built in code so no test depends on stored blobs.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping

from tests.builders import FIXED_TIME, make_jar, make_zip

LOCAL = struct.Struct("<4s5H3L2H")
CENTRAL = struct.Struct("<4s6H3L5H2L")
EOCD = struct.Struct("<4s4H2LH")
DOS_TIME = ((FIXED_TIME[3] << 11) | (FIXED_TIME[4] << 5) | (FIXED_TIME[5] // 2)) & 0xFFFF
DOS_DATE = (((FIXED_TIME[0] - 1980) << 9) | (FIXED_TIME[1] << 5) | FIXED_TIME[2]) & 0xFFFF


def _local(name: bytes, method: int, crc: int, csize: int, usize: int, flags: int = 0) -> bytes:
    return (
        LOCAL.pack(
            b"PK\x03\x04", 20, flags, method, DOS_TIME, DOS_DATE, crc, csize, usize, len(name), 0
        )
        + name
    )


def _central(
    name: bytes,
    method: int,
    crc: int,
    csize: int,
    usize: int,
    offset: int,
    *,
    flags: int = 0,
    external_attr: int = 0o644 << 16,
    made_by: int = 0x0314,  # Unix, zip 2.0
) -> bytes:
    return (
        CENTRAL.pack(
            b"PK\x01\x02",
            made_by,
            20,
            flags,
            method,
            DOS_TIME,
            DOS_DATE,
            crc,
            csize,
            usize,
            len(name),
            0,
            0,
            0,
            0,
            external_attr,
            offset,
        )
        + name
    )


def _eocd(count: int, cd_size: int, cd_offset: int) -> bytes:
    return EOCD.pack(b"PK\x05\x06", 0, 0, count, count, cd_size, cd_offset, 0)


def overlapping_records(count: int = 2000, inflated: int = 64 * 1024 * 1024) -> bytes:
    """``count`` directory records all pointing at one deflated local file (a zip bomb)."""
    data = zlib.compress(b"\0" * inflated, 9)[2:-4]  # raw deflate
    crc = zlib.crc32(b"\0" * inflated)
    local = _local(b"bomb0", 8, crc, len(data), inflated) + data
    directory = b"".join(
        _central(f"bomb{i}".encode(), 8, crc, len(data), inflated, 0) for i in range(count)
    )
    return local + directory + _eocd(count, len(directory), len(local))


def many_entries(count: int = 150_000) -> bytes:
    """``count`` empty stored entries (ZIP64 end records when needed, as zipfile writes them)."""
    locals_: list[bytes] = []
    records: list[bytes] = []
    offset = 0
    for i in range(count):
        name = f"e/{i}".encode()
        local = _local(name, 0, 0, 0, 0)
        records.append(_central(name, 0, 0, 0, 0, offset))
        locals_.append(local)
        offset += len(local)
    directory = b"".join(records)
    body = b"".join(locals_)
    if count < 0xFFFF:
        return body + directory + _eocd(count, len(directory), offset)
    zip64 = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(directory), offset
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, offset + len(directory), 1)
    eocd = EOCD.pack(b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return body + directory + zip64 + locator + eocd


def zeros_bomb(size: int = 1024**3) -> bytes:
    """One entry of ``size`` zero bytes, deflated (1 GiB becomes about 1 MB)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    block = b"\0" * (1024 * 1024)
    crc = 0
    parts = []
    for _ in range(size // len(block)):
        parts.append(compressor.compress(block))
        crc = zlib.crc32(block, crc)
    parts.append(compressor.flush())
    data = b"".join(parts)
    name = b"zeros.bin"
    local = _local(name, 8, crc, len(data), size) + data
    directory = _central(name, 8, crc, len(data), size, 0)
    return local + directory + _eocd(1, len(directory), len(local))


def nested_jars(depth: int = 12) -> bytes:
    """A jar in a jar in a jar ... ``depth`` levels deep."""
    inner = make_zip({"deepest.txt": "bottom"})
    for level in range(depth - 1):
        inner = make_zip({f"lib{level}.jar": inner}, compression=zipfile.ZIP_STORED)
    return inner


def with_names(names: Iterable[str]) -> bytes:
    return make_zip({name: "x" for name in names}, directories=False)


def stored_jar(files: Mapping[str, bytes | str]) -> bytes:
    return make_zip(files, compression=zipfile.ZIP_STORED, directories=False)


def damage(data: bytes, needle: bytes, replacement: bytes) -> bytes:
    """Replace the first occurrence of ``needle`` (which must be present) in ``data``."""
    position = data.index(needle)
    return data[:position] + replacement + data[position + len(needle) :]


def central_field(data: bytes, name: str, field: str, value: int) -> bytes:
    """Patch one field of the central-directory record of ``name`` (all records parsed)."""
    offsets = {"flags": 8, "method": 10, "crc": 16, "csize": 20, "usize": 24, "attr": 38}
    sizes = {"flags": "<H", "method": "<H", "crc": "<L", "csize": "<L", "usize": "<L", "attr": "<L"}
    encoded = name.encode()
    position = data.index(b"PK\x01\x02")
    while True:
        name_len = struct.unpack_from("<H", data, position + 28)[0]
        extra_len, comment_len = struct.unpack_from("<2H", data, position + 30)
        if data[position + 46 : position + 46 + name_len] == encoded:
            patched = bytearray(data)
            struct.pack_into(sizes[field], patched, position + offsets[field], value)
            if field in ("flags", "method"):
                # Keep the local header in step so only the intended property changes.
                local = _local_offset(data, position)
                struct.pack_into("<H", patched, local + offsets[field] - 2, value)
            return bytes(patched)
        position += 46 + name_len + extra_len + comment_len


def _local_offset(data: bytes, central_position: int) -> int:
    return struct.unpack_from("<L", data, central_position + 42)[0]


def symlink_jar() -> bytes:
    data = make_zip({"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\n", "link": "/etc/passwd"})
    return central_field(data, "link", "attr", 0o120777 << 16)


def manifest_last_jar() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("a.txt", FIXED_TIME), "a")
        archive.writestr(
            zipfile.ZipInfo("META-INF/MANIFEST.MF", FIXED_TIME), "Manifest-Version: 1.0\r\n"
        )
    return buffer.getvalue()


def good_jar() -> bytes:
    return make_jar()


def corrupt_data(data: bytes, name: str, garbage: bytes = b"\xff\xff\xff\xff") -> bytes:
    """Overwrite the start of ``name``'s compressed data (0xFF: an invalid deflate block)."""
    position = data.index(b"PK\x03\x04")
    encoded = name.encode()
    while True:
        name_len, extra_len = struct.unpack_from("<2H", data, position + 26)
        start = position + 30 + name_len + extra_len
        if data[position + 30 : position + 30 + name_len] == encoded:
            return data[:start] + garbage + data[start + len(garbage) :]
        csize = struct.unpack_from("<L", data, position + 18)[0]
        position = start + csize
