"""Every resource limit assetcheck applies, with its default, in one place.

The defaults must never trip on a real app (a 300 MB jar with 40,000 entries and 200 bundled jars
is normal) and must stop every bomb in bounded time and memory. Later, project config overrides
these field by field.
"""

from __future__ import annotations

from dataclasses import dataclass

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


@dataclass(frozen=True, slots=True)
class Limits:
    # Zip containers (shared by a file and every archive nested in it).
    max_entries: int = 100_000
    max_total_uncompressed: int = 4 * GiB
    # Apache POI's zip-bomb guard uses the same 1:100 ratio; small entries are exempt because a
    # tiny file of repeated bytes is normal and harmless.
    max_entry_ratio: int = 100
    ratio_exempt_below: int = 1 * MiB
    max_nesting_depth: int = 5
    # Nested archives larger than this are spooled to a temporary file instead of memory.
    spool_in_memory_below: int = 32 * MiB
    # Text documents read whole: descriptors, obr.xml, manifests.
    max_document_bytes: int = 16 * MiB
    # Images: never decode one whose header claims more pixels than this. Listing images are
    # at most about 1.7 million pixels; a 16-million-pixel decode peaks near 115 MB.
    max_image_pixels: int = 16_000_000
    max_image_bytes: int = 64 * MiB


DEFAULT_LIMITS = Limits()
