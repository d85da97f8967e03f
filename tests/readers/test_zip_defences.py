"""Zip defences with no other test: split archives, ZIP64 end records and extra fields that
disagree, a NUL in a name, an unsafe name carried only in the Unicode Path extra field.

Each archive is built byte by byte and checked end to end, through the rules.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from assetcheck.findings import Finding
from tests import hostile
from tests.hostile import RAW_MANIFEST, Raw
from tests.rules.support import check_one

ENTRIES = [RAW_MANIFEST, Raw(b"data.txt", b"payload " * 50)]
EOCD_SIG = b"PK\x05\x06"
# Offsets of fields in the end-of-central-directory record.
DISK, CD_DISK, CD_SIZE = 4, 6, 12


def findings(data: bytes, tmp_path: Path, code: str) -> list[Finding]:
    path = tmp_path / "app.jar"
    path.write_bytes(data)
    return [f for f in check_one(path).findings if f.code == code]


def zip_codes(data: bytes, tmp_path: Path) -> set[str]:
    path = tmp_path / "app.jar"
    path.write_bytes(data)
    return {f.code for f in check_one(path).findings if f.code.startswith("ZIP")}


def patch_eocd(data: bytes, offset: int, layout: str, value: int) -> bytes:
    """Overwrite one field of the (last) end-of-central-directory record."""
    patched = bytearray(data)
    struct.pack_into(layout, patched, data.rindex(EOCD_SIG) + offset, value)
    return bytes(patched)


def with_directory_junk(data: bytes, junk: bytes) -> bytes:
    """Bytes after the last directory record, counted in the end record's directory size."""
    at = data.rindex(EOCD_SIG)
    cd_size = struct.unpack_from("<L", data, at + CD_SIZE)[0]
    return patch_eocd(data[:at] + junk + data[at:], CD_SIZE, "<L", cd_size + len(junk))


def zip64_zip(
    entries: list[Raw] = ENTRIES,
    *,
    disks: tuple[int, int] = (0, 0),
    counts32: tuple[int, int] = (0xFFFF, 0xFFFF),
    record: bool = True,
    locator: bool = True,
    junk: bytes = b"",
) -> bytes:
    """``entries`` ended by a ZIP64 record and locator, the 32-bit end record holding
    0xFFFF/0xFFFFFFFF markers (``counts32``: entries on this disk, in all); ``disks`` are the
    ZIP64 record's disk numbers; ``junk`` follows the last record inside the directory size."""
    plain = hostile.raw_zip(entries)
    at = plain.rindex(EOCD_SIG)
    cd_offset = struct.unpack_from("<L", plain, at + 16)[0]
    head = plain[:at] + junk
    count = len(entries)
    zip64 = struct.pack(
        "<4sQ2H2L4Q",
        b"PK\x06\x06",
        44,
        45,
        45,
        *disks,
        count,
        count,
        len(head) - cd_offset,
        cd_offset,
    )
    pointer = struct.pack("<4sLQL", b"PK\x06\x07", 0, len(head), 1)
    eocd = hostile.EOCD.pack(EOCD_SIG, 0, 0, *counts32, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return head + (zip64 if record else b"") + (pointer if locator else b"") + eocd


def test_sound_archives_built_here_have_no_zip_findings(tmp_path: Path) -> None:
    """The baseline the hostile variants below differ from by one field."""
    assert zip_codes(hostile.raw_zip(ENTRIES), tmp_path) == set()
    assert zip_codes(zip64_zip(), tmp_path) == set()


# ---- multi-disk (split) archives: ZIP002 -------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        patch_eocd(hostile.raw_zip(ENTRIES), DISK, "<H", 1),
        patch_eocd(hostile.raw_zip(ENTRIES), CD_DISK, "<H", 1),
        zip64_zip(disks=(1, 0)),
        zip64_zip(disks=(0, 1)),
    ],
    ids=["eocd-disk", "eocd-cd-disk", "zip64-disk", "zip64-cd-disk"],
)
def test_split_archives_are_refused(data: bytes, tmp_path: Path) -> None:
    found = findings(data, tmp_path, "ZIP002")
    assert [f.message for f in found] == [
        "not a zip archive: a split (multi-disk) archive cannot be read"
    ]


# ---- ZIP64 end records that disagree ------------------------------------------------------


@pytest.mark.parametrize(
    ("counts32", "counted"),
    [((1, 0xFFFF), 1), ((0xFFFF, 1), 1), ((5, 5), 5)],
    ids=["on-this-disk", "in-all", "both"],
)
def test_32_bit_counts_that_disagree_with_the_zip64_record(
    counts32: tuple[int, int], counted: int, tmp_path: Path
) -> None:
    found = findings(zip64_zip(counts32=counts32), tmp_path, "ZIP016")
    assert [f.message for f in found] == [
        f"the end-of-central-directory record counts {counted} entries but the ZIP64 record "
        "counts 2 (expected them to agree)"
    ]


@pytest.mark.parametrize(
    ("data", "missing"),
    [(zip64_zip(locator=False), "locator"), (zip64_zip(record=False), "record")],
    ids=["locator", "record"],
)
def test_a_missing_zip64_locator_or_record_is_truncation(
    data: bytes, missing: str, tmp_path: Path
) -> None:
    found = findings(data, tmp_path, "ZIP003")
    assert [f.message for f in found] == [
        f"the ZIP64 end-of-central-directory {missing} is missing"
    ]


@pytest.mark.parametrize(
    ("data", "record"),
    [
        (with_directory_junk(hostile.raw_zip(ENTRIES), b"\0" * 8), "end-of-central-directory"),
        (zip64_zip(junk=b"\0" * 8), "ZIP64 end-of-central-directory"),
    ],
    ids=["eocd", "zip64"],
)
def test_a_directory_size_that_does_not_end_at_its_last_record(
    data: bytes, record: str, tmp_path: Path
) -> None:
    # 46 bytes: a directory record's fixed part, before its name.
    directory = sum(46 + len(entry.name) for entry in ENTRIES)
    found = findings(data, tmp_path, "ZIP016")
    assert [f.message for f in found] == [
        f"the {record} record gives the central directory {directory + 8} bytes, but its "
        f"2 records end after {directory} (the rest is not a record) (expected them to agree)"
    ]


# ---- ZIP64 extra fields: the local header against the directory (ZIP015) -------------------

PAYLOAD = b"payload " * 50
PACKED = hostile.deflate(PAYLOAD)


def zip64_extra(usize: int, csize: int) -> bytes:
    return struct.pack("<2H2Q", 0x0001, 16, usize, csize)


def zip64_entry(local_usize: int, local_csize: int) -> bytes:
    """``data.txt`` with 0xFFFFFFFF sizes in both headers and the real ones in ZIP64 extra
    fields: the directory's are true, the local header's are the given ones."""
    wide = {"usize": 0xFFFFFFFF, "csize": 0xFFFFFFFF}
    entry = Raw(
        b"data.txt",
        PAYLOAD,
        compressed=PACKED,
        local=dict(wide),
        central=dict(wide),
        local_extra=zip64_extra(local_usize, local_csize),
        central_extra=zip64_extra(len(PAYLOAD), len(PACKED)),
    )
    return hostile.raw_zip([RAW_MANIFEST, entry])


def test_zip64_extra_fields_that_agree_pass(tmp_path: Path) -> None:
    assert zip_codes(zip64_entry(len(PAYLOAD), len(PACKED)), tmp_path) == set()


@pytest.mark.parametrize(
    ("local_usize", "local_csize", "declared"),
    [
        (len(PAYLOAD) + 1, len(PACKED), f"size {len(PAYLOAD) + 1:,} (the directory says 400)"),
        (
            len(PAYLOAD),
            len(PACKED) + 1,
            f"compressed size {len(PACKED) + 1:,} (the directory says {len(PACKED):,})",
        ),
    ],
    ids=["size", "compressed-size"],
)
def test_zip64_extra_fields_that_differ_between_local_header_and_directory(
    local_usize: int, local_csize: int, declared: str, tmp_path: Path
) -> None:
    found = findings(zip64_entry(local_usize, local_csize), tmp_path, "ZIP015")
    assert [(f.entry, f.message) for f in found] == [
        (
            "data.txt",
            "the local header disagrees with the central directory: it declares " + declared,
        )
    ]


# ---- unsafe names: ZIP022 ------------------------------------------------------------------


def test_a_nul_byte_in_a_name_is_a_control_character(tmp_path: Path) -> None:
    # zipfile cuts a name at its first NUL; a C reader may too, and sees "evil.jsp".
    data = hostile.raw_zip([RAW_MANIFEST, Raw(b"evil.jsp\x00.txt", b"x")])
    found = findings(data, tmp_path, "ZIP022")
    assert [(f.entry, f.message) for f in found] == [
        ("evil.jsp\\x00.txt", "unsafe entry name: it contains control characters")
    ]


@pytest.mark.parametrize(
    ("unicode_name", "reason"),
    [
        ("../../.bashrc", "contains a '..' segment (path traversal)"),
        ("/etc/cron.d/evil", "is an absolute path"),
        ("C:/evil.txt", "starts with a drive letter"),
        ("a\\evil.txt", "contains a backslash"),
        ("evil\x00.txt", "contains control characters"),
    ],
    ids=["traversal", "absolute", "drive", "backslash", "nul"],
)
def test_an_unsafe_name_only_in_the_unicode_path_field(
    unicode_name: str, reason: str, tmp_path: Path
) -> None:
    found = findings(hostile.unicode_path("readme.txt", unicode_name), tmp_path, "ZIP022")
    shown = unicode_name.encode("unicode_escape").decode("ascii")
    assert [(f.entry, f.message) for f in found] == [
        (
            "readme.txt",
            f"unsafe entry name in the Unicode Path extra field (0x7075): {shown!r} {reason}",
        )
    ]
