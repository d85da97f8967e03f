"""Image prober: what an image file really is, read from its bytes, never from its name.

The container structure (PNG chunks, JPEG segments, GIF blocks, BMP headers, WebP RIFF chunks) is
walked without decoding pixels, which gives the dimensions, the frame count, where the image ends
and whether PNG chunk CRCs hold, in one linear pass. Pixels are decoded only after a pixel-count
guard. Problems are returned in `ImageFacts`; nothing here raises on bad input.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Pillow is imported where it is used: importing it costs start-up time on every CLI run.
    from PIL import Image

__all__ = ["ImageFacts", "extension_format", "probe_image"]

# libmagic only needs the start of a file, and handing it all of a large one costs time.
_MAGIC_WINDOW = 8192
_MESSAGE_LIMIT = 200

_MIME_FORMATS = {
    "image/png": "png",
    "image/apng": "png",
    "image/jpeg": "jpeg",
    "image/pjpeg": "jpeg",
    "image/gif": "gif",
    "image/bmp": "bmp",
    "image/x-ms-bmp": "bmp",
    "image/webp": "webp",
    "image/svg+xml": "svg",
    "image/tiff": "tiff",
    "image/vnd.microsoft.icon": "ico",
    "image/x-icon": "ico",
    "image/x-tga": "tga",
}

_EXTENSION_FORMATS = {
    ".png": "png",
    ".apng": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".jpe": "jpeg",
    ".jfif": "jpeg",
    ".gif": "gif",
    ".bmp": "bmp",
    ".dib": "bmp",
    ".webp": "webp",
    ".svg": "svg",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".ico": "ico",
    ".tga": "tga",
}

# Formats handed to Pillow, by its plugin id: only those whose headers are walked here first, so
# the pixel guard holds before Pillow reads anything (Pillow's ICO plugin, for one, decodes an
# embedded PNG while opening). Pillow never guesses among its plugins for untrusted bytes.
_PILLOW_FORMATS = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "bmp": "BMP", "webp": "WEBP"}


@dataclass(frozen=True)
class ImageFacts:
    """What probing one image found. Problems are values here, never exceptions.

    `format` comes from the content (libmagic), `extension_format` from the name. Width, height,
    mode and frames are known for PNG, JPEG, GIF, BMP and WebP; `mode` is None when Pillow was
    not consulted (pixel bombs, broken structures). `frames` is exact for PNG, GIF and WebP
    (counted by the walk), 0 when the header could not be read. `decode_error` is the first
    reason the image does not read completely: found by walking its structure (always, without
    decoding) or by Pillow (the full pixel decode ran when `decoded`).
    """

    size: int
    mime: str | None
    format: str | None
    extension_format: str | None
    width: int | None = None
    height: int | None = None
    mode: str | None = None
    frames: int = 0
    pixel_bomb: bool = False
    decoded: bool = False
    decode_error: str | None = None
    trailing_bytes: int = 0
    header_error: str | None = None

    @property
    def is_animated(self) -> bool:
        """True when the image has more than one frame."""
        return self.frames > 1

    @property
    def pixels(self) -> int | None:
        """Width times height, when both are known."""
        if self.width is None or self.height is None:
            return None
        return self.width * self.height


@dataclass(frozen=True)
class _Layout:
    """What walking a container's structure found, without decoding any pixels."""

    width: int | None = None
    height: int | None = None
    # Pixels a decoder may allocate: more than width*height when GIF frames overhang the screen.
    canvas_pixels: int | None = None
    frames: int | None = None
    end: int | None = None
    header_error: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class _PillowResult:
    """What Pillow made of the image: header facts, then the outcome of the full decode."""

    width: int | None = None
    height: int | None = None
    mode: str | None = None
    frames: int | None = None
    pixel_bomb: bool = False
    decoded: bool = False
    open_error: str | None = None
    decode_error: str | None = None


def probe_image(
    data: bytes,
    name: str,
    *,
    max_pixels: int = 40_000_000,
    decode: bool = True,
    may_decode: Callable[[int], bool] | None = None,
) -> ImageFacts:
    """Probe image bytes: real format, header size, animation, trailing data and integrity.

    `name` is used only for `extension_format`. Pixels are decoded (when `decode`) only if the
    image has at most `max_pixels` pixels and its structure walk found nothing wrong, and, when
    `may_decode` is given, only if it agrees for the image's pixel count (a caller's budget).
    """
    size = len(data)
    claimed = extension_format(name)
    mime = _signature_mime(data, claimed) or _sniff_mime(data)
    fmt = _format_from_mime(mime)
    if not data:
        return ImageFacts(size, mime, None, claimed, header_error="empty file")
    if fmt is None:
        content = mime or "unrecognised content"
        return ImageFacts(size, mime, None, claimed, header_error=f"not an image ({content})")

    layout = _walk(fmt, data)
    if layout.header_error is not None:
        return ImageFacts(size, mime, fmt, claimed, header_error=layout.header_error)
    trailing = size - layout.end if layout.end is not None else 0
    pil_format = _PILLOW_FORMATS.get(fmt)
    if pil_format is None:
        # SVG, TIFF, ICO and other formats the Marketplace refuses: identity only.
        return ImageFacts(size, mime, fmt, claimed, frames=1)
    pixel_bomb = layout.canvas_pixels is not None and layout.canvas_pixels > max_pixels
    problem = layout.problem
    if problem is None and decode and not pixel_bomb and fmt == "webp":
        problem = _webp_too_large(layout.canvas_pixels or 0)
    if pixel_bomb or problem is not None:
        # Pillow only sees sound structures: its header parsing is slow on chunk floods and
        # its answer for a broken file adds nothing to the walk's.
        return ImageFacts(
            size,
            mime,
            fmt,
            claimed,
            width=layout.width,
            height=layout.height,
            frames=layout.frames if layout.frames is not None else 1,
            pixel_bomb=pixel_bomb,
            decode_error=problem,
            trailing_bytes=trailing,
        )

    if decode and may_decode is not None and layout.width is not None and layout.height:
        decode = may_decode(layout.width * layout.height)
    pillow = _read_with_pillow(
        data,
        pil_format,
        max_pixels=max_pixels,
        load=decode,
        count_frames=layout.frames is None,
    )
    if layout.width is None and pillow.open_error is not None:
        # Nothing walked this format's header, and Pillow could not read it either.
        return ImageFacts(size, mime, fmt, claimed, header_error=pillow.open_error)
    return ImageFacts(
        size,
        mime,
        fmt,
        claimed,
        width=layout.width if layout.width is not None else pillow.width,
        height=layout.height if layout.height is not None else pillow.height,
        mode=pillow.mode,
        frames=layout.frames if layout.frames is not None else (pillow.frames or 1),
        pixel_bomb=pillow.pixel_bomb,
        decoded=pillow.decoded,
        decode_error=pillow.open_error or pillow.decode_error,
        trailing_bytes=trailing,
    )


def extension_format(name: str) -> str | None:
    """The format a file name's extension claims ("jpeg" for .jpg), or None when unknown."""
    return _EXTENSION_FORMATS.get(PurePosixPath(name).suffix.lower())


# The upload formats by their first bytes, with the MIME type libmagic gives them: a file whose
# content is what its name says skips libmagic (loading its database costs start-up time).
# Anything else, a mismatch included, is libmagic's to name.
_SIGNATURES = (
    ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", 0, "image/png"),
    ("jpeg", b"\xff\xd8\xff", 0, "image/jpeg"),
    ("gif", b"GIF8", 0, "image/gif"),
    ("webp", b"WEBP", 8, "image/webp"),
)


_SIGNATURE_MIN_BYTES = 64


def _signature_mime(data: bytes, claimed: str | None) -> str | None:
    """The MIME type of data that starts as the format its name claims, else None."""
    if len(data) < _SIGNATURE_MIN_BYTES:
        return None  # libmagic names a few bytes by other rules than their signature
    for fmt, signature, offset, mime in _SIGNATURES:
        if fmt == claimed and data.startswith(signature, offset):
            if offset and not data.startswith(b"RIFF"):
                return None
            return mime
    return None


def _sniff_mime(data: bytes) -> str | None:
    """The MIME type libmagic gives the start of the data, or None when libmagic fails."""
    import magic

    try:
        mime = magic.from_buffer(data[:_MAGIC_WINDOW], mime=True)
    except Exception:
        return None
    return mime if isinstance(mime, str) and mime else None


def _format_from_mime(mime: str | None) -> str | None:
    """A short format name ("png", "jpeg", "svg") for an image MIME type, else None."""
    if mime is None or not mime.startswith("image/"):
        return None
    known = _MIME_FORMATS.get(mime)
    if known is not None:
        return known
    subtype = mime.removeprefix("image/").removeprefix("x-").removeprefix("vnd.")
    return subtype.split("+")[0] or None


def _walk(fmt: str, data: bytes) -> _Layout:
    """Walk the structure of a format we know how to walk; others get an empty layout."""
    walker = _WALKERS.get(fmt)
    if walker is None:
        return _Layout()
    try:
        layout = walker(data)
    except Exception as exc:
        # A walker bug must not end the run; the tests assert this never shows.
        return _Layout(header_error=f"internal error reading the {fmt} structure: {exc!r}")
    if layout.header_error is None and (layout.width == 0 or layout.height == 0):
        size = f"{layout.width}x{layout.height}"
        return _Layout(header_error=f"the {fmt.upper()} header claims {size} pixels")
    return layout


# --- PNG ------------------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_MAX_CHUNK = 2**31 - 1
# Real PNGs have dozens of chunks, or thousands of IDATs; Pillow parses each one in Python.
_PNG_MAX_CHUNKS = 50_000
# Image data and animation frame chunks: many are normal (libpng writes 8 KB IDATs) and cheap.
_PNG_IMAGE_DATA = frozenset({b"IDAT", b"fdAT", b"fcTL"})
# Every other chunk is parsed by Pillow in Python, and each iCCP, zTXt or iTXt inflated up to
# 1 MB: 10,000 iCCP chunks took 30 s, 128 take 0.3 s. Real PNGs have dozens of these.
_PNG_MAX_METADATA_CHUNKS = 128


def _walk_png(data: bytes) -> _Layout:
    """Read IHDR, then walk every chunk to IEND checking CRCs (Pillow skips some of them)."""
    if not data.startswith(_PNG_SIGNATURE):
        return _Layout(header_error="missing PNG signature")
    if len(data) < 33 or data[12:16] != b"IHDR" or data[8:12] != b"\x00\x00\x00\x0d":
        return _Layout(header_error="the PNG header (IHDR) is missing or truncated")
    width, height = struct.unpack_from(">II", data, 16)
    problem, end, frames = _walk_png_chunks(data)
    return _Layout(width, height, width * height, frames, end, problem=problem)


def _walk_png_chunks(data: bytes) -> tuple[str | None, int | None, int]:
    """Walk chunks from IHDR: (first problem, offset past IEND, frame count)."""
    problem: str | None = None
    pos, has_idat, animated, frame_controls = len(_PNG_SIGNATURE), False, False, 0
    metadata = 0
    with memoryview(data) as view:
        for _ in range(_PNG_MAX_CHUNKS):
            if pos + 12 > len(data):
                return problem or "truncated: the PNG ends before its IEND chunk", None, 1
            length, kind = struct.unpack_from(">I4s", data, pos)
            if length > _PNG_MAX_CHUNK or not kind.isalpha():
                return problem or f"corrupt PNG chunk header at offset {pos}", None, 1
            name = kind.decode("ascii")
            end = pos + 12 + length
            if end > len(data):
                message = f"truncated: the PNG {name} chunk at offset {pos} runs past the end"
                return problem or message, None, 1
            (crc,) = struct.unpack_from(">I", data, end - 4)
            if problem is None and zlib.crc32(view[pos + 4 : end - 4]) != crc:
                problem = f"bad CRC in the PNG {name} chunk at offset {pos}"
            if kind not in _PNG_IMAGE_DATA:
                metadata += 1
                if metadata > _PNG_MAX_METADATA_CHUNKS:
                    message = (
                        f"the PNG has more than {_PNG_MAX_METADATA_CHUNKS} chunks other than "
                        "image data (IDAT, fdAT, fcTL); real images have dozens"
                    )
                    return problem or message, None, 1
            has_idat = has_idat or kind == b"IDAT"
            animated = animated or kind == b"acTL"
            if kind == b"fcTL":
                frame_controls += 1
            if kind == b"IEND":
                if not has_idat:
                    problem = problem or "the PNG has no image data (IDAT chunk)"
                return problem, end, max(frame_controls, 1) if animated else 1
            pos = end
    return problem or f"the PNG has more than {_PNG_MAX_CHUNKS} chunks", None, 1


# --- JPEG -----------------------------------------------------------------------------------

# Start-of-frame markers carry the image size; DHT (C4), JPG (C8) and DAC (CC) share the range.
_JPEG_SOF = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)
# Huffman-coded DCT frames, the only ones whose scans' least size is bounded below (see
# _jpeg_data_shortfall): baseline, extended sequential, progressive. Arithmetic coding can spend
# far less than a bit on a block, lossless frames have no blocks, hierarchical frames are
# refinements of one another.
_JPEG_HUFFMAN_DCT = frozenset({0xC0, 0xC1, 0xC2})
_JPEG_PROGRESSIVE = frozenset({0xC2, 0xC6, 0xCA, 0xCE})
_JPEG_SOS, _JPEG_EOI = 0xDA, 0xD9
# Markers without a length: TEM and RST0-7.
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
# Entropy-coded data ends at 0xFF followed by a marker code: not 0x00 (a stuffed 0xFF byte),
# not RST0-7 (restart points inside the scan), not 0xFF (fill bytes before the marker). The
# scan's end is the first of any fill bytes before the marker: they are not image data. The
# candidate pattern is plain, so the regex engine looks for the 0xFF byte at C speed (a
# lookbehind first made it try every position: 0.8 s for 32 MB); runs of 0xFF are skipped by
# a regex too, so the search is linear and in C however the bytes are laid out.
_JPEG_MARKER_CANDIDATE = re.compile(rb"\xff[^\x00\xd0-\xd7]")
_JPEG_FILL = re.compile(rb"\xff+")
_JPEG_NOT_MARKER = frozenset((0x00, *range(0xD0, 0xD8)))
# Each progressive scan is a pass over the whole image; thousands of tiny scans make a cheap file
# that takes minutes to decode. Real encoders write about ten.
_JPEG_MAX_SCANS = 256
# Pillow parses the segments before the first scan in Python, byte by byte between them:
# 1,000 Exif segments (which it joins one by one, quadratically) took 20 s and 340 MB, 100
# DQT segments of 1,008 tables each 0.3 s, 8 MB of fill bytes 3.7 s. Real JPEGs have tens of
# segments there: extended XMP or a large ICC profile split over 64 KB segments make about a
# hundred. 128 full-size segments take Pillow about 0.6 s at worst.
_JPEG_MAX_HEADER_SEGMENTS = 128
# Encoders write no bytes between segments; libjpeg warns about any that are not fill bytes.
# Pillow reads those before the first scan one at a time, and feeding libjpeg a long run of
# fill bytes after a scan is quadratic (60 MB of them took 25 s and 200 MB).
_JPEG_MAX_STRAY_BYTES = 64 * 1024
# All segments: libjpeg parses those after the first scan in C; the tables before each of
# the 256 scans fit well within this.
_JPEG_MAX_SEGMENTS = 2_048
_JPEG_FILL = re.compile(rb"\xff+")


@dataclass
class _JpegFrame:
    """What the frame header (SOF) says, and what the scans so far hold."""

    marker: int
    width: int
    height: int
    # Component id -> (horizontal, vertical) sampling factors; empty when unreadable.
    sampling: dict[int, tuple[int, int]]
    # Least number of bits the DC-coding scans need for all their blocks, and the bytes of
    # entropy-coded data that all scans hold.
    bits_needed: int = 0
    data_bytes: int = 0
    dc_coded: set[int] = field(default_factory=set)


def _walk_jpeg(data: bytes) -> _Layout:
    """Walk segments from SOI to the EOI that ends the main image (not a thumbnail's)."""
    if not data.startswith(b"\xff\xd8"):
        return _Layout(header_error="missing JPEG start-of-image marker")
    frame: _JpegFrame | None = None
    scans, stray, pos = 0, 0, 2
    for segments in range(1, _JPEG_MAX_SEGMENTS + 1):
        found = _next_jpeg_marker(data, pos)
        if found is None:
            return _jpeg_layout(frame, problem="truncated: the JPEG ends before its EOI marker")
        marker, after = found
        stray += after - 2 - pos
        problem = _jpeg_flood(segments if scans == 0 else 0, stray)
        if problem is not None:
            return _jpeg_layout(frame, problem=problem)
        pos = after
        if marker == _JPEG_EOI:
            return _jpeg_layout(frame, end=pos, problem=_jpeg_data_shortfall(frame))
        if marker == 0xD8:
            return _jpeg_layout(frame, problem=f"a second JPEG start-of-image marker at {pos - 2}")
        if marker in _JPEG_STANDALONE:
            continue
        segment_end = _jpeg_segment_end(data, pos)
        if segment_end is None:
            problem = f"truncated or corrupt JPEG segment 0x{marker:02X} at offset {pos - 2}"
            return _jpeg_layout(frame, problem=problem)
        if marker in _JPEG_SOF and frame is None and segment_end - pos >= 7:
            frame = _read_jpeg_frame(data, marker, pos, segment_end)
        header_at, pos = pos, segment_end
        if marker == _JPEG_SOS:
            scans += 1
            scan_end = _jpeg_scan_end(data, pos)
            if scans > _JPEG_MAX_SCANS:
                problem = f"the JPEG has more than {_JPEG_MAX_SCANS} scans"
                return _jpeg_layout(frame, problem=problem)
            if scan_end is None:
                problem = "truncated: the JPEG ends inside its image data"
                return _jpeg_layout(frame, problem=problem)
            if frame is not None:
                _count_jpeg_scan(frame, data, header_at, segment_end, scan_end - pos)
            pos = scan_end
    problem = f"the JPEG has more than {_JPEG_MAX_SEGMENTS} segments (real images have tens)"
    return _jpeg_layout(frame, problem=problem)


def _jpeg_scan_end(data: bytes, pos: int) -> int | None:
    """Where the marker after a scan's coded data starts: the first run of 0xFF bytes that
    begins at or after ``pos`` (a run that began before it does not count) and ends in a
    marker code, not a stuffed zero or a restart marker; None when the data ends first."""
    while (found := _JPEG_MARKER_CANDIDATE.search(data, pos)) is not None:
        start = found.start()  # the first 0xFF of a run at or after pos
        run = _JPEG_FILL.match(data, start)
        end = run.end() if run is not None else start + 1
        inside_earlier_run = start == pos and pos > 0 and data[pos - 1] == 0xFF
        if not inside_earlier_run and end < len(data) and data[end] not in _JPEG_NOT_MARKER:
            return start
        pos = end
    return None


def _jpeg_flood(header_segments: int, stray: int) -> str | None:
    """Why a JPEG's segments so far are too much for Pillow to parse, or None."""
    if header_segments > _JPEG_MAX_HEADER_SEGMENTS:
        return (
            f"the JPEG has more than {_JPEG_MAX_HEADER_SEGMENTS} metadata and table segments "
            "before its image data (real images have tens)"
        )
    if stray > _JPEG_MAX_STRAY_BYTES:
        return (
            f"the JPEG has more than {_JPEG_MAX_STRAY_BYTES:,} fill or stray bytes between "
            "its segments (encoders write none)"
        )
    return None


def _read_jpeg_frame(data: bytes, marker: int, pos: int, end: int) -> _JpegFrame:
    """The frame header whose length field is at pos: size, and sampling when it is sound."""
    height, width, count = struct.unpack_from(">HHB", data, pos + 3)
    sampling: dict[int, tuple[int, int]] = {}
    if end - pos >= 8 + 3 * count:
        for at in range(pos + 8, pos + 8 + 3 * count, 3):
            component, factors = data[at], data[at + 1]
            sampling[component] = (factors >> 4, factors & 0x0F)
    if not all(1 <= h <= 4 and 1 <= v <= 4 for h, v in sampling.values()):
        sampling = {}  # libjpeg refuses it; no bound to compute
    return _JpegFrame(marker, width, height, sampling)


def _count_jpeg_scan(frame: _JpegFrame, data: bytes, pos: int, end: int, size: int) -> None:
    """Add one scan (header length field at pos, `size` bytes of coded data) to the frame."""
    frame.data_bytes += size
    if frame.marker not in _JPEG_HUFFMAN_DCT or not frame.sampling or end - pos < 3:
        return
    count = data[pos + 2]
    if end - pos < 6 + 2 * count:
        return
    spectral_start, spectral_end = data[pos + 3 + 2 * count], data[pos + 4 + 2 * count]
    if spectral_start != 0:
        return  # AC-only progressive scans: one end-of-band run can cover thousands of blocks
    # Every block of a DC-coding scan costs a Huffman code of at least one bit; a sequential
    # scan adds at least one for its AC coefficients (an end-of-block code or a coefficient).
    per_block = 2 if frame.marker not in _JPEG_PROGRESSIVE and spectral_end > 0 else 1
    for at in range(pos + 3, pos + 3 + 2 * count, 2):
        component = data[at]
        if component in frame.sampling:
            frame.bits_needed += per_block * _jpeg_blocks(frame, component)
            frame.dc_coded.add(component)


def _jpeg_blocks(frame: _JpegFrame, component: int) -> int:
    """8x8 blocks of one component: the fewest any scan of it codes (interleaved ones pad)."""
    h, v = frame.sampling[component]
    h_max = max(f[0] for f in frame.sampling.values())
    v_max = max(f[1] for f in frame.sampling.values())
    columns = -(-frame.width * h // h_max)
    rows = -(-frame.height * v // v_max)
    return -(-columns // 8) * -(-rows // 8)


def _jpeg_data_shortfall(frame: _JpegFrame | None) -> str | None:
    """Why the scans cannot hold the image the frame header claims, or None when they can.

    A lower bound only: libjpeg fills whatever the data does not cover with grey and merely
    warns, so a 4000x4000 header over an 8x8 image would otherwise decode without complaint.
    """
    if frame is None or frame.marker not in _JPEG_HUFFMAN_DCT or not frame.sampling:
        return None
    # A component no DC-coding scan covers still needs its blocks coded somewhere.
    bits = frame.bits_needed + sum(
        _jpeg_blocks(frame, c) for c in frame.sampling if c not in frame.dc_coded
    )
    needed = -(-bits // 8)
    if frame.data_bytes >= needed:
        return None
    return (
        f"truncated: the JPEG holds {frame.data_bytes:,} bytes of image data, too few for the "
        f"{frame.width}x{frame.height} pixels its frame header claims "
        f"(at least {needed:,} bytes expected)"
    )


def _jpeg_layout(
    frame: _JpegFrame | None, *, end: int | None = None, problem: str | None = None
) -> _Layout:
    """The layout of a walked JPEG; without a frame header there is no image to speak of."""
    if frame is None:
        why = f": {problem}" if problem is not None else ""
        return _Layout(header_error=f"the JPEG has no readable frame header (SOF){why}")
    width, height = frame.width, frame.height
    return _Layout(width, height, width * height, 1, end, problem=problem)


def _next_jpeg_marker(data: bytes, pos: int) -> tuple[int, int] | None:
    """(marker code, offset after it) of the next marker at or after pos, skipping fill bytes.

    Stray bytes between segments are skipped as libjpeg does (it only warns about them).
    """
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0:
            return None
        fill = _JPEG_FILL.match(data, pos)
        pos = fill.end() if fill is not None else pos + 1
        if pos >= len(data):
            return None
        if data[pos] != 0x00:
            return data[pos], pos + 1
        pos += 1


def _jpeg_segment_end(data: bytes, pos: int) -> int | None:
    """Offset past the segment whose length field is at pos, or None if it does not fit."""
    if pos + 2 > len(data):
        return None
    (length,) = struct.unpack_from(">H", data, pos)
    end = pos + length
    return end if length >= 2 and end <= len(data) else None


# --- GIF ------------------------------------------------------------------------------------

# Encoders fill sub-blocks to 255 bytes; a flood of tiny ones costs time and means nothing.
_GIF_MAX_SUB_BLOCKS = 1_000_000


def _walk_gif(data: bytes) -> _Layout:
    """Walk header, colour tables, extensions and frames to the trailer byte (0x3B)."""
    if len(data) < 13 or data[:6] not in (b"GIF87a", b"GIF89a"):
        return _Layout(header_error="missing or truncated GIF header")
    width, height, packed = struct.unpack_from("<HHB", data, 6)
    canvas_w, canvas_h, frames, budget = width, height, 0, _GIF_MAX_SUB_BLOCKS
    pos: int | None = 13 + _gif_color_table_size(packed)
    while pos is not None and pos < len(data) and data[pos] != 0x3B:
        if data[pos] == 0x21:
            blocks_at = pos + 2  # introducer and label, then the extension's data
        elif data[pos] == 0x2C and pos + 10 <= len(data):
            left, top, frame_w, frame_h, frame_packed = struct.unpack_from("<HHHHB", data, pos + 1)
            # Pillow grows the canvas to fit a frame that overhangs the logical screen.
            canvas_w, canvas_h = max(canvas_w, left + frame_w), max(canvas_h, top + frame_h)
            frames += 1
            # The descriptor, its local colour table, the LZW minimum code size byte.
            blocks_at = pos + 10 + _gif_color_table_size(frame_packed) + 1
        elif data[pos] == 0x2C:
            pos = None
            break
        else:
            problem = f"unexpected byte 0x{data[pos]:02X} in the GIF at offset {pos}"
            return _Layout(width, height, canvas_w * canvas_h, frames, problem=problem)
        pos, used = _skip_gif_sub_blocks(data, blocks_at, budget)
        budget -= used
        if budget < 0:
            problem = f"the GIF has more than {_GIF_MAX_SUB_BLOCKS} data sub-blocks"
            return _Layout(width, height, canvas_w * canvas_h, frames, problem=problem)
    canvas = canvas_w * canvas_h
    if pos is None or pos >= len(data):
        problem = "truncated: the GIF ends before its trailer"
        return _Layout(width, height, canvas, frames, problem=problem)
    if frames == 0:
        return _Layout(width, height, canvas, frames, problem="the GIF has no image")
    return _Layout(width, height, canvas, frames, end=pos + 1)


def _gif_color_table_size(packed: int) -> int:
    """Bytes in the colour table that a descriptor's packed field announces."""
    return 3 << ((packed & 0x07) + 1) if packed & 0x80 else 0


def _skip_gif_sub_blocks(data: bytes, pos: int, budget: int) -> tuple[int | None, int]:
    """(offset past the terminating empty sub-block or None if truncated, sub-blocks read).

    Stops after budget + 1 sub-blocks, so the caller can tell a flood from a real image.
    """
    count = 0
    while pos < len(data) and count <= budget:
        length = data[pos]
        pos += 1 + length
        count += 1
        if length == 0:
            return pos, count
    return None, count


# --- BMP ------------------------------------------------------------------------------------

# DIB header sizes Pillow reads: OS/2 1.x core (12), then Windows INFO (40) and its descendants.
_BMP_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})
_BMP_UNCOMPRESSED = frozenset({0, 3, 6})  # BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS
_BMP_PROFILE_EMBEDDED = 0x4D424544  # "MBED"


def _walk_bmp(data: bytes) -> _Layout:
    """Read the BMP headers and compute where its pixel data (and any ICC profile) ends.

    The end is computed from the pixel layout, not taken from bfSize: a polyglot builder sets
    bfSize to cover whatever it appends.
    """
    if len(data) < 18 or data[:2] != b"BM":
        return _Layout(header_error="missing or truncated BMP header")
    pixels_at, header_size = struct.unpack_from("<II", data, 10)
    if header_size not in _BMP_HEADER_SIZES:
        return _Layout(header_error=f"unsupported BMP header size {header_size}")
    if len(data) < 14 + min(header_size, 40):
        return _Layout(header_error="the BMP header is truncated")
    if header_size == 12:
        width, height, _planes, bits = struct.unpack_from("<HHHH", data, 18)
        compression, image_size = 0, 0
    else:
        width, height, _planes, bits, compression, image_size = struct.unpack_from(
            "<iiHHII", data, 18
        )
    if width < 0:
        return _Layout(header_error=f"the BMP header claims a negative width ({width})")
    height = abs(height)  # negative means rows are stored top-down
    if compression in _BMP_UNCOMPRESSED:
        end = pixels_at + (width * bits + 31) // 32 * 4 * height
    else:
        # RLE, JPEG or PNG payloads: only the header's byte count says where they end.
        end = pixels_at + image_size
    end = max(end, _bmp_profile_end(data, header_size))
    problem = None
    if end > len(data):
        problem = f"truncated: the BMP needs {end} bytes but has {len(data)}"
    return _Layout(
        width, height, width * height, 1, end if problem is None else None, problem=problem
    )


def _bmp_profile_end(data: bytes, header_size: int) -> int:
    """Offset past an embedded ICC profile (V5 headers put it after the pixels), else 0."""
    if header_size != 124 or len(data) < 14 + 124:
        return 0
    (color_space,) = struct.unpack_from("<I", data, 14 + 56)
    if color_space != _BMP_PROFILE_EMBEDDED:
        return 0
    profile_at, profile_size = struct.unpack_from("<II", data, 14 + 112)
    return int(14 + profile_at + profile_size)


# --- WebP -----------------------------------------------------------------------------------

# Real WebPs have a handful of RIFF chunks, animations one more per frame; libwebp's demuxer
# keeps a record of each, and a 32 MiB file of empty chunks holds 4 million of them.
_WEBP_MAX_CHUNKS = 50_000
# Animation frames (ANMF chunks): Pillow decodes only the first, but libwebp parses and
# validates every one when the file is opened. Real animations have hundreds.
_WEBP_MAX_FRAMES = 10_000
# The format allows one ICCP, EXIF and XMP chunk each; libwebp keeps every copy. As for PNG,
# more than 128 is a flood.
_WEBP_MAX_METADATA_CHUNKS = 128
# Metadata chunks and the VP8X flag that announces each: libwebp ignores a chunk whose flag is
# clear, where other readers use it.
_WEBP_METADATA_FLAGS = {b"ICCP": 0x20, b"EXIF": 0x08, b"XMP ": 0x04}
_WEBP_ANIMATION_FLAG = 0x02
_WEBP_IMAGE_DATA = frozenset({b"VP8 ", b"VP8L"})
# Pillow reads every WebP through libwebp's animation decoder, which holds two canvases while
# Pillow copies the frame out and into the image: 16 bytes a pixel, so a 12-megapixel WebP
# peaked at 213 MB. Larger WebPs are walked, not decoded, and so not read whole (IMG021): no
# upload takes WebP (IMG002), and no listing image is over 2 megapixels.
_WEBP_MAX_DECODED_PIXELS = 8_000_000


def _webp_too_large(pixels: int) -> str | None:
    """Why a WebP is not decoded (and so not read whole), or None when it is decoded."""
    if pixels <= _WEBP_MAX_DECODED_PIXELS:
        return None
    return (
        f"its canvas of {pixels:,} pixels is over the {_WEBP_MAX_DECODED_PIXELS:,} a WebP is "
        "decoded up to (libwebp needs 16 bytes a pixel), so its image data was not checked"
    )


def _walk_webp(data: bytes) -> _Layout:
    """Read the canvas size from the first chunk, then walk every RIFF chunk to the RIFF's end."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return _Layout(header_error="missing or truncated WebP RIFF header")
    size = _webp_size(data)
    if size is None:
        return _Layout(header_error="missing or truncated WebP image header")
    width, height = size
    (riff_size,) = struct.unpack_from("<I", data, 4)
    end = 8 + riff_size + (riff_size & 1)  # chunks are padded to an even size
    problem, frames = _walk_webp_chunks(data, end)
    if problem is not None:
        return _Layout(width, height, width * height, 1, problem=problem)
    return _Layout(width, height, width * height, frames, end)


def _walk_webp_chunks(data: bytes, riff_end: int) -> tuple[str | None, int]:
    """Walk the chunks from the first to the RIFF's end: (first problem, frame count)."""
    limit = min(riff_end, len(data))
    container = "the file" if len(data) < riff_end else "the RIFF container"
    pos, chunks, frames, metadata = 12, 0, 0, 0
    seen: set[bytes] = set()
    while pos < limit or chunks == 0:
        chunks += 1
        if chunks > _WEBP_MAX_CHUNKS:
            return f"the WebP has more than {_WEBP_MAX_CHUNKS} chunks", 1
        if pos + 8 > limit:
            return f"truncated: {container} ends inside a WebP chunk header at offset {pos}", 1
        kind, length = struct.unpack_from("<4sI", data, pos)
        if not all(0x20 <= byte <= 0x7E for byte in kind):
            return f"corrupt WebP chunk header at offset {pos}", 1
        name = kind.decode("ascii").rstrip()
        end = pos + 8 + length + (length & 1)
        if end > limit:
            where = f"the WebP {name} chunk at offset {pos}"
            return f"truncated: {where} runs past the end of {container}", 1
        metadata += kind in _WEBP_METADATA_FLAGS
        frames += kind == b"ANMF"
        if metadata > _WEBP_MAX_METADATA_CHUNKS:
            return (
                f"the WebP has more than {_WEBP_MAX_METADATA_CHUNKS} metadata chunks "
                "(ICCP, EXIF, XMP); the format allows one of each"
            ), 1
        if frames > _WEBP_MAX_FRAMES:
            return f"the WebP has more than {_WEBP_MAX_FRAMES} animation frames (ANMF chunks)", 1
        seen.add(kind)
        pos = end
    if pos < riff_end:
        return f"truncated: the WebP needs {riff_end} bytes but has {len(data)}", 1
    problem = _webp_chunks_problem(data, seen, chunks)
    animated = data[12:16] == b"VP8X" and data[20] & _WEBP_ANIMATION_FLAG
    return problem, frames if animated and problem is None else 1


def _webp_chunks_problem(data: bytes, seen: set[bytes], chunks: int) -> str | None:
    """Why the chunks present disagree with the header (the first chunk), or None."""
    if data[12:16] != b"VP8X":
        if chunks > 1:
            return (
                f"the WebP has {chunks} chunks but no VP8X header "
                "(a simple WebP is one VP8 or VP8L chunk)"
            )
        return None
    flags = data[20]
    if flags & _WEBP_ANIMATION_FLAG:
        if b"ANMF" not in seen:
            return "the WebP's VP8X header says it is animated but it has no frames (ANMF chunks)"
    elif b"ANMF" in seen:
        return (
            "the WebP has animation frames (ANMF chunks) but its VP8X header does not say "
            "it is animated"
        )
    elif not seen & _WEBP_IMAGE_DATA:
        return "the WebP has no image data (VP8 or VP8L chunk)"
    for kind, flag in _WEBP_METADATA_FLAGS.items():
        name = kind.decode("ascii").rstrip()
        if kind in seen and not flags & flag:
            return f"the WebP has an {name} chunk but its VP8X header's {name} flag is clear"
        if flags & flag and kind not in seen:
            return f"the WebP's VP8X header sets its {name} flag but it has no {name} chunk"
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the VP8X, VP8L or VP8 chunk that starts a WebP, else None."""
    kind = data[12:16]
    if kind == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if kind == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        (bits,) = struct.unpack_from("<I", data, 21)
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if kind == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack_from("<HH", data, 26)
        return width & 0x3FFF, height & 0x3FFF
    return None


_WALKERS = {
    "png": _walk_png,
    "jpeg": _walk_jpeg,
    "gif": _walk_gif,
    "bmp": _walk_bmp,
    "webp": _walk_webp,
}


# --- Pillow ---------------------------------------------------------------------------------

# JPEGs larger than any listing image (1840x900 is 1.7 million pixels) are decoded at 1/8 scale:
# a 16-megapixel progressive CMYK one peaked at 211 MB decoded whole.
_JPEG_FULL_DECODE_PIXELS = 2_000_000


def _read_with_pillow(
    data: bytes, pil_format: str, *, max_pixels: int, load: bool, count_frames: bool
) -> _PillowResult:
    """Open with Pillow (headers only), then decode every pixel of the first frame if asked."""
    from PIL import Image

    with warnings.catch_warnings():
        # Pillow warns about odd but readable files and about large images; the facts say it.
        warnings.simplefilter("ignore")
        try:
            image = Image.open(io.BytesIO(data), formats=[pil_format])
        except Image.DecompressionBombError:
            # Pillow's own ceiling, lower than max_pixels when a caller raises that.
            return _PillowResult(pixel_bomb=True)
        except Exception as exc:
            return _PillowResult(open_error=_describe(exc))
        with image:
            return _inspect_opened(
                image, max_pixels=max_pixels, load=load, count_frames=count_frames
            )


def _inspect_opened(
    image: Image.Image, *, max_pixels: int, load: bool, count_frames: bool
) -> _PillowResult:
    """Header facts of an opened Pillow image, and the outcome of loading it when asked."""
    width, height = image.size
    mode = image.mode
    frames: int | None = None
    if count_frames:
        try:
            # is_animated looks for a second frame only; n_frames may walk the whole file.
            frames = 2 if getattr(image, "is_animated", False) else 1
        except Exception as exc:
            return _PillowResult(width, height, mode, 1, open_error=_describe(exc))
    if width * height > max_pixels:
        return _PillowResult(width, height, mode, frames, pixel_bomb=True)
    if not load:
        return _PillowResult(width, height, mode, frames)
    try:
        if image.format == "JPEG" and width * height > _JPEG_FULL_DECODE_PIXELS:
            # DCT scaling: libjpeg still reads and Huffman-decodes every scan, which is what
            # the integrity check needs, but the pixels it writes are 1/64 of the image's.
            image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
        image.load()
    except Exception as exc:
        return _PillowResult(width, height, mode, frames, decoded=True, decode_error=_describe(exc))
    return _PillowResult(width, height, mode, frames, decoded=True)


_OBJECT_REPR = re.compile(r" ?<[^<>]* at 0x[0-9A-Fa-f]+>")


def _describe(exc: BaseException) -> str:
    """A short, one-line message for an exception raised by a decoder."""
    # Pillow names the stream it read ("cannot identify image file <_io.BytesIO object at
    # 0x7f...>"): an address differs on every run, and says nothing to the user.
    message = _OBJECT_REPR.sub("", " ".join(str(exc).split())).strip()
    message = message or type(exc).__name__
    if len(message) > _MESSAGE_LIMIT:
        message = message[: _MESSAGE_LIMIT - 3] + "..."
    return message
