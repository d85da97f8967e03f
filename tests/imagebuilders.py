"""Build image bytes in code, so no test or sample depends on a binary fixture.

Good images come from Pillow; hostile ones (pixel bombs, bad CRCs, EXIF thumbnails) are crafted
byte by byte, because Pillow refuses to write them.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image, features

from tests.builders import make_zip

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make_image(
    width: int, height: int, fmt: str = "PNG", mode: str = "RGB", **save_kwargs: object
) -> bytes:
    """Encode a deterministic gradient of the given size, format and Pillow mode."""
    gradient = Image.linear_gradient("L").resize((width, height))
    image = gradient.convert(mode)
    out = io.BytesIO()
    image.save(out, fmt, **save_kwargs)
    return out.getvalue()


def make_flat_image(
    width: int, height: int, fmt: str = "JPEG", mode: str = "RGB", **save_kwargs: object
) -> bytes:
    """One flat colour: the most compressible image, so the least data its size can take."""
    colour = {"1": 1, "L": 90, "RGB": (38, 132, 255), "CMYK": (85, 40, 0, 10)}[mode]
    out = io.BytesIO()
    Image.new(mode, (width, height), colour).save(out, fmt, **save_kwargs)
    return out.getvalue()


def with_jpeg_size(jpeg: bytes, width: int, height: int) -> bytes:
    """The JPEG with its frame header (SOF0 or SOF2) claiming another size, data unchanged."""
    sof = next(at for at in (jpeg.find(b"\xff\xc0"), jpeg.find(b"\xff\xc2")) if at >= 0)
    return jpeg[: sof + 5] + struct.pack(">HH", height, width) + jpeg[sof + 9 :]


def make_animated_gif(width: int, height: int, frames: int) -> bytes:
    """An animated GIF whose frames differ, so Pillow keeps every one of them."""
    images = [
        Image.new("RGB", (width, height), (index * 40 % 256, 0, 0)) for index in range(frames)
    ]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return out.getvalue()


def make_webp(width: int, height: int) -> bytes:
    """A WebP image: from Pillow when it has WebP support, else a crafted lossless header."""
    if features.check("webp"):
        return make_image(width, height, "WEBP")
    return webp_header(width, height)


def webp_header(width: int, height: int) -> bytes:
    """A RIFF/WebP file holding only a lossless (VP8L) header claiming width x height (<= 16384)."""
    # VP8L: signature byte, then 14-bit width-1 and height-1, alpha bit, 3-bit version.
    bits = (width - 1) | ((height - 1) << 14)
    payload = b"\x2f" + struct.pack("<I", bits) + b"\x00" * 5
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def png_chunk(chunk_type: bytes, payload: bytes) -> bytes:
    """One PNG chunk with a correct CRC."""
    crc = zlib.crc32(chunk_type + payload)
    return struct.pack(">I", len(payload)) + chunk_type + payload + struct.pack(">I", crc)


def png_bomb_header(width: int, height: int) -> bytes:
    """A PNG signature and a valid IHDR claiming width x height RGB pixels, and nothing else."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return PNG_SIGNATURE + png_chunk(b"IHDR", ihdr)


def bmp_bomb_header(width: int, height: int) -> bytes:
    """A 24-bit BMP file header and BITMAPINFOHEADER claiming width x height pixels, no pixels.

    A negative height is a top-down bitmap, as in the format.
    """
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    stride = (width * 24 + 31) // 32 * 4
    file_size = min(14 + len(info) + stride * abs(height), 0xFFFFFFFF)
    return struct.pack("<2sIHHI", b"BM", file_size, 0, 0, 14 + len(info)) + info


def png_chunk_offset(png: bytes, chunk_type: bytes) -> int:
    """Offset of the first chunk of the given type (its length field)."""
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(png):
        length, found = struct.unpack_from(">I4s", png, pos)
        if found == chunk_type:
            return pos
        pos += 12 + length
    raise ValueError(f"no {chunk_type!r} chunk")


def corrupt_png_crc(png: bytes, chunk_type: bytes) -> bytes:
    """The PNG with the CRC of its first chunk of the given type flipped."""
    pos = png_chunk_offset(png, chunk_type)
    (length,) = struct.unpack_from(">I", png, pos)
    crc_at = pos + 8 + length
    return png[:crc_at] + bytes([png[crc_at] ^ 0xFF]) + png[crc_at + 1 :]


def with_png_text(png: bytes, key: str, value: str) -> bytes:
    """The PNG with a tEXt chunk inserted right after IHDR."""
    after_ihdr = len(PNG_SIGNATURE) + 12 + 13
    text = png_chunk(b"tEXt", key.encode("latin-1") + b"\x00" + value.encode("latin-1"))
    return png[:after_ihdr] + text + png[after_ihdr:]


def with_png_chunks(png: bytes, chunks: bytes) -> bytes:
    """The PNG with chunks inserted right after IHDR."""
    after_ihdr = len(PNG_SIGNATURE) + 12 + 13
    return png[:after_ihdr] + chunks + png[after_ihdr:]


def large_iccp_chunk() -> bytes:
    """An iCCP chunk whose profile inflates to 1 MB, the most Pillow inflates, from 1 KB."""
    return png_chunk(b"iCCP", b"icc\x00\x00" + zlib.compress(b"\x00" * 2**20, 9))


def png_with_split_idat(width: int, height: int, chunks: int) -> bytes:
    """A flat grey 8-bit RGB PNG whose compressed data is split over about `chunks` IDATs."""
    row = b"\x00" + b"\x80" * 3 * width
    data = zlib.compress(row * height, 9)
    step = -(-len(data) // chunks)
    idats = b"".join(png_chunk(b"IDAT", data[at : at + step]) for at in range(0, len(data), step))
    return png_bomb_header(width, height) + idats + png_chunk(b"IEND", b"")


def with_exif_thumbnail(jpeg: bytes, thumbnail: bytes) -> bytes:
    """The JPEG with an APP1 EXIF segment right after SOI that embeds a JPEG thumbnail.

    The thumbnail has its own SOI..EOI, which is what fools probes that search for FFD9.
    """
    # Little-endian TIFF: header, an empty IFD0 that links to IFD1, IFD1 pointing at the thumbnail.
    ifd1_at = 8 + 2 + 4
    thumb_at = ifd1_at + 2 + 2 * 12 + 4
    ifd0 = struct.pack("<HI", 0, ifd1_at)
    ifd1 = (
        struct.pack("<H", 2)
        + struct.pack("<HHII", 0x0201, 4, 1, thumb_at)
        + struct.pack("<HHII", 0x0202, 4, 1, len(thumbnail))
        + struct.pack("<I", 0)
    )
    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd0 + ifd1 + thumbnail
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + len(payload)) + payload
    return jpeg[:2] + app1 + jpeg[2:]


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    """One JPEG marker segment (0xFF, the marker code, a length field, then the payload)."""
    return bytes([0xFF, marker]) + struct.pack(">H", 2 + len(payload)) + payload


def full_exif_segment() -> bytes:
    """An APP1 Exif segment of the largest size a segment can have (64 KB)."""
    return jpeg_segment(0xE1, b"Exif\x00\x00".ljust(65533, b"\x00"))


def full_photoshop_segment() -> bytes:
    """A 64 KB APP13 Photoshop segment packed with the smallest image resources Pillow parses."""
    resource = b"8BIM" + struct.pack(">HBBI", 0x0404, 0, 0, 0)
    header = b"Photoshop 3.0\x00"
    return jpeg_segment(0xED, header + resource * ((65533 - len(header)) // len(resource)))


def xmp_extension_segments(count: int) -> bytes:
    """APP1 extended-XMP segments as Photoshop writes for a large XMP packet, 64 KB each."""
    # Signature, the packet's MD5 as 32 hex digits, its full length, this part's offset.
    header = b"http://ns.adobe.com/xmp/extension/\x00" + b"0" * 32
    chunk = 65533 - len(header) - 8
    return b"".join(
        jpeg_segment(0xE1, header + struct.pack(">II", count * chunk, index * chunk) + b"x" * chunk)
        for index in range(count)
    )


def with_jpeg_segments(jpeg: bytes, segments: bytes, *, before_scan: bool = False) -> bytes:
    """The JPEG with bytes (segments, or fill bytes) inserted after SOI or before the first SOS."""
    at = jpeg.index(b"\xff\xda") if before_scan else 2
    return jpeg[:at] + segments + jpeg[at:]


def make_tiny_jar() -> bytes:
    """A small jar (a manifest and a class-like entry), as a polyglot appends to an image."""
    return make_zip(
        {
            "META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\r\n\r\n",
            "Evil.class": b"\xca\xfe\xba\xbe" + b"\x00" * 64,
        },
        compression=zipfile.ZIP_STORED,
        directories=False,
    )


# A 1x1 lossless WebP bitstream (what Pillow writes for one opaque pixel): frames built by hand.
WEBP_1X1_VP8L = b"/\x00\x00\x00\x00\x07P\x81T\x08 \x00\n\x9a\xfe\xc7\x88\x88\xfe\x07"
# VP8X feature flags.
WEBP_ANIMATION, WEBP_XMP, WEBP_EXIF, WEBP_ALPHA, WEBP_ICC = 0x02, 0x04, 0x08, 0x10, 0x20


def webp_chunk(kind: bytes, payload: bytes) -> bytes:
    """One RIFF chunk: FourCC, little-endian size, payload, a pad byte when the size is odd."""
    return kind + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) & 1)


def webp_riff(chunks: bytes) -> bytes:
    """A RIFF/WebP file around the given chunks, its RIFF size exact."""
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks


def webp_vp8x(width: int, height: int, flags: int = 0) -> bytes:
    """A VP8X (extended format) chunk: feature flags and the canvas size."""
    size = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return webp_chunk(b"VP8X", bytes([flags, 0, 0, 0]) + size)


def webp_anmf(frame: bytes, width: int = 1, height: int = 1, x: int = 0, y: int = 0) -> bytes:
    """An ANMF chunk: a frame's offset (halved), size, 100 ms duration, then its chunks."""
    fields = (x // 2, y // 2, width - 1, height - 1, 100)
    header = b"".join(value.to_bytes(3, "little") for value in fields) + b"\x00"
    return webp_chunk(b"ANMF", header + frame)


def make_animated_webp(frames: int, width: int = 1, height: int = 1, flags: int = 0) -> bytes:
    """An animated WebP of `frames` 1x1 lossless frames on a width x height canvas."""
    one = webp_anmf(webp_chunk(b"VP8L", WEBP_1X1_VP8L))
    animation = webp_chunk(b"ANIM", b"\x00" * 6)  # background colour, loop forever
    return webp_riff(webp_vp8x(width, height, WEBP_ANIMATION | flags) + animation + one * frames)


def make_still_webp(*chunks: bytes, flags: int = 0) -> bytes:
    """An extended-format (VP8X) 1x1 still WebP with the given chunks after its image data."""
    image = webp_chunk(b"VP8L", WEBP_1X1_VP8L)
    return webp_riff(webp_vp8x(1, 1, flags) + image + b"".join(chunks))
