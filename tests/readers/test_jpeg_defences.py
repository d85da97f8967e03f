"""The JPEG cap of 2,048 segments in all, which no other test reaches.

The header-segment cap (128 before the first scan) and the scan cap (256) stop most floods
first; segments after the first scan (comments here) are held only by the cap on them all.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from assetcheck.readers.image import probe_image
from tests.imagebuilders import jpeg_segment, make_image
from tests.rules.support import check_one

CAPPED = "the JPEG has more than 2048 segments (real images have tens)"
SECONDS = 1.0


def comments_after_the_scan(count: int) -> bytes:
    """An 8x8 JPEG with ``count`` empty comment segments between its scan and its EOI."""
    jpeg = make_image(8, 8, "JPEG")
    return jpeg[:-2] + jpeg_segment(0xFE, b"") * count + b"\xff\xd9"


def test_a_jpeg_within_the_segment_cap_reads() -> None:
    facts = probe_image(comments_after_the_scan(2_000), "x.jpg")
    assert (facts.decode_error, facts.decoded) == (None, True)


@pytest.mark.parametrize("count", [2_100, 1_000_000])
def test_a_jpeg_over_the_segment_cap_is_refused_quickly(count: int) -> None:
    data = comments_after_the_scan(count)
    start = time.perf_counter()
    facts = probe_image(data, "x.jpg")
    seconds = time.perf_counter() - start
    assert (facts.decode_error, facts.decoded) == (CAPPED, False)
    assert seconds < SECONDS


def test_the_segment_cap_is_an_integrity_finding(tmp_path: Path) -> None:
    path = tmp_path / "logo.jpg"
    path.write_bytes(comments_after_the_scan(2_100))
    found = [f for f in check_one(path, image_type="logo").findings if f.code == "IMG021"]
    assert [f.message for f in found] == [
        f"the JPEG image does not read completely: {CAPPED} (expected an intact JPEG file)"
    ]
