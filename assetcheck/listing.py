"""The listing a report describes, laid out as the Marketplace shows it: the HTML page's data.

Each checked listing (a plugin source tree, or the loose images of a run) becomes a
:class:`Listing` with the Marketplace's slots: the logo, the banner, the highlights beside their
cropped versions, the screenshots, then every other image. Each image carries its real size, the
sizes its types accept, its verdict, and a small thumbnail of the bytes that were checked.

A thumbnail is made only from bytes whose sha256 equals the one the check recorded and only for
an image no integrity finding distrusts, within the same bounds the checks keep (file size,
pixels per image, pixels in all). Nothing here raises: an image that cannot be shown is listed
with the reason instead of a thumbnail. Images inside ``.jar``/``.obr`` artifacts are not shown.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import stat
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from assetcheck.findings import Finding, Severity
from assetcheck.image_types import ImageType, default_image_types, format_size
from assetcheck.paths import display
from assetcheck.settings import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:  # the report package renders pages with this module: no import cycle
    from assetcheck.report.model import FileReport, Report

# The Marketplace's slots, in page order; an image referenced as several types takes the first.
LOGO, BANNER, HIGHLIGHT, CROPPED, SCREENSHOT = (
    "logo",
    "banner",
    "highlight",
    "highlight-cropped",
    "screenshot",
)
SLOT_ORDER = (LOGO, BANNER, HIGHLIGHT, CROPPED, SCREENSHOT)

# Thumbnail boxes (pixels): about the size each slot takes on the page.
THUMBNAIL_BOX = {
    LOGO: (144, 144),
    BANNER: (560, 274),
    HIGHLIGHT: (460, 225),
    CROPPED: (290, 165),
    SCREENSHOT: (460, 225),
}
OTHER_BOX = (240, 180)
# Pillow may decode only these formats here: the ones a listing image can be.
DECODERS = ("PNG", "JPEG", "GIF", "BMP")

CHANGED = "changed since it was checked"
UNTRUSTED = "not shown: an integrity finding says it cannot be trusted"


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A re-encoded, bounded copy of an image, for a ``data:`` URI."""

    mime: str
    data: bytes
    width: int
    height: int

    @property
    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True, slots=True)
class ListedImage:
    """One checked image as the page shows it."""

    name: str  # printable: the file's path, or the entry inside its source tree
    image_types: tuple[str, ...]  # the types it was checked as; () when untyped
    size: int | None  # bytes
    dimensions: tuple[int, int] | None  # real width and height, when they could be read
    thumbnail: Thumbnail | None
    note: str | None  # why there is no thumbnail
    passes: bool  # no active finding at or above fail_on
    codes: tuple[str, ...]  # codes of the active findings at this image
    accepted: tuple[tuple[str, str], ...] = ()  # (type, the sizes it accepts) for each type


@dataclass(frozen=True, slots=True)
class HighlightPair:
    """A highlight beside its cropped version; either may be missing."""

    full: ListedImage | None
    cropped: ListedImage | None


@dataclass
class Listing:
    """The images of one source tree (or of the loose images), slot by slot."""

    title: str
    kind: str  # "source" | "images"
    passes: bool
    logo: list[ListedImage] = field(default_factory=list)
    banner: list[ListedImage] = field(default_factory=list)
    highlights: list[HighlightPair] = field(default_factory=list)
    screenshots: list[ListedImage] = field(default_factory=list)
    more: list[ListedImage] = field(default_factory=list)  # typed, no listing slot
    other: list[ListedImage] = field(default_factory=list)  # untyped

    @property
    def empty(self) -> bool:
        return not (
            self.logo
            or self.banner
            or self.highlights
            or self.screenshots
            or self.more
            or self.other
        )


@dataclass(frozen=True, slots=True)
class Artifact:
    """A checked ``.jar``/``.obr``: listed with its verdict, its images are not shown."""

    title: str
    passes: bool


@dataclass
class Page:
    listings: list[Listing]
    artifacts: list[Artifact]


def accepted_sizes(image_type: ImageType | None) -> str:
    """The sizes ``image_type`` accepts, as people read them."""
    if image_type is None:
        return "unknown type"
    if image_type.sizes:
        return " or ".join(format_size(s) for s in image_type.sizes)
    bounds = []
    if image_type.min:
        bounds.append(f"at least {format_size(image_type.min)}")
    if image_type.max:
        bounds.append(f"at most {format_size(image_type.max)}")
    if image_type.aspect:
        bounds.append(f"aspect {image_type.aspect:.3g}:1")
    return ", ".join(bounds) or "any size (none published)"


def build_page(
    report: Report,
    *,
    fail_on: Severity = Severity.ERROR,
    limits: Limits = DEFAULT_LIMITS,
    image_types: Mapping[str, ImageType] | None = None,
) -> Page:
    """The page's data for ``report``: one listing per source tree, one for loose images."""
    types = default_image_types() if image_types is None else image_types
    thumbnails = _Thumbnailer(limits)
    listings: list[Listing] = []
    artifacts: list[Artifact] = []
    loose: list[ListedImage] = []
    for file in report.files:
        if file.kind == "source":
            listings.append(_source_listing(file, fail_on, thumbnails, limits, types))
        elif file.kind == "image":
            loose.append(_loose_image(file, fail_on, thumbnails, types))
        else:
            artifacts.append(Artifact(file.path, file.passes(fail_on)))
    if loose:
        images = Listing("Images", "images", all(image.passes for image in loose))
        _place(images, loose, pairs=())
        listings.append(images)
    return Page(listings, artifacts)


def _loose_image(
    file: FileReport,
    fail_on: Severity,
    thumbnails: _Thumbnailer,
    types: Mapping[str, ImageType],
) -> ListedImage:
    image_type = file.image_type
    names = (image_type,) if image_type else ()
    box = THUMBNAIL_BOX.get(image_type or "", OTHER_BOX)
    if file.untrusted():
        shown: _Shown = _Shown(None, None, UNTRUSTED)
    elif file.sha256 is None:
        shown = _Shown(None, None, "not read by the check")
    else:
        shown = thumbnails.make(Path(file.path), file.sha256, box)
    return ListedImage(
        name=file.path,
        image_types=names,
        size=file.size,
        dimensions=shown.dimensions,
        thumbnail=shown.thumbnail,
        note=shown.note,
        passes=file.passes(fail_on),
        codes=_codes(file.findings),
        accepted=_accepted(names, types),
    )


def _source_listing(
    file: FileReport,
    fail_on: Severity,
    thumbnails: _Thumbnailer,
    limits: Limits,
    types: Mapping[str, ImageType],
) -> Listing:
    untrusted = file.untrusted()
    images: list[ListedImage] = []
    for entry, asset in file.assets.items():
        slot = _slot(asset.image_types)
        box = THUMBNAIL_BOX.get(slot, OTHER_BOX) if slot else OTHER_BOX
        if None in untrusted or entry in untrusted:
            shown = _Shown(None, None, UNTRUSTED)
        else:
            shown = thumbnails.make(Path(file.path) / entry, asset.sha256, box)
        images.append(
            ListedImage(
                name=display(entry),
                image_types=asset.image_types,
                size=asset.size,
                dimensions=shown.dimensions,
                thumbnail=shown.thumbnail,
                note=shown.note,
                passes=file.passes(fail_on, entry),
                codes=_codes(f for f in file.findings if f.entry == entry),
                accepted=_accepted(asset.image_types, types),
            )
        )
    listing = Listing(file.path, "source", file.passes(fail_on))
    _place(listing, images, pairs=_declared_highlights(Path(file.path), limits))
    return listing


def _accepted(names: Iterable[str], types: Mapping[str, ImageType]) -> tuple[tuple[str, str], ...]:
    return tuple((name, accepted_sizes(types.get(name))) for name in names)


def _codes(findings: Iterable[Finding]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f.code for f in sorted(findings, key=Finding.sort_key) if f.active))


def _slot(image_types: Iterable[str]) -> str | None:
    """The Marketplace slot of an image referenced as ``image_types``: the first in page order."""
    names = set(image_types)
    return next((slot for slot in SLOT_ORDER if slot in names), None)


def _place(
    listing: Listing,
    images: list[ListedImage],
    pairs: Iterable[tuple[str, str | None]],
) -> None:
    """Put each image in its slot; highlights are paired as declared, else in name order."""
    full: dict[str, ListedImage] = {}
    cropped: dict[str, ListedImage] = {}
    for image in images:
        slot = _slot(image.image_types)
        if slot == LOGO:
            listing.logo.append(image)
        elif slot == BANNER:
            listing.banner.append(image)
        elif slot == HIGHLIGHT:
            full[image.name] = image
        elif slot == CROPPED:
            cropped[image.name] = image
        elif slot == SCREENSHOT:
            listing.screenshots.append(image)
        elif image.image_types:
            listing.more.append(image)
        else:
            listing.other.append(image)
    for image_ref, cropped_ref in pairs:
        if image_ref in full or (cropped_ref is not None and cropped_ref in cropped):
            listing.highlights.append(
                HighlightPair(
                    full.pop(image_ref, None),
                    cropped.pop(cropped_ref, None) if cropped_ref is not None else None,
                )
            )
    rest_full, rest_cropped = sorted(full), sorted(cropped)
    for index in range(max(len(rest_full), len(rest_cropped))):
        listing.highlights.append(
            HighlightPair(
                full[rest_full[index]] if index < len(rest_full) else None,
                cropped[rest_cropped[index]] if index < len(rest_cropped) else None,
            )
        )


def _declared_highlights(tree: Path, limits: Limits) -> list[tuple[str, str | None]]:
    """(image, cropped) of each ``<highlight>`` the tree's marketing descriptor declares.

    Only the layout uses this (which crop sits beside which highlight): it is read with the
    engine's bounded XML reader, and anything unreadable means "pair them by name".
    """
    # Imported here: the views pull in the readers, which only this step of the page needs.
    from assetcheck.views import MarketingView, SourceTreeView, normalise_ref

    try:
        root = MarketingView(SourceTreeView(tree, limits), limits, in_source=True).root
        if root is None:
            return []
        pairs: list[tuple[str, str | None]] = []
        for element in root.findall("highlights/highlight"):
            image, crop = element.get("image"), element.get("cropped")
            if image:
                cropped = display(normalise_ref(crop)) if crop else ""
                pairs.append((display(normalise_ref(image)), cropped or None))
        return pairs
    except Exception:  # the layout falls back to name order; the check already reported it
        return []


@dataclass(frozen=True, slots=True)
class _Shown:
    thumbnail: Thumbnail | None
    dimensions: tuple[int, int] | None
    note: str | None


class _Thumbnailer:
    """Makes thumbnails within the check's limits, pixels counted across the whole page."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.pixels_left = limits.max_decoded_pixels

    def make(self, path: Path, sha256: str, box: tuple[int, int]) -> _Shown:
        data = _read_regular(path, self.limits.max_image_bytes)
        if data is None:
            return _Shown(None, None, "could not be read again")
        if hashlib.sha256(data).hexdigest() != sha256:
            return _Shown(None, None, CHANGED)
        from PIL import UnidentifiedImageError

        try:
            return self._encode(data, box)
        except UnidentifiedImageError:
            return _Shown(None, None, "not a PNG, JPEG, GIF or BMP image")
        except Exception:  # Pillow raises many kinds on hostile input: no thumbnail, no crash
            return _Shown(None, None, "could not be decoded")

    def _encode(self, data: bytes, box: tuple[int, int]) -> _Shown:
        from PIL import Image

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DecompressionBombWarning: the limits below decide
            with Image.open(io.BytesIO(data), formats=DECODERS) as image:
                width, height = image.size
                pixels = width * height
                if pixels > self.limits.max_image_pixels or pixels > self.pixels_left:
                    return _Shown(None, (width, height), "too many pixels to show")
                if image.format == "JPEG":
                    image.draft("RGB", box)  # decode at a reduced scale: far fewer pixels
                image.load()
                self.pixels_left -= image.size[0] * image.size[1]
                return _Shown(_shrink(image, box), (width, height), None)


def _shrink(image: object, box: tuple[int, int]) -> Thumbnail:
    from PIL import Image

    assert isinstance(image, Image.Image)
    jpeg = image.format == "JPEG"
    small = image.convert("RGB" if jpeg or image.mode in ("CMYK", "YCbCr") else "RGBA")
    small.thumbnail(box)
    out = io.BytesIO()
    if jpeg:
        small.save(out, "JPEG", quality=85)
    else:
        small.save(out, "PNG", optimize=True)
    return Thumbnail("image/jpeg" if jpeg else "image/png", out.getvalue(), *small.size)


def _read_regular(path: Path, limit: int) -> bytes | None:
    """At most ``limit`` bytes of ``path``, only if it is a regular file (never a FIFO that
    would block, nor a device that never ends); None when it is anything else or too large."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError):
        return None
    with contextlib.closing(os.fdopen(descriptor, "rb")) as handle:
        try:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
                return None
            data = handle.read(limit + 1)
        except OSError:
            return None
    return None if len(data) > limit else data
