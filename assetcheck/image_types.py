"""The image-type table: loaded from ``rules/image_types.toml``, validated, merged with overrides.

Overrides (from project config, later) use the same keys as the TOML file: a known type's keys
are replaced one by one, a new type must give at least ``formats``. Every error names the type
and key, so a bad config is a clear usage error, never a crash.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

FORMATS = ("png", "jpeg", "gif", "bmp")
STATUSES = ("official", "copy", "convention", "unknown")
_SIZE = re.compile(r"^\s*(\d{1,6})\s*[xX\u00d7]\s*(\d{1,6})\s*$")
KEYS = {
    "description",
    "sizes",
    "min",
    "max",
    "aspect",
    "aspect_tolerance",
    "formats",
    "max_bytes",
    "upload_type",
    "upload_source",
    "size_status",
    "status",
    "source",
    "marketing",
    "descriptor_param",
}

Size = tuple[int, int]


class ImageTypeError(ValueError):
    """The image-type table or an override is invalid."""


@dataclass(frozen=True, slots=True)
class ImageType:
    name: str
    description: str
    formats: tuple[str, ...]
    upload_type: str | None  # None: never uploaded on its own (the descriptor's in-jar images)
    status: str
    source: str
    sizes: tuple[Size, ...] = ()
    min: Size | None = None
    max: Size | None = None
    aspect: float | None = None
    aspect_tolerance: float = 0.02
    max_bytes: int | None = None
    marketing: str | None = None
    descriptor_param: str | None = None
    upload_source: str = ""
    size_status: tuple[tuple[Size, str], ...] = ()

    def status_of(self, size: Size) -> str:
        """How sure the number is for one accepted size (the banner's two differ)."""
        return dict(self.size_status).get(size, self.status)

    @property
    def certain(self) -> bool:
        """Whether the size numbers are Atlassian's (errors) or a convention (warnings)."""
        return self.status in ("official", "copy")

    def size_problem(self, width: int, height: int) -> str | None:
        """Why ``width``x``height`` is not accepted, or None when it is."""
        if self.sizes and (width, height) not in self.sizes:
            if len(self.sizes) == 1:
                return f"expected {format_size(self.sizes[0])}"
            accepted = " or ".join(format_size(s) for s in self.sizes)
            nearest = format_size(self.nearest(width, height))
            return f"expected {accepted} (nearest: {nearest})"
        if self.min and (width < self.min[0] or height < self.min[1]):
            return f"expected at least {format_size(self.min)}"
        if self.max and (width > self.max[0] or height > self.max[1]):
            return f"expected at most {format_size(self.max)}"
        if self.aspect and height:
            ratio = width / height
            if abs(ratio - self.aspect) > self.aspect * self.aspect_tolerance:
                return (
                    f"expected an aspect ratio of {self.aspect:.3g}:1 "
                    f"(±{self.aspect_tolerance:.0%}), got {ratio:.3g}:1"
                )
        return None

    def nearest(self, width: int, height: int) -> Size:
        return min(self.sizes, key=lambda s: abs(s[0] - width) + abs(s[1] - height))


def format_size(size: Size) -> str:
    return f"{size[0]}x{size[1]}"


def parse_size(text: object, where: str) -> Size:
    match = _SIZE.match(text) if isinstance(text, str) else None
    if not match:
        raise ImageTypeError(f"{where}: {text!r} is not a size like '144x144'")
    return int(match.group(1)), int(match.group(2))


def _build(name: str, raw: Mapping[str, Any], upload_types: tuple[str, ...]) -> ImageType:
    where = f"image type {name!r}"
    unknown = set(raw) - KEYS
    if unknown:
        raise ImageTypeError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    formats = tuple(str(f).lower().replace("jpg", "jpeg") for f in raw.get("formats", ()))
    if not formats or any(f not in FORMATS for f in formats):
        raise ImageTypeError(f"{where}: formats must be a non-empty list of {', '.join(FORMATS)}")
    status = raw.get("status", "unknown")
    if status not in STATUSES:
        raise ImageTypeError(f"{where}: status must be one of {', '.join(STATUSES)}")
    aspect = raw.get("aspect")
    if aspect is not None and (not isinstance(aspect, int | float) or aspect <= 0):
        raise ImageTypeError(f"{where}: aspect must be a positive number")
    upload_type = raw.get("upload_type")
    if upload_type is not None and upload_type not in upload_types:
        raise ImageTypeError(
            f"{where}: upload_type must be one of the API's {{imageType}} values "
            f"({', '.join(upload_types)}), or absent for an image that is never uploaded"
        )
    size_status = raw.get("size_status", {})
    if not isinstance(size_status, Mapping) or any(v not in STATUSES for v in size_status.values()):
        raise ImageTypeError(f"{where}: size_status maps sizes to {', '.join(STATUSES)}")
    max_bytes = raw.get("max_bytes")
    if max_bytes is not None and (not isinstance(max_bytes, int) or max_bytes <= 0):
        raise ImageTypeError(f"{where}: max_bytes must be a positive whole number")
    return ImageType(
        name=name,
        description=str(raw.get("description", name)),
        formats=formats,
        upload_type=upload_type,
        upload_source=str(raw.get("upload_source", "")),
        size_status=tuple(
            (parse_size(size, f"{where}, size_status"), status)
            for size, status in size_status.items()
        ),
        status=status,
        source=str(raw.get("source", "")),
        sizes=tuple(parse_size(s, f"{where}, sizes") for s in raw.get("sizes", ())),
        min=parse_size(raw["min"], f"{where}, min") if "min" in raw else None,
        max=parse_size(raw["max"], f"{where}, max") if "max" in raw else None,
        aspect=float(aspect) if aspect is not None else None,
        aspect_tolerance=float(raw.get("aspect_tolerance", 0.02)),
        max_bytes=max_bytes,
        marketing=raw.get("marketing"),
        descriptor_param=raw.get("descriptor_param"),
    )


@functools.cache
def _base_document() -> dict[str, Any]:
    text = (
        resources.files("assetcheck.rules").joinpath("image_types.toml").read_text(encoding="utf-8")
    )
    return tomllib.loads(text)


def _base_table() -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = _base_document()["types"]
    return table


def table_version() -> str:
    """The shipped table's version (data: ``version`` in rules/image_types.toml)."""
    return str(_base_document()["version"])


def upload_types() -> tuple[str, ...]:
    """Every ``{imageType}`` value the Marketplace API takes (data: rules/image_types.toml)."""
    return tuple(_base_document()["upload_types"])


def load_image_types(
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, ImageType]:
    """The shipped table, with ``overrides`` merged key by key (new names add types)."""
    merged = {name: dict(raw) for name, raw in _base_table().items()}
    for name, raw in (overrides or {}).items():
        merged.setdefault(name, {}).update(raw)
    values = upload_types()
    return {name: _build(name, raw, values) for name, raw in merged.items()}


@functools.cache
def default_image_types() -> dict[str, ImageType]:
    return load_image_types()
