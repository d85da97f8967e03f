"""Builders for hostile and damaged archives, written byte by byte where zipfile would refuse.

Each returns the archive's bytes; they are built in code so no test depends on stored blobs.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field

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
            if field != "attr":
                # Keep the local header in step so only the intended property changes.
                local = _local_offset(data, position)
                struct.pack_into(sizes[field], patched, local + offsets[field] - 2, value)
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


# ---- raw archives: every header field under the test's control ---------------------------


@dataclass
class Raw:
    """One entry of ``raw_zip``. ``local``/``central`` override fields of that header only
    (``crc``, ``csize``, ``usize``, ``method``, ``flags``, ``name``); ``descriptor`` is written
    after the data (see ``descriptor``); ``listed=False`` leaves it out of the directory."""

    name: bytes
    data: bytes = b"x"
    method: int = 8
    flags: int = 0
    local: dict[str, int | bytes] = dc_field(default_factory=dict)
    central: dict[str, int | bytes] = dc_field(default_factory=dict)
    local_extra: bytes = b""
    central_extra: bytes = b""
    descriptor: bytes = b""
    listed: bool = True
    after: bytes = b""  # bytes written after this entry (a gap before the next one)
    compressed: bytes | None = None  # precompressed data (skips compressing ``data`` again)


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def descriptor(crc: int, csize: int, usize: int, *, signature: bool = True, zip64: bool = False):
    """A data descriptor (after an entry's data when flag bit 3 is set)."""
    sizes = struct.pack("<2Q" if zip64 else "<2L", csize, usize)
    return (b"PK\x07\x08" if signature else b"") + struct.pack("<L", crc) + sizes


def raw_zip(
    entries: list[Raw],
    *,
    prefix: bytes = b"",
    count: int | None = None,
    cd_size_delta: int = 0,
    comment: bytes = b"",
) -> bytes:
    """A zip written field by field. ``count`` overrides the EOCD entry count; offsets are
    relative to the end of ``prefix`` (as when data is prepended to a finished archive)."""
    body = bytearray()
    records: list[bytes] = []
    for entry in entries:
        packed = entry.compressed
        if packed is None:
            packed = deflate(entry.data) if entry.method == 8 else entry.data
        crc = zlib.crc32(entry.data)
        values: dict[str, int | bytes] = {
            "name": entry.name,
            "method": entry.method,
            "flags": entry.flags,
            "crc": crc,
            "csize": len(packed),
            "usize": len(entry.data),
        }
        local = {**values, **entry.local}
        central = {**values, **entry.central}
        offset = len(body)
        body += _raw_local(local, entry.local_extra) + packed + entry.descriptor + entry.after
        if entry.listed:
            records.append(_raw_central(central, entry.central_extra, offset))
    directory = b"".join(records)
    total = len(records) if count is None else count
    eocd = EOCD.pack(
        b"PK\x05\x06",
        0,
        0,
        total,
        total,
        len(directory) + cd_size_delta,
        len(body),
        len(comment),
    )
    return prefix + bytes(body) + directory + eocd + comment


def _raw_local(values: Mapping[str, int | bytes], extra: bytes) -> bytes:
    name = values["name"]
    assert isinstance(name, bytes)
    fields = [values[k] for k in ("flags", "method", "crc", "csize", "usize")]
    flags, method, crc, csize, usize = (int(v) for v in fields)  # type: ignore[call-overload]
    return (
        LOCAL.pack(
            b"PK\x03\x04",
            20,
            flags,
            method,
            DOS_TIME,
            DOS_DATE,
            crc,
            csize,
            usize,
            len(name),
            len(extra),
        )
        + name
        + extra
    )


def _raw_central(values: Mapping[str, int | bytes], extra: bytes, offset: int) -> bytes:
    name = values["name"]
    assert isinstance(name, bytes)
    fields = [values[k] for k in ("flags", "method", "crc", "csize", "usize")]
    flags, method, crc, csize, usize = (int(v) for v in fields)  # type: ignore[call-overload]
    return (
        CENTRAL.pack(
            b"PK\x01\x02",
            0x0314,
            20,
            flags,
            method,
            DOS_TIME,
            DOS_DATE,
            crc,
            csize,
            usize,
            len(name),
            len(extra),
            0,
            0,
            0,
            0o644 << 16,
            offset,
        )
        + name
        + extra
    )


def unicode_path_extra(header_name: bytes, unicode_name: str, *, crc: int | None = None) -> bytes:
    """An Info-ZIP Unicode Path extra field (0x7075): version 1, CRC-32 of the header name."""
    body = struct.pack("<BL", 1, zlib.crc32(header_name) if crc is None else crc)
    body += unicode_name.encode()
    return struct.pack("<2H", 0x7075, len(body)) + body


RAW_MANIFEST = Raw(b"META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\n")


def hidden_records() -> bytes:
    """The EOCD counts 2 records; the directory holds 4: a second descriptor and a traversal
    name hide behind the count (the JDK and Python's zipfile still see them)."""
    return raw_zip(
        [
            RAW_MANIFEST,
            Raw(b"atlassian-plugin.xml", b"<atlassian-plugin key='a'/>"),
            Raw(b"atlassian-plugin.xml", b"<atlassian-plugin key='evil'/>"),
            Raw(b"../../tmp/evil.sh", b"#!/bin/sh\n"),
        ],
        count=2,
    )


def concatenated() -> bytes:
    """A complete zip glued in front of the real one: a streaming reader (JarInputStream reads
    from byte 0) sees the first archive's descriptor, a directory reader the second's."""
    first = raw_zip([RAW_MANIFEST, Raw(b"atlassian-plugin.xml", b"<atlassian-plugin key='evil'/>")])
    second = raw_zip([RAW_MANIFEST, Raw(b"atlassian-plugin.xml", b"<atlassian-plugin key='a'/>")])
    return first + second


def ratio_exempt_flood(count: int = 4000, size: int = 1024 * 1024) -> bytes:
    """``count`` entries of ``size`` zero bytes, each just under the ratio exemption (1 MiB
    from about 1 KB): 3.9 GiB from 4 MB, under the 4 GiB total."""
    zeros = b"\0" * size
    packed = deflate(zeros)
    entries = [RAW_MANIFEST] + [
        Raw(f"z/{i}.bin".encode(), zeros, compressed=packed) for i in range(count)
    ]
    return raw_zip(entries)


def nested_entry_flood(jars: int = 20, entries: int = 99_000) -> bytes:
    """``jars`` bundled jars of ``entries`` empty entries each: every one under the
    per-archive limit, millions in all."""
    inner = many_entries(entries)
    packed = deflate(inner)
    return raw_zip(
        [RAW_MANIFEST]
        + [Raw(f"META-INF/lib/l{i}.jar".encode(), inner, compressed=packed) for i in range(jars)]
    )


def local_disagrees(**local: int) -> bytes:
    """``data.txt``'s local header declares other values (``csize``, ``method``...) than its
    directory record."""
    return raw_zip([RAW_MANIFEST, Raw(b"data.txt", b"payload " * 50, local=dict(local))])


def with_descriptor(
    data: bytes = b"payload " * 50,
    *,
    method: int = 8,
    lie: Mapping[str, int] | None = None,
    signature: bool = True,
    zip64: bool = False,
) -> bytes:
    """``data.txt`` streamed: flag bit 3, zeros in the local header, a data descriptor after
    the data (holding ``lie``'s values where given)."""
    packed = deflate(data) if method == 8 else data
    values = {"crc": zlib.crc32(data), "csize": len(packed), "usize": len(data), **(lie or {})}
    entry = Raw(
        b"data.txt",
        data,
        method=method,
        flags=0x8,
        local={"crc": 0, "csize": 0, "usize": 0},
        descriptor=descriptor(
            values["crc"], values["csize"], values["usize"], signature=signature, zip64=zip64
        ),
        local_extra=struct.pack("<2H2Q", 1, 16, 0, 0) if zip64 else b"",
    )
    return raw_zip([RAW_MANIFEST, entry])


def bad_utf8_name(flags: int = 0) -> bytes:
    """An entry named in Latin-1 (``café.txt`` with 0xE9): not valid UTF-8."""
    return raw_zip([RAW_MANIFEST, Raw(b"caf\xe9.txt", b"x", flags=flags)])


def unicode_path(header_name: str, unicode_name: str, *, crc: int | None = None) -> bytes:
    """An entry whose Unicode Path extra field (0x7075) names ``unicode_name``."""
    raw = header_name.encode()
    extra = unicode_path_extra(raw, unicode_name, crc=crc)
    return raw_zip([RAW_MANIFEST, Raw(raw, b"x", central_extra=extra, local_extra=extra)])


def unlisted_entry(where: str) -> bytes:
    """A local header and data no directory record points at: ``between`` two entries, or
    ``last`` (just before the directory)."""
    hidden = Raw(b"atlassian-plugin.xml", b"<atlassian-plugin key='evil'/>", listed=False)
    other = Raw(b"data.txt", b"payload")
    entries = [RAW_MANIFEST, hidden, other] if where == "between" else [RAW_MANIFEST, other, hidden]
    return raw_zip(entries)


def large_real_app(jars: int = 200, jar_entries: int = 500, entries: int = 40_000) -> bytes:
    """Not hostile: the shape of a big real app (``entries`` entries, ``jars`` of them bundled
    jars of ``jar_entries`` entries each), with text-like data compressing about 3:1. The
    limits must never trip on it."""
    rng = random.Random(7)
    words = [bytes(rng.choices(range(97, 123), k=rng.randint(2, 12))) for _ in range(4000)]
    blobs = [b" ".join(rng.choices(words, k=170)) for _ in range(40)]
    packed = [deflate(blob) for blob in blobs]

    def entry(name: str, i: int) -> Raw:
        return Raw(name.encode(), blobs[i % 40], compressed=packed[i % 40])

    inner = raw_zip([RAW_MANIFEST] + [entry(f"lib/C{i}.class", i) for i in range(jar_entries)])
    inner_packed = deflate(inner)
    outer = [RAW_MANIFEST] + [
        Raw(f"META-INF/lib/l{i}.jar".encode(), inner, compressed=inner_packed) for i in range(jars)
    ]
    outer += [entry(f"com/acme/C{i}.class", i) for i in range(entries - len(outer))]
    return raw_zip(outer)
