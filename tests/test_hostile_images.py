"""Hostile images: each gets its finding in under 2 s and 200 MB, never a traceback.

Each check runs in a fresh interpreter so that its peak memory (VmHWM) is its own, and the time
measured is the whole check, libmagic and Pillow loading included.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.builders import flat_image
from tests.imagebuilders import (
    WEBP_EXIF,
    bmp_bomb_header,
    corrupt_png_crc,
    full_exif_segment,
    full_photoshop_segment,
    large_iccp_chunk,
    make_animated_webp,
    make_image,
    make_still_webp,
    make_tiny_jar,
    png_bomb_header,
    png_chunk,
    png_with_split_idat,
    webp_chunk,
    with_jpeg_segments,
    with_jpeg_size,
    with_png_chunks,
)
from tests.probe import measured_check

SECONDS = 2.0
PEAK_MB = 200


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose baseline frame header (SOF0) claims width x height."""
    jpeg = make_image(64, 64, "JPEG")
    sof = jpeg.index(b"\xff\xc0")
    return jpeg[: sof + 5] + struct.pack(">HH", height, width) + jpeg[sof + 9 :]


def _jpeg_with(segments: Callable[[], bytes]) -> Callable[[], bytes]:
    """A builder of an 8x8 JPEG with segments after its SOI: built when the test runs."""
    return lambda: with_jpeg_segments(make_image(8, 8, "JPEG"), segments())


# name -> (bytes or a builder of them, image type, the code the verdict must contain)
HOSTILE: dict[str, tuple[bytes | Callable[[], bytes], str, str]] = {
    "pixel-bomb.png": (png_bomb_header(100_000, 100_000), "logo", "IMG020"),
    "pixel-bomb-complete.png": (
        png_bomb_header(100_000, 100_000) + png_chunk(b"IDAT", b"x") + png_chunk(b"IEND", b""),
        "logo",
        "IMG020",
    ),
    "truncated.png": (flat_image(1840, 900)[:-100], "highlight", "IMG021"),
    "bad-crc.png": (corrupt_png_crc(flat_image(1840, 900), b"IDAT"), "highlight", "IMG021"),
    "gif-with-jar.gif": (flat_image(72, 72, "GIF") + make_tiny_jar(), "plugin-logo", "IMG030"),
    "bmp-60000.bmp": (bmp_bomb_header(60_000, 60_000), "plugin-banner", "IMG020"),
    "empty.png": (b"", "logo", "IMG001"),
    "jpeg-65500.jpg": (_jpeg_claiming(65_500, 65_500), "screenshot", "IMG020"),
    # A complete JPEG holding 8x8 pixels of data under a 4000x4000 header: libjpeg would fill
    # the rest with grey and only warn.
    "jpeg-short-data.jpg": (
        with_jpeg_size(make_image(8, 8, "JPEG"), 4000, 4000),
        "highlight",
        "IMG021",
    ),
    # Pillow joins Exif segments one by one: 1,000 of 64 KB took 19 s and 340 MB.
    "jpeg-exif-flood.jpg": (_jpeg_with(lambda: full_exif_segment() * 400), "logo", "IMG021"),
    # libjpeg rescans a run of fill bytes on every block it is fed: 60 MB of them took 29 s
    # (30 MB here, under the 32 MiB read limit).
    "jpeg-fill-flood.jpg": (
        lambda: make_image(8, 8, "JPEG")[:-2] + b"\xff" * 30_000_000 + b"\xd9",
        "logo",
        "IMG021",
    ),
    # The most header segments accepted (119 and Pillow's 9), each as costly as it can be.
    "jpeg-most-exif.jpg": (_jpeg_with(lambda: full_exif_segment() * 119), "logo", "IMG010"),
    "jpeg-most-photoshop.jpg": (
        _jpeg_with(lambda: full_photoshop_segment() * 119),
        "logo",
        "IMG010",
    ),
    # Pillow inflates every iCCP profile, up to 1 MB each: 10,000 of them took 30 s.
    "png-iccp-flood.png": (
        lambda: with_png_chunks(make_image(8, 8), large_iccp_chunk() * 10_000),
        "logo",
        "IMG021",
    ),
    "png-most-iccp.png": (
        lambda: with_png_chunks(make_image(8, 8), large_iccp_chunk() * 126),
        "logo",
        "IMG010",
    ),
    # 12 million pixels (the decode limit) over nearly 50,000 IDAT chunks (the chunk cap):
    # each costs Pillow a call.
    "png-most-idat.png": (lambda: png_with_split_idat(3464, 3464, 49_000), "logo", "IMG010"),
    # Just under the pixel limit: these are decoded, and must still fit the memory bound.
    "largest-decoded.png": (flat_image(3464, 3464), "highlight", "IMG010"),
    # Decoded whole, a 16-megapixel progressive CMYK JPEG peaked at 211 MB: libjpeg keeps every
    # coefficient (128 MB) and Pillow the pixels (64 MB). It is decoded at 1/8 scale now.
    "largest-decoded-cmyk.jpg": (
        lambda: make_image(3464, 3464, "JPEG", "CMYK", progressive=True),
        "highlight",
        "IMG010",
    ),
    "largest-decoded-444.jpg": (
        lambda: make_image(3464, 3464, "JPEG", progressive=True, subsampling=0, quality=95),
        "highlight",
        "IMG010",
    ),
    "largest-decoded-rgba.png": (lambda: make_image(3464, 3464, "PNG", "RGBA"), "logo", "IMG010"),
    # 64 MB of pixels in the file, as many decoded.
    # The largest BMP still read: 3200x3200 RGB is 30.7 MB, under the 32 MiB read limit.
    "largest-decoded-rgb.bmp": (lambda: make_image(3200, 3200, "BMP", "RGB"), "logo", "IMG010"),
    "largest-decoded.gif": (lambda: make_image(3464, 3464, "GIF", "P"), "logo", "IMG010"),
    # 32 MB of empty 8-byte chunks: 4 million, walked to the 50,000-chunk cap.
    "webp-chunk-flood.webp": (
        lambda: make_still_webp(webp_chunk(b"ABCD", b"") * 3_999_990),
        "logo",
        "IMG021",
    ),
    # 500,000 1x1 frames: libwebp would parse and keep every one.
    "webp-anmf-flood.webp": (lambda: make_animated_webp(500_000), "logo", "IMG021"),
    "webp-exif-flood.webp": (
        lambda: make_still_webp(webp_chunk(b"EXIF", bytes(65_536)) * 400, flags=WEBP_EXIF),
        "logo",
        "IMG021",
    ),
    "webp-truncated-chunk.webp": (lambda: make_image(1840, 900, "WEBP")[:-100], "logo", "IMG021"),
    # The most frames accepted on the largest canvas decoded (8 million pixels).
    "webp-most-frames.webp": (lambda: make_animated_webp(10_000, 2828, 2828), "logo", "IMG042"),
    "largest-decoded.webp": (
        lambda: make_image(2828, 2828, "WEBP", lossless=True),
        "highlight",
        "IMG002",
    ),
    # A canvas just under the pixel limit with one 1x1 frame: walked, not decoded, so not read
    # whole (libwebp's two canvases and Pillow's two copies of the frame peaked at 213 MB).
    "webp-huge-canvas.webp": (lambda: make_animated_webp(1, 3464, 3464), "highlight", "IMG021"),
    "webp-canvas-bomb.webp": (lambda: make_animated_webp(1000, 16_384, 16_384), "logo", "IMG020"),
}


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-images")
    for name, (data, _, _) in HOSTILE.items():
        (folder / name).write_bytes(data if isinstance(data, bytes) else data())
    return folder


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_image_gets_bounded_verdict(name: str, hostile_dir: Path) -> None:
    _, image_type, expected = HOSTILE[name]
    verdict = measured_check(hostile_dir / name, image_type)
    assert expected in verdict["codes"], verdict
    assert verdict["seconds"] < SECONDS, verdict
    assert verdict["peak_mb"] < PEAK_MB, verdict
