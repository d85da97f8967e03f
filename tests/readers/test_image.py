"""Tests for the image prober: real formats, sizes, integrity, trailing data, hostile inputs."""

from __future__ import annotations

import io
import itertools
import random
import re
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms

from assetcheck.readers.image import ImageFacts, extension_format, probe_image
from tests.imagebuilders import (
    WEBP_1X1_VP8L,
    WEBP_ALPHA,
    WEBP_ANIMATION,
    WEBP_EXIF,
    WEBP_XMP,
    bmp_bomb_header,
    corrupt_png_crc,
    full_exif_segment,
    full_photoshop_segment,
    jpeg_segment,
    large_iccp_chunk,
    make_animated_gif,
    make_animated_webp,
    make_flat_image,
    make_image,
    make_still_webp,
    make_tiny_jar,
    make_webp,
    png_bomb_header,
    png_chunk,
    png_chunk_offset,
    png_with_split_idat,
    webp_anmf,
    webp_chunk,
    webp_header,
    webp_riff,
    webp_vp8x,
    with_exif_thumbnail,
    with_jpeg_segments,
    with_jpeg_size,
    with_png_chunks,
    with_png_text,
    xmp_extension_segments,
)

# A hostile input must be answered well inside the 2 s the issue allows, on a slow CI machine too.
HOSTILE_SECONDS = 1.0
JAR = make_tiny_jar()
IEND = png_chunk(b"IEND", b"")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="144" height="144"><rect/></svg>'


def timed(probe: Callable[[], ImageFacts]) -> tuple[ImageFacts, float]:
    """The probe's answer and the seconds it took."""
    start = time.perf_counter()
    facts = probe()
    return facts, time.perf_counter() - start


def with_idat_payload(png: bytes, payload: bytes) -> bytes:
    """The PNG with its first IDAT's data replaced, CRC made correct: corrupt but well formed."""
    pos = png_chunk_offset(png, b"IDAT")
    (length,) = struct.unpack_from(">I", png, pos)
    return png[:pos] + png_chunk(b"IDAT", payload) + png[pos + 12 + length :]


def gif_with_overhanging_frame(width: int, height: int) -> bytes:
    """A GIF with a 1x1 logical screen whose only frame claims width x height."""
    gif = make_image(1, 1, "GIF")
    descriptor = gif.index(b"\x2c", 13)
    return gif[: descriptor + 5] + struct.pack("<HH", width, height) + gif[descriptor + 9 :]


def bmp_v5_with_profile(width: int, height: int, profile: bytes) -> bytes:
    """A 24-bit BMP with a V5 header and an ICC profile stored after the pixels, as V5 allows."""
    bmp = make_image(width, height, "BMP")
    pixels_at, info_size = struct.unpack_from("<II", bmp, 10)
    pixels = bmp[pixels_at:]
    v5_size = 124
    v5 = bytearray(v5_size)
    v5[:40] = bmp[14 : 14 + info_size]
    struct.pack_into("<I", v5, 0, v5_size)
    struct.pack_into("<I", v5, 56, 0x4D424544)  # bV5CSType: PROFILE_EMBEDDED
    # bV5ProfileData is relative to the start of the V5 header.
    struct.pack_into("<II", v5, 112, v5_size + len(pixels), len(profile))
    body = bytes(v5) + pixels + profile
    return struct.pack("<2sIHHI", b"BM", 14 + len(body), 0, 0, 14 + v5_size) + body


# --- good images ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "width", "height", "mode", "expected_format", "name"),
    [
        ("PNG", 144, 144, "RGBA", "png", "logo.png"),
        ("PNG", 1120, 548, "RGB", "png", "banner.png"),
        ("PNG", 1, 1, "P", "png", "dot.png"),
        ("JPEG", 1840, 900, "RGB", "jpeg", "highlight1.jpg"),
        ("JPEG", 580, 330, "L", "jpeg", "cropped.jpeg"),
        ("GIF", 144, 144, "P", "gif", "partner.gif"),
        ("BMP", 72, 72, "RGB", "bmp", "vendor.bmp"),
        ("BMP", 17, 5, "1", "bmp", "odd-stride.bmp"),
    ],
)
def test_good_image_facts(
    fmt: str, width: int, height: int, mode: str, expected_format: str, name: str
) -> None:
    facts = probe_image(make_image(width, height, fmt, mode), name)
    assert facts.format == expected_format
    assert facts.extension_format == expected_format
    assert facts.mime is not None and facts.mime.startswith("image/")
    assert (facts.width, facts.height, facts.pixels) == (width, height, width * height)
    assert facts.mode == mode
    assert (facts.frames, facts.is_animated) == (1, False)
    assert facts.decoded
    assert (facts.header_error, facts.decode_error, facts.trailing_bytes) == (None, None, 0)
    assert not facts.pixel_bomb


def test_format_comes_from_content_not_name() -> None:
    # Real apps ship a 1839x635 JPEG named highlight3.png.
    facts = probe_image(make_image(1839, 635, "JPEG"), "images/highlight3.png")
    assert (facts.format, facts.extension_format) == ("jpeg", "png")
    assert (facts.width, facts.height) == (1839, 635)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("logo.png", "png"),
        ("a.jar!/images/LOGO.JPG", "jpeg"),
        ("shot.jpeg", "jpeg"),
        ("icon.GIF", "gif"),
        ("old.bmp", "bmp"),
        ("new.webp", "webp"),
        ("vector.svg", "svg"),
        ("README", None),
        ("notes.txt", None),
        ("archive.png.zip", None),
    ],
)
def test_extension_format(name: str, expected: str | None) -> None:
    assert extension_format(name) == expected


def test_decode_false_reads_header_only() -> None:
    facts = probe_image(make_image(300, 200, "JPEG", "CMYK"), "x.jpg", decode=False)
    assert (facts.width, facts.height, facts.mode) == (300, 200, "CMYK")
    assert not facts.decoded
    assert facts.decode_error is None


# --- formats the Marketplace refuses, and their identities ------------------------------------


def test_webp_is_identified_with_its_size() -> None:
    facts = probe_image(make_webp(64, 32), "x.webp")
    assert (facts.format, facts.mime) == ("webp", "image/webp")
    assert (facts.width, facts.height) == (64, 32)


def test_svg_is_identified_without_size() -> None:
    facts = probe_image(SVG, "logo.png")
    assert (facts.format, facts.mime, facts.extension_format) == ("svg", "image/svg+xml", "png")
    assert (facts.width, facts.height, facts.header_error) == (None, None, None)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (make_image(16, 16, "TIFF"), "tiff"),
        (make_image(16, 16, "ICO"), "ico"),
        (make_image(16, 16, "TGA"), "tga"),
    ],
)
def test_other_formats_are_identified_but_not_read(data: bytes, expected: str) -> None:
    facts = probe_image(data, "image.png")
    assert (facts.format, facts.extension_format) == (expected, "png")
    assert (facts.width, facts.height, facts.decoded) == (None, None, False)
    assert (facts.header_error, facts.decode_error) == (None, None)


def test_cmyk_jpeg_mode() -> None:
    assert probe_image(make_image(64, 64, "JPEG", "CMYK"), "x.jpg").mode == "CMYK"


def test_animated_gif_frames() -> None:
    facts = probe_image(make_animated_gif(32, 32, 3), "anim.gif")
    assert (facts.frames, facts.is_animated, facts.trailing_bytes) == (3, True, 0)
    assert facts.decode_error is None


def test_animated_png_frames() -> None:
    second = Image.new("RGB", (16, 16), "red")
    apng = make_image(16, 16, "PNG", save_all=True, append_images=[second])
    facts = probe_image(apng, "a.png")
    assert (facts.frames, facts.is_animated, facts.decode_error) == (2, True, None)


# --- integrity ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("PNG", "truncated: the PNG"),
        ("JPEG", "truncated: the JPEG"),
        ("GIF", "truncated: the GIF"),
        ("BMP", "truncated: the BMP"),
        ("WEBP", "truncated: the WebP"),
    ],
)
def test_truncated_image(fmt: str, expected: str) -> None:
    data = make_image(120, 80, fmt)
    facts = probe_image(data[: len(data) * 2 // 3], "x")
    assert facts.header_error is None
    assert facts.decode_error is not None and facts.decode_error.startswith(expected)
    assert (facts.width, facts.height) == (120, 80)


@pytest.mark.parametrize("chunk", [b"IHDR", b"tEXt", b"IDAT", b"IEND"])
def test_bad_png_chunk_crc(chunk: bytes) -> None:
    png = with_png_text(make_image(40, 30), "Software", "assetcheck")
    facts = probe_image(corrupt_png_crc(png, chunk), "x.png")
    offset = png_chunk_offset(png, chunk)
    assert facts.decode_error == f"bad CRC in the PNG {chunk.decode()} chunk at offset {offset}"


def test_corrupt_png_data_with_good_crc_fails_decode() -> None:
    png = with_idat_payload(make_image(40, 30), zlib.compress(b"\x09" * 50))
    facts = probe_image(png, "x.png")
    assert facts.decoded
    assert facts.decode_error is not None


def test_png_without_image_data() -> None:
    png = png_bomb_header(4, 4) + IEND
    assert probe_image(png, "x.png").decode_error == "the PNG has no image data (IDAT chunk)"


# --- JPEG image data against the size its header claims --------------------------------------


def test_jpeg_data_too_short_for_its_claimed_size_is_truncated() -> None:
    # A complete file (SOI ... SOS, 8x8 pixels of data, EOI) whose header claims 4000x4000:
    # libjpeg fills the rest with grey and only warns, so the decode alone passes it.
    facts = probe_image(with_jpeg_size(make_image(8, 8, "JPEG"), 4000, 4000), "x.jpg")
    assert (facts.width, facts.height, facts.decoded) == (4000, 4000, False)
    # 4:2:0: 250,000 luma and 2 x 62,500 chroma blocks of at least 2 bits each.
    assert facts.decode_error is not None
    assert facts.decode_error.startswith("truncated: the JPEG holds ")
    assert facts.decode_error.endswith(
        "too few for the 4000x4000 pixels its frame header claims (at least 93,750 bytes expected)"
    )


def test_progressive_jpeg_data_too_short_for_its_claimed_size_is_truncated() -> None:
    jpeg = with_jpeg_size(make_image(8, 8, "JPEG", progressive=True), 4000, 4000)
    facts = probe_image(jpeg, "x.jpg")
    assert facts.decode_error is not None and "too few for the 4000x4000" in facts.decode_error


def test_jpeg_bound_is_tight_on_the_most_compressible_image() -> None:
    # Optimised Huffman tables code a flat block in exactly 2 bits, the bound itself: one more
    # row of blocks than the data holds is already too many.
    jpeg = make_flat_image(1840, 900, optimize=True, subsampling=0)
    assert probe_image(jpeg, "x.jpg").decode_error is None
    facts = probe_image(with_jpeg_size(jpeg, 1840, 908), "x.jpg")
    assert facts.decode_error is not None and "too few for the 1840x908" in facts.decode_error


@pytest.mark.parametrize("mode", ["L", "RGB", "CMYK"])
@pytest.mark.parametrize("size", [(1, 1), (17, 9), (1840, 900)], ids=str)
def test_real_jpegs_hold_their_claimed_size(mode: str, size: tuple[int, int]) -> None:
    # Flat colour is the least data an encoder writes for a size: the worst case for the bound.
    for build, quality, progressive, optimize, subsampling in itertools.product(
        (make_image, make_flat_image), (1, 75, 100), (False, True), (False, True), (0, 2)
    ):
        jpeg = build(
            *size,
            "JPEG",
            mode,
            quality=quality,
            progressive=progressive,
            optimize=optimize,
            subsampling=subsampling,
        )
        facts = probe_image(jpeg, "x.jpg")
        options = (build.__name__, quality, progressive, optimize, subsampling)
        assert (facts.decode_error, facts.decoded) == (None, True), options


def test_arithmetic_coded_jpeg_is_not_held_to_the_huffman_bound() -> None:
    # Arithmetic coding can spend far less than a bit on a flat block: no bound holds there.
    jpeg = with_jpeg_size(make_image(8, 8, "JPEG"), 4000, 4000)
    sof = jpeg.index(b"\xff\xc0")
    arithmetic = jpeg[: sof + 1] + b"\xc9" + jpeg[sof + 2 :]
    facts = probe_image(arithmetic, "x.jpg")
    assert not (facts.decode_error or "").startswith("truncated: the JPEG holds")


@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
def test_large_jpeg_decoded_at_reduced_scale_is_still_checked(progressive: bool) -> None:
    # Over 2 million pixels libjpeg decodes at 1/8 scale, reading every scan all the same.
    jpeg = make_image(2000, 1500, "JPEG", progressive=progressive)
    facts = probe_image(jpeg, "x.jpg")
    assert (facts.width, facts.height, facts.mode) == (2000, 1500, "RGB")
    assert (facts.decoded, facts.decode_error) == (True, None)
    # The first scan's first component names Huffman tables 3 and 3, never defined.
    sos = jpeg.index(b"\xff\xda")
    undefined_tables = jpeg[: sos + 6] + b"\x33" + jpeg[sos + 7 :]
    facts = probe_image(undefined_tables, "x.jpg")
    assert (facts.decoded, facts.decode_error) == (
        True,
        "broken data stream when reading image file",
    )
    # A bogus Huffman table: its code counts add up to more than 256 symbols.
    dht = jpeg.index(b"\xff\xc4")
    bogus_table = jpeg[: dht + 5] + b"\xff" * 16 + jpeg[dht + 21 :]
    assert probe_image(bogus_table, "x.jpg").decode_error is not None
    truncated = probe_image(jpeg[: len(jpeg) // 2], "x.jpg")
    assert truncated.decode_error == "truncated: the JPEG ends inside its image data"


# --- trailing data --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [
        make_image(64, 32, "PNG"),
        make_image(64, 32, "JPEG"),
        make_image(64, 32, "GIF"),
        make_image(64, 32, "BMP"),
        make_image(63, 31, "BMP", mode="P"),
        make_animated_gif(16, 16, 2),
        make_image(64, 32, "JPEG", progressive=True),
        make_webp(64, 32),
    ],
    ids=["png", "jpeg", "gif", "bmp", "bmp-palette", "gif-animated", "jpeg-progressive", "webp"],
)
def test_appended_jar_is_counted_exactly(image: bytes) -> None:
    clean = probe_image(image, "x")
    polyglot = probe_image(image + JAR, "x")
    assert clean.trailing_bytes == 0
    assert polyglot.trailing_bytes == len(JAR)
    assert polyglot.format == clean.format
    assert polyglot.decode_error is None


def test_bmp_profile_after_pixels_is_not_trailing_data() -> None:
    bmp = bmp_v5_with_profile(20, 10, b"\x00" * 48)
    facts = probe_image(bmp, "x.bmp")
    assert (facts.width, facts.height) == (20, 10)
    assert (facts.decode_error, facts.trailing_bytes) == (None, 0)
    assert probe_image(bmp + JAR, "x.bmp").trailing_bytes == len(JAR)


def test_exif_thumbnail_end_marker_is_not_the_image_end() -> None:
    jpeg = with_exif_thumbnail(make_image(64, 32, "JPEG"), make_image(8, 8, "JPEG"))
    # The thumbnail's own EOI comes first: a search for FFD9 would stop there.
    assert jpeg.find(b"\xff\xd9") < len(jpeg) - 2
    facts = probe_image(jpeg, "x.jpg")
    assert (facts.trailing_bytes, facts.decode_error) == (0, None)
    assert probe_image(jpeg + b"PK\x03\x04", "x.jpg").trailing_bytes == 4


def test_jpeg_fill_bytes_and_restart_markers() -> None:
    jpeg = make_image(96, 64, "JPEG", restart_marker_blocks=1)
    assert b"\xff\xd0" in jpeg
    padded = jpeg[:-2] + b"\xff\xff\xff\xd9"
    for data in (jpeg, padded):
        facts = probe_image(data, "x.jpg")
        assert (facts.trailing_bytes, facts.decode_error) == (0, None)


# --- hostile inputs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "width", "height"),
    [
        (png_bomb_header(100_000, 100_000), 100_000, 100_000),
        (bmp_bomb_header(60_000, 60_000), 60_000, 60_000),
        (bmp_bomb_header(60_000, -60_000), 60_000, 60_000),
        (with_jpeg_size(make_image(8, 8, "JPEG"), 65_000, 65_000), 65_000, 65_000),
        (gif_with_overhanging_frame(60_000, 60_000), 1, 1),
        (webp_header(16_384, 16_384), 16_384, 16_384),
    ],
    ids=["png", "bmp", "bmp-top-down", "jpeg", "gif-frame", "webp"],
)
def test_pixel_bomb_is_never_decoded(data: bytes, width: int, height: int) -> None:
    facts, seconds = timed(lambda: probe_image(data, "bomb"))
    assert facts.pixel_bomb
    assert not facts.decoded
    assert (facts.width, facts.height) == (width, height)
    assert facts.header_error is None
    assert seconds < HOSTILE_SECONDS


def test_pillow_ceiling_holds_when_the_caller_raises_max_pixels() -> None:
    sound = png_bomb_header(20_000, 20_000) + png_chunk(b"IDAT", zlib.compress(b"")) + IEND
    facts, seconds = timed(lambda: probe_image(sound, "bomb.png", max_pixels=10**12))
    assert (facts.pixel_bomb, facts.decoded, facts.decode_error) == (True, False, None)
    assert seconds < HOSTILE_SECONDS


def test_max_pixels_is_the_callers_limit() -> None:
    facts = probe_image(make_image(100, 100), "x.png", max_pixels=5_000)
    assert facts.pixel_bomb
    assert not facts.decoded
    assert facts.mode is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty file"),
        (random.Random(3).randbytes(4096), "not an image (application/octet-stream)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", "the PNG header (IHDR) is missing or truncated"),
        (
            b"\xff\xd8\xff\xe0",
            "the JPEG has no readable frame header (SOF): "
            "truncated or corrupt JPEG segment 0xE0 at offset 2",
        ),
        (b"GIF89a", "missing or truncated GIF header"),
        (make_image(4, 4, "BMP")[:20], "the BMP header is truncated"),
        (png_bomb_header(0, 16), "the PNG header claims 0x16 pixels"),
    ],
    ids=["empty", "garbage", "png", "jpeg", "gif", "bmp", "png-zero-width"],
)
def test_unreadable_header(data: bytes, expected: str) -> None:
    facts, seconds = timed(lambda: probe_image(data, "x.png"))
    assert facts.header_error == expected
    assert (facts.width, facts.frames, facts.decoded) == (None, 0, False)
    assert seconds < HOSTILE_SECONDS


def png_chunk_flood() -> bytes:
    # Image data chunks are exempt from the metadata cap, not from this one.
    return with_png_chunks(make_image(8, 8), png_chunk(b"IDAT", b"") * 60_000)


PNG_8X8 = make_image(8, 8)
PNG_METADATA_FLOOD = (
    "the PNG has more than 128 chunks other than image data (IDAT, fdAT, fcTL); "
    "real images have dozens"
)


def jpeg_scan_flood() -> bytes:
    jpeg = make_image(8, 8, "JPEG")
    sos = jpeg.index(b"\xff\xda")
    (length,) = struct.unpack_from(">H", jpeg, sos + 2)
    scan = jpeg[sos : sos + 2 + length] + b"\x00"
    return jpeg[:-2] + scan * 300 + b"\xff\xd9"


def gif_sub_block_flood() -> bytes:
    gif = make_image(8, 8, "GIF")
    comment = b"\x21\xfe" + b"\x01A" * 1_100_000 + b"\x00"
    return gif[:-1] + comment + b"\x3b"


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (png_chunk_flood, "the PNG has more than 50000 chunks"),
        (
            lambda: with_png_chunks(make_image(8, 8), large_iccp_chunk() * 10_000),
            PNG_METADATA_FLOOD,
        ),
        (
            lambda: with_png_chunks(make_image(8, 8), png_chunk(b"teXt", b"") * 129),
            PNG_METADATA_FLOOD,
        ),
        (jpeg_scan_flood, "the JPEG has more than 256 scans"),
        (gif_sub_block_flood, "the GIF has more than 1000000 data sub-blocks"),
    ],
    ids=["png-chunks", "png-iccp", "png-private", "jpeg-scans", "gif-sub-blocks"],
)
def test_structure_floods_are_refused_quickly(build: Callable[[], bytes], expected: str) -> None:
    data = build()
    facts, seconds = timed(lambda: probe_image(data, "x"))
    assert facts.decode_error == expected
    assert not facts.decoded
    assert seconds < HOSTILE_SECONDS


def test_png_within_the_chunk_caps_is_accepted() -> None:
    # 126 metadata chunks (IHDR and IEND make 128), thousands of IDATs, a 300-frame animation.
    most = with_png_chunks(make_image(8, 8), png_chunk(b"teXt", b"k\x00v") * 126)
    frames = [Image.new("RGB", (8, 8), (index, 0, 0)) for index in range(300)]
    animation = make_image(8, 8, "PNG", save_all=True, append_images=frames)
    for png in (most, png_with_split_idat(64, 64, 5_000), animation):
        facts = probe_image(png, "x.png")
        assert (facts.decode_error, facts.decoded) == (None, True)
    assert probe_image(animation, "x.png").frames == 301


JPEG_HEADER_FLOOD = (
    "the JPEG has more than 128 metadata and table segments before its image data "
    "(real images have tens)"
)
JPEG_STRAY_FLOOD = (
    "the JPEG has more than 65,536 fill or stray bytes between its segments (encoders write none)"
)
# 1,008 quantisation tables in one segment, each parsed by Pillow in Python.
DQT_FLOOD = jpeg_segment(0xDB, (b"\x00" + b"\x01" * 64) * 1008)


@pytest.mark.parametrize(
    ("segments", "expected"),
    [
        (jpeg_segment(0xE1, b"Exif\x00\x00") * 5_000, JPEG_HEADER_FLOOD),
        (full_exif_segment() * 200, JPEG_HEADER_FLOOD),
        (full_photoshop_segment() * 200, JPEG_HEADER_FLOOD),
        (jpeg_segment(0xFE, b"") * 5_000, JPEG_HEADER_FLOOD),
        (DQT_FLOOD * 200, JPEG_HEADER_FLOOD),
        (b"\xff" * 70_000, JPEG_STRAY_FLOOD),
        (b"\x00" * 70_000, JPEG_STRAY_FLOOD),
    ],
    ids=["exif", "exif-full", "photoshop-full", "comments", "tables", "fill", "stray"],
)
@pytest.mark.parametrize("before_scan", [True, False], ids=["before-scan", "after-soi"])
def test_jpeg_header_floods_are_refused_before_pillow(
    segments: bytes, expected: str, before_scan: bool
) -> None:
    if segments.startswith(b"\x00") and not before_scan:
        pytest.skip("zeros right after SOI are not a JPEG to libmagic")
    data = with_jpeg_segments(make_image(8, 8, "JPEG"), segments, before_scan=before_scan)
    facts, seconds = timed(lambda: probe_image(data, "x.jpg"))
    # Before the frame header, nothing of the image is known: its header cannot be read.
    assert expected in (facts.decode_error or facts.header_error or "")
    assert (facts.decoded, facts.mode) == (False, None)
    assert seconds < HOSTILE_SECONDS


def test_jpeg_fill_bytes_after_the_scan_are_refused() -> None:
    # libjpeg is fed the file in blocks and rescans a run of fill bytes on each: quadratic.
    jpeg = make_image(8, 8, "JPEG")
    facts = probe_image(jpeg[:-2] + b"\xff" * 70_000 + b"\xd9", "x.jpg")
    assert facts.decode_error == JPEG_STRAY_FLOOD
    assert probe_image(jpeg[:-2] + b"\xff" * 1_000 + b"\xd9", "x.jpg").decode_error is None


def test_metadata_heavy_real_jpeg_is_accepted() -> None:
    # A large XMP packet split over 100 segments, Exif, Photoshop resources: within the caps.
    metadata = xmp_extension_segments(100) + full_exif_segment() + full_photoshop_segment()
    facts = probe_image(with_jpeg_segments(make_image(64, 64, "JPEG"), metadata), "x.jpg")
    assert (facts.decode_error, facts.header_error, facts.decoded) == (None, None, True)


def test_module_import_stays_cheap() -> None:
    # The CLI runs as a pre-commit hook: Pillow and libmagic load only when an image is probed.
    code = (
        "import sys, assetcheck.readers.image; print(sorted({'PIL', 'magic'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --- never raises ---------------------------------------------------------------------------

SEEDS = {
    "png": make_image(24, 12),
    "jpeg": make_image(24, 12, "JPEG"),
    "gif": make_animated_gif(8, 8, 2),
    "bmp": make_image(24, 12, "BMP", mode="P"),
    "exif-jpeg": with_exif_thumbnail(make_image(24, 12, "JPEG"), make_image(8, 8, "JPEG")),
    "webp-animated": make_animated_webp(3, 4, 4),
}


def assert_sane(facts: ImageFacts, data: bytes) -> None:
    """Invariants of any answer, whatever the input."""
    assert facts.size == len(data)
    assert 0 <= facts.trailing_bytes <= len(data)
    for message in (facts.header_error, facts.decode_error):
        if message is not None:
            assert message and "internal error" not in message


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_every_truncation_is_reported(kind: str) -> None:
    data = SEEDS[kind]
    for cut in range(len(data)):
        facts = probe_image(data[:cut], "x")
        assert_sane(facts, data[:cut])
        assert facts.header_error or facts.decode_error, f"{kind} cut at {cut} went unnoticed"


# No example database: it would write .hypothesis/ into the work tree on every run.
PROPERTY = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@settings(PROPERTY, max_examples=150)
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    assert_sane(probe_image(data, "x.png"), data)


@settings(PROPERTY, max_examples=300)
@given(
    st.sampled_from(sorted(SEEDS)),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(1, 255)), max_size=8),
    st.integers(min_value=0),
)
def test_mutated_images_never_raise(kind: str, flips: list[tuple[int, int]], cut: int) -> None:
    mutated = bytearray(SEEDS[kind])
    for position, mask in flips:
        mutated[position % len(mutated)] ^= mask
    data = bytes(mutated[: cut % (len(mutated) + 1)])
    assert_sane(probe_image(data, "x"), data)


# ---- the signature shortcut names what libmagic names -----------------------------------------

_SIGNATURE_PREFIXES = {
    "png": [b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", b"\x89PNG\r\n\x1a\n", b"\x89PNG"],
    "jpeg": [b"\xff\xd8\xff", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", b"\xff\xd8"],
    "gif": [b"GIF89a", b"GIF87a", b"GIF8", b"GIF"],
    "webp": [
        b"RIFF\x00\x00\x00\x00WEBP",
        b"RIFF\x10\x00\x00\x00WEBPVP8 ",
        b"RIFX\x00\x00\x00\x00WEBP",
    ],
}


def _sample_images() -> list[tuple[str, bytes]]:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "samples"
    found = [(p.name, p.read_bytes()) for p in sorted(root.rglob("*")) if extension_format(p.name)]
    built = [
        ("a.png", make_image(40, 30, "PNG")),
        ("a.jpg", make_image(40, 30, "JPEG")),
        ("a.gif", make_animated_gif(20, 10, 3)),
        ("a.webp", make_webp(20, 10)),
        ("a.png", png_bomb_header(100_000, 100_000)),
    ]
    return found + built


def test_the_signature_shortcut_gives_libmagics_mime_on_every_sample_image() -> None:
    import magic

    from assetcheck.readers.image import _signature_mime

    checked = 0
    for name, data in _sample_images():
        shortcut = _signature_mime(data, extension_format(name))
        if shortcut is not None:
            checked += 1
            assert shortcut == magic.from_buffer(data[:8192], mime=True), name
    assert checked >= 10


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fmt=st.sampled_from(sorted(_SIGNATURE_PREFIXES)),
    which=st.integers(0, 3),
    rest=st.binary(min_size=0, max_size=200),
)
def test_the_signature_shortcut_never_disagrees_with_libmagic(
    fmt: str, which: int, rest: bytes
) -> None:
    """Whatever follows a signature, the shortcut answers only what libmagic would answer."""
    import magic

    from assetcheck.readers.image import _signature_mime

    prefixes = _SIGNATURE_PREFIXES[fmt]
    data = prefixes[which % len(prefixes)] + rest
    shortcut = _signature_mime(data, fmt)
    if shortcut is not None:
        assert shortcut == magic.from_buffer(data, mime=True)


_SCAN_END_REFERENCE = re.compile(rb"(?<!\xff)\xff++[^\x00\xd0-\xd7\xff]")


@settings(max_examples=3000, deadline=None)
@given(
    data=st.lists(
        st.sampled_from([b"\xff", b"\x00", b"\xd3", b"\xd9", b"\xc4", b"a"]), max_size=40
    ).map(b"".join),
    pos=st.integers(0, 40),
)
def test_the_jpeg_scan_end_is_the_first_marker_run_at_or_after_pos(data: bytes, pos: int) -> None:
    """The fast search gives what the one-regex definition gives (that regex, with its
    lookbehind, took 0.8 s on 32 MB of coded data)."""
    from assetcheck.readers.image import _jpeg_scan_end

    expected = _SCAN_END_REFERENCE.search(data, min(pos, len(data)))
    found = _jpeg_scan_end(data, min(pos, len(data)))
    assert found == (None if expected is None else expected.start())


# --- WebP: the RIFF chunk walk --------------------------------------------------------------

# Offsets in the hand-built WebPs: RIFF header (12), VP8X (18), then a 28-byte VP8L image or
# a 14-byte ANIM chunk and the frames.
WEBP_AFTER_IMAGE = 58
WEBP_FIRST_FRAME = 44
WEBP_1X1 = webp_chunk(b"VP8L", WEBP_1X1_VP8L)
WEBP_ANIM = webp_chunk(b"ANIM", bytes(6))
EXIF = b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00"


def pillow_webp(image: Image.Image, **save_kwargs: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", **save_kwargs)
    return out.getvalue()


def _pillow_webps() -> dict[str, bytes]:
    """What libwebp writes through Pillow: simple and extended, still and animated, metadata."""
    rgb = Image.linear_gradient("L").resize((64, 48)).convert("RGB")
    rgba = rgb.convert("RGBA")
    rgba.putalpha(128)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    frames = [Image.new("RGB", (20, 20), (index * 30, 0, 0)) for index in range(5)]
    return {
        "lossy": pillow_webp(rgb),
        "lossless": pillow_webp(rgb, lossless=True),
        "alpha": pillow_webp(rgba),
        "metadata": pillow_webp(rgba, icc_profile=icc, exif=EXIF, xmp=b"<x:xmpmeta/>"),
        "animated": pillow_webp(frames[0], save_all=True, append_images=frames[1:]),
        "animated-metadata": pillow_webp(
            rgba, save_all=True, append_images=[rgba.rotate(90)], icc_profile=icc, exif=EXIF
        ),
    }


PILLOW_WEBPS = _pillow_webps()
PILLOW_WEBP_FRAMES = {"animated": 5, "animated-metadata": 2}


@pytest.mark.parametrize("name", sorted(PILLOW_WEBPS))
def test_webps_libwebp_writes_pass_the_walk(name: str) -> None:
    data = PILLOW_WEBPS[name]
    facts = probe_image(data, "x.webp")
    assert (facts.decode_error, facts.header_error, facts.trailing_bytes) == (None, None, 0)
    assert (facts.decoded, facts.frames) == (True, PILLOW_WEBP_FRAMES.get(name, 1))
    assert probe_image(data + JAR, "x.webp").trailing_bytes == len(JAR)


@pytest.mark.parametrize("frames", [2, 3, 10_000])
def test_animated_webp_frames_are_counted_by_the_walk(frames: int) -> None:
    # Pillow only says "more than one" unless it walks the file; the walk counts them all.
    data = make_animated_webp(frames)
    facts, seconds = timed(lambda: probe_image(data, "x.webp"))
    assert (facts.frames, facts.decode_error, facts.decoded) == (frames, None, True)
    assert seconds < HOSTILE_SECONDS


def test_webp_within_the_chunk_caps_is_accepted() -> None:
    exif = webp_chunk(b"EXIF", EXIF)
    most_metadata = make_still_webp(exif * 128, flags=WEBP_EXIF)
    most_chunks = make_still_webp(webp_chunk(b"ABCD", b"") * 49_998)
    for data in (most_metadata, most_chunks, make_animated_webp(10_000)):
        facts = probe_image(data, "x.webp")
        assert (facts.decode_error, facts.decoded) == (None, True)


def _webp_cut(data: bytes, riff_delta: int = 0, cut: int = 0) -> bytes:
    """The WebP with its RIFF size changed by riff_delta and its last `cut` bytes removed."""
    (riff_size,) = struct.unpack_from("<I", data, 4)
    data = data[:4] + struct.pack("<I", riff_size + riff_delta) + data[8:]
    return data[: len(data) - cut]


WEBP_STILL_EXIF = make_still_webp(webp_chunk(b"EXIF", EXIF), flags=WEBP_EXIF)
WEBP_PROBLEMS = {
    "chunk-past-file": (
        _webp_cut(WEBP_STILL_EXIF, cut=3),
        f"truncated: the WebP EXIF chunk at offset {WEBP_AFTER_IMAGE} runs past the end of "
        "the file",
    ),
    "chunk-past-riff": (
        _webp_cut(WEBP_STILL_EXIF, riff_delta=-2),
        f"truncated: the WebP EXIF chunk at offset {WEBP_AFTER_IMAGE} runs past the end of "
        "the RIFF container",
    ),
    "riff-ends-in-chunk-header": (
        make_still_webp(b"EXIF") + JAR,
        f"truncated: the RIFF container ends inside a WebP chunk header at offset "
        f"{WEBP_AFTER_IMAGE}",
    ),
    "riff-past-file": (
        _webp_cut(make_still_webp(), riff_delta=8),
        f"truncated: the WebP needs {WEBP_AFTER_IMAGE + 8} bytes but has {WEBP_AFTER_IMAGE}",
    ),
    "corrupt-chunk-header": (
        make_still_webp(webp_chunk(b"\x00\xffAB", b"")),
        f"corrupt WebP chunk header at offset {WEBP_AFTER_IMAGE}",
    ),
    "chunk-flood": (
        make_still_webp(webp_chunk(b"ABCD", b"") * 60_000),
        "the WebP has more than 50000 chunks",
    ),
    "metadata-flood": (
        make_still_webp(webp_chunk(b"EXIF", EXIF) * 129, flags=WEBP_EXIF),
        "the WebP has more than 128 metadata chunks (ICCP, EXIF, XMP); "
        "the format allows one of each",
    ),
    "xmp-flood": (
        make_still_webp(webp_chunk(b"XMP ", b"<x/>") * 200, flags=WEBP_XMP),
        "the WebP has more than 128 metadata chunks (ICCP, EXIF, XMP); "
        "the format allows one of each",
    ),
    "frame-flood": (
        make_animated_webp(10_001),
        "the WebP has more than 10000 animation frames (ANMF chunks)",
    ),
    "animated-without-frames": (
        webp_riff(webp_vp8x(1, 1, WEBP_ANIMATION) + WEBP_ANIM + WEBP_1X1),
        "the WebP's VP8X header says it is animated but it has no frames (ANMF chunks)",
    ),
    "frames-without-animation-flag": (
        webp_riff(webp_vp8x(1, 1) + WEBP_ANIM + webp_anmf(WEBP_1X1) * 2),
        "the WebP has animation frames (ANMF chunks) but its VP8X header does not say "
        "it is animated",
    ),
    "no-image-data": (
        webp_riff(webp_vp8x(1, 1, WEBP_ALPHA)),
        "the WebP has no image data (VP8 or VP8L chunk)",
    ),
    "iccp-without-flag": (
        make_still_webp(webp_chunk(b"ICCP", b"profile")),
        "the WebP has an ICCP chunk but its VP8X header's ICCP flag is clear",
    ),
    "xmp-flag-without-chunk": (
        make_still_webp(flags=WEBP_XMP),
        "the WebP's VP8X header sets its XMP flag but it has no XMP chunk",
    ),
    "simple-with-more-chunks": (
        webp_riff(WEBP_1X1 + webp_chunk(b"EXIF", EXIF) + webp_chunk(b"JUNK", JAR)),
        "the WebP has 3 chunks but no VP8X header (a simple WebP is one VP8 or VP8L chunk)",
    ),
}


@pytest.mark.parametrize("name", sorted(WEBP_PROBLEMS))
def test_webp_chunk_structure_problems(name: str) -> None:
    data, expected = WEBP_PROBLEMS[name]
    facts, seconds = timed(lambda: probe_image(data, "x.webp"))
    assert (facts.header_error, facts.decode_error) == (None, expected)
    # A broken structure is never handed to Pillow, and has no end to count trailing data from.
    assert (facts.decoded, facts.mode, facts.frames, facts.trailing_bytes) == (False, None, 1, 0)
    assert (facts.width, facts.height) == (1, 1)
    assert seconds < HOSTILE_SECONDS


def test_webp_chunks_are_walked_in_bounded_time() -> None:
    # 32 MB of 8-byte empty chunks: 4 million of them, the walk stops at the cap.
    data = make_still_webp(webp_chunk(b"ABCD", b"") * 4_000_000)
    facts, seconds = timed(lambda: probe_image(data, "x.webp"))
    assert facts.decode_error == "the WebP has more than 50000 chunks"
    assert seconds < HOSTILE_SECONDS


def test_a_webp_too_large_to_decode_is_walked_and_not_read_whole() -> None:
    # libwebp holds two canvases and Pillow two copies of the frame: 16 bytes a pixel.
    large = probe_image(make_animated_webp(2, 3000, 3000), "x.webp")
    assert (large.width, large.height, large.frames) == (3000, 3000, 2)
    assert (large.decoded, large.pixel_bomb) == (False, False)
    assert large.decode_error == (
        "its canvas of 9,000,000 pixels is over the 8,000,000 a WebP is decoded up to (libwebp "
        "needs 16 bytes a pixel), so its image data was not checked"
    )
    # Asked not to decode, a caller gets the facts without the finding.
    assert (
        probe_image(make_animated_webp(2, 3000, 3000), "x.webp", decode=False).decode_error is None
    )
    within = probe_image(make_animated_webp(2, 2828, 2828), "x.webp")
    assert (within.decoded, within.decode_error) == (True, None)
