"""Every setting assetcheck has, with its default, in one place.

Project configuration (``[tool.assetcheck]``, :mod:`assetcheck.config`) is laid over these
values field by field, and the command line over that. The image-type table is data:
``rules/image_types.toml``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assetcheck.findings import Severity
from assetcheck.image_types import ImageType, default_image_types
from assetcheck.policy import ImageTypeGlob, PathIgnore, is_selected, relative_to

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
    # Inflating costs time even under the ratio limit (4,000 entries of 1 MiB zeros, each
    # exempt, inflate 3.9 GiB from 4 MB), so a whole file, nested archives included, may inflate
    # to at most max_file_ratio times its own size (min_inflate_budget at least, and never more
    # than max_total_uncompressed). Real apps inflate 2-10x even counting bundled jars at every
    # level they are read (a 300 MB jar with 200 bundled jars reads about 1.5 GB).
    max_file_ratio: int = 100
    min_inflate_budget: int = 64 * MiB
    # Entries read in a file and in every archive nested in it (an archive opened twice counts
    # twice): each costs parsing, a header read and a verify. 20 bundled jars of 99,000 entries
    # each, every one under max_entries, took 32 s; 250,000 keeps that near 5 s (2 cores).
    max_total_entries: int = 250_000
    # Nested archives larger than this are spooled to a temporary file instead of memory.
    spool_in_memory_below: int = 32 * MiB
    # Text documents read whole: descriptors, obr.xml, manifests.
    max_document_bytes: int = 16 * MiB
    # Images: never decode one whose header claims more pixels than this. Listing images are
    # at most about 1.7 million pixels. The costliest decode is a progressive CMYK JPEG, whose
    # coefficients libjpeg holds whole: at 16 million pixels it peaked at 198 MB (the image
    # bound is 200 MB); at 12 million it stays near 150 MB.
    max_image_pixels: int = 12_000_000
    # Decoding costs time by the byte: a 50 MB progressive JPEG of noise takes over 2 s (the
    # image bound). Listing images are a few MB; 32 MiB keeps the worst decode near 1.3 s.
    max_image_bytes: int = 32 * MiB
    # Pixels decoded in all the images of one artifact or source tree: a listing's twenty-odd
    # images hold about 30 million; a hundred 16-megapixel screenshots would take a minute.
    max_decoded_pixels: int = 100_000_000


DEFAULT_LIMITS = Limits()


DEFAULT_FAIL_ON = Severity.ERROR
MAX_JOBS = 2  # what one check can use: its work splits in two (see views.verify_ahead)


def default_jobs() -> int:
    """The cores this process may run on, at most MAX_JOBS."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(MAX_JOBS, cores))


@dataclass(frozen=True)
class Settings:
    """Everything that shapes a check. The defaults here are the only defaults."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: Severity = DEFAULT_FAIL_ON
    image_type: str | None = None
    limits: Limits = field(default=DEFAULT_LIMITS)
    image_types: dict[str, ImageType] = field(default_factory=default_image_types)
    # Findings of one code listed for one file; the rest are counted in one more finding.
    findings_per_code: int = 50
    # The policy step after the engine (project configuration fills these): code prefix ->
    # severity, and per-path ignores. Integrity findings are never re-levelled or suppressed.
    severity: Mapping[str, Severity] = field(default_factory=dict)
    per_path_ignores: tuple[PathIgnore, ...] = ()
    # Loose images matched by a gitignore-style glob are checked as its type (first match).
    image_type_globs: tuple[ImageTypeGlob, ...] = ()
    # The folder of the configuration these settings came from: globs, per-path ignores and
    # baseline paths are relative to it (None: no configuration, the current directory).
    root: Path | None = None
    # The image-type table's version; a project's [image-type.NAME] tables change it.
    image_types_version: str | None = None
    # What a project adds to the rules' data files (rules/data/NAME.toml), by NAME.
    rule_data: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Processes one check may use: 2 verifies a large artifact's entries on two cores (and
    # decodes images on two threads); 1 is the serial path. The report is the same either way.
    jobs: int = field(default_factory=lambda: default_jobs())

    def selects(self, code: str, *, integrity: bool = False) -> bool:
        return is_selected(code, self.select, self.ignore, integrity=integrity)

    def image_type_for(self, path: Path) -> str | None:
        """The type ``--image-type`` or an ``image-types`` glob gives the image ``path``."""
        if self.image_type is not None or not self.image_type_globs:
            return self.image_type
        relative = relative_to(os.fspath(path), self.root)
        if relative is None:
            return None
        return next(
            (g.image_type for g in self.image_type_globs if g.spec.match_file(relative)), None
        )


DEFAULT_BASE_URL = "https://marketplace.atlassian.com/rest/2"
DEFAULT_LEDGER_PATH = Path(".assetcheck") / "ledger.db"


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """How the Marketplace client talks: timeouts in seconds, retries, backoff.

    ``read_timeout`` bounds each read or write; ``deadline`` one whole operation (an upload
    with all its attempts and waits), so a server that drips bytes cannot hold a run forever.
    30 minutes lets a 200 MB artifact go up at about 110 kB/s.
    """

    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    deadline: float = 1800.0
    max_attempts: int = 4
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    retry_after_cap: float = 120.0


DEFAULT_CLIENT = ClientSettings()
