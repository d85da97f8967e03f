"""Image rules (IMG): listing images, given on the command line or referenced by a plugin.

They run on every image file named on the command line (typed with ``--image-type``) and on
every image that ``atlassian-plugin-marketing.xml`` or a descriptor image param references inside
a jar or a plugin source tree (typed by where it is referenced). The format is read from the
bytes, never the name. Type-independent findings appear once per image; an image referenced as
two types is measured against each. A missing referenced image is the descriptor and marketing
rules' finding, not these.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from assetcheck.api import (
    ERROR,
    INFO,
    UPLOAD_FORMATS,
    WARNING,
    ImageType,
    ImageView,
    Problem,
    format_size,
    rule,
)

Size = tuple[int, int]
# A type whose size conflict with another type of the same image a rule outside this family
# reports: the type left out -> (the other type, the rule that says it).
SIZE_REPORTED_ELSEWHERE = {"highlight-cropped": ("highlight", "MKT012")}
FORMAT_NAMES = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "bmp": "BMP", "webp": "WebP"}
EXTENSIONS = {"png": ".png", "jpeg": ".jpg or .jpeg", "gif": ".gif", "bmp": ".bmp"}
# Where each format's data ends: what the trailing bytes come after.
IMAGE_ENDS = {
    "png": "the IEND chunk",
    "jpeg": "the EOI marker",
    "gif": "the GIF trailer",
    "bmp": "the pixel data",
    "webp": "the RIFF container",
}


def _renamed(image: ImageView) -> str:
    """What else to do when the fix renames a referenced image."""
    if image.entry is None:
        return "."
    return (
        "; then update its reference (atlassian-plugin-marketing.xml or the descriptor's "
        "image param)."
    )


def _format_name(fmt: str) -> str:
    return FORMAT_NAMES.get(fmt, fmt.upper())


def _formats(formats: tuple[str, ...]) -> str:
    names = [_format_name(f) for f in formats]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _bytes(count: int) -> str:
    """A byte count as people read it: '12.3 MiB', '512 bytes'."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size:
            return f"{count / size:.1f} {unit}".replace(".0 ", " ")
    return f"{count:,} bytes"


def _a(image_type: ImageType) -> str:
    """The type as a noun phrase with its article: 'a logo image'."""
    article = "an" if image_type.name[:1] in "aeiou" else "a"
    return f"{article} {image_type.name} image"


def _types(image_types: list[ImageType]) -> str:
    """Types as one noun phrase: 'a logo image', 'a highlight image or a screenshot image'."""
    return " or ".join(_a(t) for t in image_types)


# ---- what the file is ----------------------------------------------------------------------


@rule("IMG001", ERROR, ImageView, integrity=True)
def empty_file(image: ImageView) -> Iterator[Problem]:
    """The image file is empty (0 bytes).

    Passing: a 144x144 PNG logo.
    Failing: ``images/logo.png`` of 0 bytes, left by a failed export or copy.
    """
    if image.size == 0:
        yield Problem(
            "the image file is empty (0 bytes; expected a PNG, JPEG, GIF or BMP image)",
            hint="Export the image again and replace the empty file.",
        )


@rule("IMG002", ERROR, ImageView)
def not_an_upload_format(image: ImageView) -> Iterator[Problem]:
    """The content is not PNG, JPEG, GIF or BMP, the only formats the Marketplace accepts.

    The format is read from the file's magic bytes, whatever its name says: WebP, SVG and TIFF
    files, and files that are not images at all, are refused on upload.

    Passing: a PNG, JPEG, GIF or BMP image.
    Failing: a WebP or SVG file, even when named ``logo.png``; an HTML page saved as ``logo.png``.
    """
    facts = image.facts
    if facts is None or facts.size == 0 or facts.format in UPLOAD_FORMATS:
        return
    expected = f"expected {_formats(UPLOAD_FORMATS)}"
    if facts.format is None:
        content = facts.mime or "unrecognised content"
        yield Problem(
            f"the file is not an image ({content}; {expected})",
            hint="Replace it with the real image: a failed download or export can leave "
            "something else under the image's name.",
        )
        return
    source = PurePosixPath(image.name)
    # A WebP already named .png converts onto a new name: magick reads by content anyway.
    target = source.with_suffix(".png")
    if target.name.lower() == source.name.lower():
        target = source.with_name(f"{source.stem}-converted.png")
    yield Problem(
        f"the image is {_format_name(facts.format)} ({facts.mime}; {expected})",
        hint="Convert it to PNG (or JPEG for photographs), e.g. "
        f"`magick {source.name} {target.name}`" + _renamed(image),
    )


@rule("IMG003", WARNING, ImageView)
def format_not_for_type(image: ImageView) -> Iterator[Problem]:
    """The image's real format is not one the listing guidelines ask for its type.

    The API accepts PNG, JPEG, GIF and BMP for every type (IMG002 reports anything else),
    but the listing guidelines ask for PNG or JPEG for listing images: a warning.

    Passing: a PNG ``logo``.
    Failing: a GIF or BMP ``logo`` or ``highlight`` (the guidelines ask for PNG or JPEG).
    """
    facts = image.facts
    if facts is None or facts.format not in UPLOAD_FORMATS:
        return  # IMG002 reports formats the Marketplace takes for no type at all
    wrong = [t for t in image.types if facts.format not in t.formats]
    if not wrong:
        return
    # One format that suits every type the image is used as, when there is one.
    common = [f for f in wrong[0].formats if all(f in t.formats for t in image.types)]
    expected = _formats(tuple(common) or wrong[0].formats)
    yield Problem(
        f"{_format_name(facts.format)} is not what the listing guidelines ask for "
        f"{_types(wrong)} (expected {expected}; the API accepts it)",
        hint=f"Export it as {expected}" + _renamed(image),
    )


@rule("IMG004", ERROR, ImageView)
def extension_mismatch(image: ImageView) -> Iterator[Problem]:
    """The file name's extension does not match the image's real format.

    Real apps ship this: a ``.png`` that is really a JPEG. Servers and browsers pick the
    content type from the name, and the Marketplace may refuse or mis-serve the file.

    Passing: ``logo.png`` holding a PNG; ``shot.jpg`` or ``shot.jpeg`` holding a JPEG.
    Failing: ``highlight3.png`` holding a 1839x635 JPEG; ``logo`` with no extension.
    """
    facts = image.facts
    if facts is None or facts.format not in UPLOAD_FORMATS:
        return  # an image in a refused format is IMG002's: converting it fixes the name too
    if facts.extension_format == facts.format:
        return
    real = _format_name(facts.format)
    suffix = PurePosixPath(image.name).suffix
    if facts.extension_format is None:
        said = "the name has no extension"
        if suffix:
            said = f"the name's extension {suffix!r} is not an image extension"
    else:
        said = f"the name says {_format_name(facts.extension_format)} ({suffix})"
    yield Problem(
        f"{said} but the content is {real} (expected a {EXTENSIONS[facts.format]} name)",
        hint=f"Re-export it in the format its name says, or rename it to "
        f"{EXTENSIONS[facts.format]}" + _renamed(image),
    )


# ---- size for the type ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Misfit:
    """One type an image's size does not suit, and why."""

    image_type: ImageType
    problem: str  # what the type expects, from the image-type table
    basis: str  # for a size that is not Atlassian's, where the number comes from


def _size_types(image: ImageView) -> tuple[ImageType, ...]:
    """The types an image's size is judged against: a type whose conflict another rule
    reports (a highlight's crop that is a full highlight: MKT012) is left out."""
    names = {t.name for t in image.types}
    return tuple(
        t for t in image.types if SIZE_REPORTED_ELSEWHERE.get(t.name, (None,))[0] not in names
    )


def _scaled_by_host(image_type: ImageType, width: int, height: int) -> Size | None:
    """The accepted size a descriptor image is shown at when UPM scales this one down to it.

    UPM reads the descriptor's images (``plugin-icon``, ``plugin-logo``...) from the jar and
    shows them at its own size, so an image larger than that, in the same proportions, is
    only scaled down. Listing images are uploaded, and what the Marketplace does with a wrong
    size is not published: they never count as scaled.
    """
    if image_type.upload_type is not None:
        return None  # uploaded: a listing image, or one of the partner profile
    for accepted in image_type.sizes:
        if (
            width >= accepted[0]
            and height >= accepted[1]
            and _same_proportions((width, height), accepted)
        ):
            return accepted
    return None


def _same_proportions(size: Size, other: Size, tolerance: float = 0.01) -> bool:
    return abs(size[0] * other[1] - size[1] * other[0]) <= tolerance * size[1] * other[0]


def _misfits(image: ImageView) -> list[_Misfit]:
    facts = image.facts
    # A pixel bomb's header is hostile, not a size to fix: IMG020 reports it.
    if facts is None or facts.width is None or facts.height is None or facts.pixel_bomb:
        return []
    found = []
    for image_type in _size_types(image):
        problem = image_type.size_problem(facts.width, facts.height)
        if problem is None or _scaled_by_host(image_type, facts.width, facts.height):
            continue
        if image_type.sizes:
            problem = "expected " + " or ".join(format_size(s) for s in image_type.sizes)
        basis = "" if image_type.certain else f"{image_type.status}: {image_type.source}"
        found.append(_Misfit(image_type, problem, basis))
    return found


def _fit_cost(size: Size, target: Size) -> float:
    """How far the image must be scaled to fit inside ``target``, up or down alike."""
    return abs(math.log(min(target[0] / size[0], target[1] / size[1])))


def _target(image: ImageView, size: Size) -> tuple[Size | None, list[ImageType]]:
    """The size that suits every type the image is used as, and the types when none does.

    Among the accepted sizes they share, the one reached with the least scaling, keeping the
    proportions (a 1230x800 highlight goes to 1840x900, not to the "nearest" 920x450).
    """
    sized = [t for t in _size_types(image) if t.sizes and not _scaled_by_host(t, size[0], size[1])]
    if not sized:
        return None, []
    shared = [s for s in sized[0].sizes if all(s in t.sizes for t in sized[1:])]
    if not shared:
        return None, sized
    return min(shared, key=lambda target: _fit_cost(size, target)), []


def _round(value: float) -> int:
    return max(1, int(value + 0.5))


def resize_advice(size: Size, target: Size) -> str:
    """How to reach ``target`` from ``size`` without distorting the image."""
    (width, height), (goal_w, goal_h) = size, target
    goal = format_size(target)
    if _same_proportions(size, target):
        if width >= goal_w * 0.99:  # scaling up by under 1 % blurs nothing
            return f"scale it to {goal}"
        return f"export it again at {goal} (scaling {format_size(size)} up blurs it)"
    if width * goal_h > height * goal_w:  # wider than the target: pad the height or crop the width
        scaled = (goal_w, _round(height * goal_w / width))
        cropped = (_round(height * goal_w / goal_h), height)
        pad, crop = "height", "width"
    else:  # taller than the target: pad the width or crop the height
        scaled = (_round(width * goal_h / height), goal_h)
        cropped = (width, _round(width * goal_h / goal_w))
        pad, crop = "width", "height"
    return (
        f"scale it to {format_size(scaled)} (keeping its proportions) then pad the {pad} to "
        f"{goal}, or crop the {crop} to {format_size(cropped)} then scale it to {goal}"
    )


def _size_finding(image: ImageView, misfits: list[_Misfit]) -> Problem:
    facts = image.facts
    assert facts is not None and facts.width is not None and facts.height is not None
    size = (facts.width, facts.height)
    if len(misfits) == 1:
        [misfit] = misfits
        basis = f" ({misfit.basis})" if misfit.basis else ""
        expectations = f"{_a(misfit.image_type)}: {misfit.problem}{basis}"
    else:
        expectations = " or for ".join(
            f"{_a(m.image_type)} ({m.problem}{'; ' + m.basis if m.basis else ''})" for m in misfits
        )
    message = f"the image is {format_size(size)} pixels, not an accepted size for {expectations}"
    target, clashing = _target(image, size)
    if target is not None:
        advice = resize_advice(size, target)
        hint = f"{advice[0].upper()}{advice[1:]}."
    elif clashing:
        hint = (
            f"No one size suits {_types(clashing)}: give each reference its own image, "
            "exported at its type's size (`assetcheck image-types`)."
        )
    else:
        hint = "Export it at an accepted size; `assetcheck image-types` lists every type's sizes."
    return Problem(message, hint=hint)


@rule("IMG010", ERROR, ImageView)
def wrong_size(image: ImageView) -> Iterator[Problem]:
    """The image's size is not one Atlassian publishes for its type.

    Only for types whose sizes are official or known from a copy of Atlassian's docs (status
    ``official`` or ``copy`` in ``assetcheck image-types``: ``logo``, ``banner``, the highlights,
    screenshots). One finding per image, naming every type it is used as whose size it misses
    (conventional ones too, which IMG011 then leaves alone), and how to reach a size that suits
    them all keeping the image's proportions (scale and pad, or crop and scale), or that no one
    size does. A highlight's crop that is the full highlight is MKT012's finding, not this one's.

    Passing: a 144x144 ``logo``; a 1840x900 or 920x450 ``highlight``.
    Failing: a 1120x548 ``logo`` (expected 144x144); a 1839x635 ``highlight``.
    """
    misfits = _misfits(image)
    if any(m.image_type.certain for m in misfits):
        yield _size_finding(image, misfits)


@rule("IMG011", WARNING, ImageView)
def unusual_size(image: ImageView) -> Iterator[Problem]:
    """The image's size is not the conventional one for its type.

    For types whose sizes are a convention or unknown (status ``convention`` or ``unknown`` in
    ``assetcheck image-types``: the descriptor's icons and logos): a warning, because no
    official number exists to hold the image to. Said by IMG010 instead when the image also
    misses an official size; a descriptor image larger than its size in the same proportions
    is IMG012's (UPM scales it down).

    Passing: a 16x16 ``plugin-icon``; a 72x72 ``vendor-logo``.
    Failing: a 32x24 ``plugin-icon`` (expected 16x16); an 8x8 ``plugin-icon``.
    """
    misfits = _misfits(image)
    if misfits and not any(m.image_type.certain for m in misfits):
        yield _size_finding(image, misfits)


@rule("IMG012", INFO, ImageView)
def scaled_by_upm(image: ImageView) -> Iterator[Problem]:
    """A descriptor image is larger than its type's size, in the same proportions: UPM scales it.

    UPM reads the descriptor's images (``plugin-icon``, ``plugin-logo``, ``plugin-banner``,
    ``vendor-icon``, ``vendor-logo``) from the jar and shows them at its own size, so a larger
    image in the same proportions is shown scaled down: nothing breaks, hence information only.
    A 144x144 listing logo reused as the plugin icon is the usual case.

    Passing: a 16x16 ``plugin-icon``.
    Failing: a 144x144 image as ``plugin-icon`` (UPM shows it scaled to 16x16).
    """
    facts = image.facts
    if facts is None or facts.width is None or facts.height is None or facts.pixel_bomb:
        return
    size = (facts.width, facts.height)
    scaled = [
        (t, shown)
        for t in _size_types(image)
        if t.size_problem(*size) is not None and (shown := _scaled_by_host(t, *size))
    ]
    if not scaled:
        return
    shown_as = " and ".join(f"{_a(t)} at {format_size(s)}" for t, s in scaled)
    yield Problem(
        f"the image is {format_size(size)} pixels: UPM reads it from the jar and shows it as "
        f"{shown_as}, scaling it down in the same proportions (nothing to fix; "
        f"{scaled[0][0].status}: {scaled[0][0].source})",
        hint="Nothing to do; an image drawn for the size it is shown at reads better and is "
        "smaller.",
    )


# ---- integrity -----------------------------------------------------------------------------


@rule("IMG020", ERROR, ImageView, integrity=True)
def pixel_bomb(image: ImageView) -> Iterator[Problem]:
    """The header claims more pixels than the limit (default 12 million); it is never decoded.

    A small file whose header claims 100,000 x 100,000 pixels makes a decoder allocate tens of
    gigabytes: a decompression bomb.

    Passing: a 1840x900 highlight (1.7 million pixels).
    Failing: a 100-byte PNG claiming 100,000 x 100,000 pixels; a BMP claiming 60,000 x 60,000.
    """
    facts = image.facts
    if facts is None or not facts.pixel_bomb:
        return
    claimed = ""
    if facts.width is not None and facts.height is not None:
        pixels = facts.width * facts.height
        claimed = f" ({format_size((facts.width, facts.height))}, {pixels:,} pixels)"
    yield Problem(
        f"the header claims more pixels{claimed} than the limit of "
        f"{image.limits.max_image_pixels:,}; the image was not decoded",
        hint="No listing image is that large; replace the file with an export at its type's size.",
    )


@rule("IMG021", ERROR, ImageView, integrity=True)
def corrupt(image: ImageView) -> Iterator[Problem]:
    """The image is truncated, corrupt, or its header cannot be read.

    Detected without decoding by walking the file's structure (PNG chunk CRCs, JPEG segments,
    GIF blocks, BMP sizes), then by a full decode of images within the pixel limit.

    Passing: an image exported by an image editor and copied intact.
    Failing: a PNG cut short by an interrupted copy; a PNG chunk with a bad CRC; garbled data.
    """
    facts = image.facts
    if facts is None or facts.format is None:
        return  # empty and non-image files are IMG001's and IMG002's
    name = _format_name(facts.format)
    if facts.header_error is not None:
        message = f"the {name} header cannot be read: {facts.header_error}"
    elif facts.decode_error is not None:
        message = f"the {name} image does not read completely: {facts.decode_error}"
    else:
        return
    yield Problem(
        f"{message} (expected an intact {name} file)",
        hint="The file is damaged: export it again from the original, or copy it again.",
    )


@rule("IMG022", ERROR, ImageView, integrity=True)
def too_large_to_read(image: ImageView) -> Iterator[Problem]:
    """The image file is larger than the image read limit (default 32 MiB); it is not read.

    Passing: listing images of a few hundred KB.
    Failing: a 100 MB file referenced as a screenshot.
    """
    limit = image.limits.max_image_bytes
    if image.size > limit:
        yield Problem(
            f"the image is {image.size:,} bytes, over the {_bytes(limit)} limit for images, "
            "so it was not read or checked",
            hint="Listing images are a few MB at most: export it again at its type's size.",
        )


@rule("IMG030", ERROR, ImageView)
def trailing_data(image: ImageView) -> Iterator[Problem]:
    """Data after the image's end (PNG IEND, JPEG EOI, GIF trailer, BMP pixel data).

    Image viewers ignore it, which is how image+JAR polyglots are made: a GIF that is also a
    valid jar. No image editor writes it.

    Passing: an image that ends where its format says.
    Failing: a GIF with a jar appended (``cat logo.gif app.jar > logo.gif``).
    """
    facts = image.facts
    if facts is None or facts.format is None or facts.trailing_bytes <= 0:
        return
    end = IMAGE_ENDS.get(facts.format, "the image data")
    yield Problem(
        f"{facts.trailing_bytes:,} bytes of data after {end} "
        f"(expected the file to end with the {_format_name(facts.format)} image)",
        hint="Export the image again from an image editor, and treat this file as suspect "
        "until you know what appended the data.",
    )


# ---- fitness for the listing ---------------------------------------------------------------


@rule("IMG040", WARNING, ImageView)
def larger_than_type_allows(image: ImageView) -> Iterator[Problem]:
    """The file is larger than its image type's byte limit (default 10 MiB).

    Atlassian publishes no maximum file size: the limit is a guard against oversized exports,
    so this is a warning.

    Passing: a 200 KB highlight.
    Failing: a 25 MB uncompressed highlight.
    """
    over = [t for t in image.types if t.max_bytes is not None and image.size > t.max_bytes]
    if over:
        limit = min(t.max_bytes or 0 for t in over)
        yield Problem(
            f"the file is {image.size:,} bytes, over the {_bytes(limit)} limit for "
            f"{_types(over)} (a guard: Atlassian publishes no maximum)",
            hint="Compress it (e.g. `optipng -o5`, or JPEG quality 85) or reduce its size.",
        )


@rule("IMG041", WARNING, ImageView)
def cmyk_jpeg(image: ImageView) -> Iterator[Problem]:
    """A CMYK JPEG: browsers render CMYK badly (wrong or inverted colours).

    Passing: an RGB (sRGB) JPEG.
    Failing: a JPEG saved for print, in CMYK.
    """
    facts = image.facts
    if facts is not None and facts.format == "jpeg" and facts.mode == "CMYK":
        yield Problem(
            "the JPEG is in CMYK colour (expected RGB: browsers show CMYK with wrong colours)",
            hint="Convert it to sRGB, e.g. `magick in.jpg -colorspace sRGB out.jpg`.",
        )


@rule("IMG042", WARNING, ImageView)
def animated(image: ImageView) -> Iterator[Problem]:
    """An animated GIF or PNG, where a still image is expected.

    Every listing image and descriptor image is a still image; an animation may be refused,
    or shown by its first frame only.

    Passing: a single-frame GIF or PNG.
    Failing: an animated GIF or an APNG used as a logo or highlight.
    """
    facts = image.facts
    if facts is not None and facts.is_animated and facts.format is not None:
        yield Problem(
            f"the {_format_name(facts.format)} is animated ({facts.frames:,} frames; "
            "expected a still image)",
            hint="Export one still frame, e.g. "
            f"`magick '{PurePosixPath(image.name).name}[0]' still.png`" + _renamed(image),
        )


@rule("IMG050", INFO, ImageView)
def no_type(image: ImageView) -> Iterator[Problem]:
    """The image has no type, so only the type-independent checks ran.

    Sizes, accepted formats and file-size limits depend on the image type.

    Passing: ``assetcheck check --image-type logo logo.png``; an image referenced from
    ``atlassian-plugin-marketing.xml``.
    Failing: ``assetcheck check logo.png`` outside a plugin source tree.
    """
    if not image.types and image.expects_type:
        yield Problem(
            "no image type is known for this image, so its size, accepted formats and file "
            "size were not checked (format, extension, integrity and trailing data were)",
            hint="Give it a type: an `image-types` glob in the project configuration "
            '(`"marketing/logo*.png" = "logo"` under [tool.assetcheck.image-types]), '
            "`assetcheck check --image-type TYPE FILE`, or a reference from "
            "atlassian-plugin-marketing.xml or a descriptor image param; "
            "`assetcheck image-types` lists the types.",
        )


@rule("IMG023", ERROR, ImageView, integrity=True)
def decode_budget_spent(image: ImageView) -> Iterator[Problem]:
    """The image was not decoded: the file's images together hold more pixels than the limit.

    An artifact or source tree may decode at most 100 million pixels in all (a listing's
    twenty-odd images hold about 30 million), so a file stuffed with huge images costs
    bounded time; the images past the limit are not verified, and so cannot pass.

    Passing: a listing with a logo, a banner, three highlights and their crops, and screenshots.
    Failing: an artifact that references a hundred 16-megapixel screenshots.
    """
    if image.facts is not None and image.decode_skipped:
        limit = f"{image.limits.max_decoded_pixels:,}"
        yield Problem(
            f"not decoded: the images before it used up the {limit}-pixel decode limit of "
            "this file, so its pixel data was not verified",
            hint="Listing images are at most a few megapixels: export each at its type's "
            "size (`assetcheck image-types`).",
        )
