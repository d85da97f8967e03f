"""Image rules (IMG): image files given on the command line, and images a plugin references."""

from __future__ import annotations

import dataclasses
import io
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from assetcheck.image_types import ImageType, default_image_types
from assetcheck.report.model import FileReport
from assetcheck.rules.images import _bytes, _formats, resize_advice
from assetcheck.settings import DEFAULT_LIMITS, Settings
from assetcheck.views import ImageView
from tests.builders import (
    descriptor,
    flat_image,
    make_jar,
    make_obr,
    marketing,
    plugin_files,
    source_files,
    write_tree,
)
from tests.catalogue import RULES, check_paths
from tests.imagebuilders import (
    bmp_bomb_header,
    corrupt_png_crc,
    make_animated_gif,
    make_animated_webp,
    make_image,
    make_tiny_jar,
    make_webp,
    png_bomb_header,
    png_chunk,
    png_chunk_offset,
)
from tests.rules.support import Case, check_one, codes, file_case, run_case

HIGHLIGHT3 = "images/highlight3.png"
# Real apps ship this: a 1839x635 JPEG named highlight3.png.
JPEG_HIGHLIGHT = flat_image(1839, 635, "JPEG")
LOGO = flat_image(144, 144)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="144" height="144"><rect/></svg>'
IEND = png_chunk(b"IEND", b"")


def _apng(width: int, height: int, frames: int) -> bytes:
    images = [Image.new("RGB", (width, height), (i * 60, 0, 0)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "PNG", save_all=True, append_images=images[1:])
    return out.getvalue()


def _with_chunk_before_idat(png: bytes, chunk: bytes) -> bytes:
    pos = png_chunk_offset(png, b"IDAT")
    return png[:pos] + chunk + png[pos:]


def _corrupt_idat(png: bytes) -> bytes:
    """The PNG with its image data replaced by garbage under a correct CRC: well formed, corrupt."""
    pos = png_chunk_offset(png, b"IDAT")
    (length,) = struct.unpack_from(">I", png, pos)
    garbage = zlib.compress(b"\x07" * 10)[:-4] + b"\xde\xad\xbe\xef" * 4
    return png[:pos] + png_chunk(b"IDAT", garbage) + png[pos + 12 + length :]


def _sparse_image(size: int) -> Case:
    """A PNG padded (sparsely, so it costs no disk) to ``size`` bytes."""

    def build(folder: Path) -> Path:
        path = folder / "huge.png"
        path.write_bytes(LOGO)
        with path.open("r+b") as handle:
            handle.truncate(size)
        return path

    return Case("over-read-limit", "IMG022", build, image_type="logo")


def image_case(
    case_id: str, code: str, data: bytes, name: str = "logo.png", **kwargs: object
) -> Case:
    """A case whose target is one image file (a logo.png unless named otherwise)."""
    return file_case(case_id, code, data, name, **kwargs)


def jar_case(case_id: str, code: str, entry: str, **files: bytes | str | None) -> Case:
    """A plugin jar with these files replaced (None drops one); the finding must be at entry."""

    def build(folder: Path) -> Path:
        path = folder / "app.jar"
        path.write_bytes(make_jar(**files))
        return path

    return Case(case_id, code, build, entry=entry)


def source_case(case_id: str, code: str, entry: str, **files: bytes | str | None) -> Case:
    """A plugin source tree (src/main/resources) with these files replaced."""

    def build(folder: Path) -> Path:
        return write_tree(folder / "src" / "main" / "resources", source_files(**files))

    return Case(case_id, code, build, entry=entry)


# One image referenced both as the listing logo and as the plugin-logo param.
SHARED_LOGO_DESCRIPTOR = descriptor(params={"plugin-logo": "images/logo.png"})

CASES: list[Case] = [
    image_case("empty", "IMG001", b"", image_type="logo", only=True),
    image_case("webp-named-png", "IMG002", make_webp(144, 144), image_type="logo", only=True),
    image_case("svg", "IMG002", SVG, name="logo.svg", image_type="logo", only=True),
    image_case("tiff", "IMG002", make_image(144, 144, "TIFF"), name="logo.tif", image_type="logo"),
    image_case("html-named-png", "IMG002", b"<html><body>404</body></html>\n", image_type="logo"),
    image_case(
        "gif-logo", "IMG003", flat_image(144, 144, "GIF"), "logo.gif", image_type="logo", only=True
    ),
    image_case(
        "bmp-highlight",
        "IMG003",
        flat_image(1840, 900, "BMP"),
        "hl.bmp",
        image_type="highlight",
        only=True,
    ),
    image_case(
        "jpeg-named-png", "IMG004", flat_image(144, 144, "JPEG"), image_type="logo", only=True
    ),
    image_case("png-named-jpg", "IMG004", LOGO, "logo.jpg", image_type="logo", only=True),
    jar_case(
        "param-without-extension",
        "IMG004",
        "images/pluginIcon",
        **{
            "atlassian-plugin.xml": descriptor(params={"plugin-icon": "images/pluginIcon"}),
            "images/pluginIcon": flat_image(16, 16),
            "images/pluginIcon.png": None,
        },
    ),
    image_case("banner-as-logo", "IMG010", flat_image(1120, 548), image_type="logo", only=True),
    jar_case("jpeg-highlight3-in-jar", "IMG010", HIGHLIGHT3, **{HIGHLIGHT3: JPEG_HIGHLIGHT}),
    jar_case("jpeg-highlight3-named-png", "IMG004", HIGHLIGHT3, **{HIGHLIGHT3: JPEG_HIGHLIGHT}),
    source_case("jpeg-highlight3-in-source", "IMG010", HIGHLIGHT3, **{HIGHLIGHT3: JPEG_HIGHLIGHT}),
    image_case(
        "out-of-proportion-plugin-icon",
        "IMG011",
        flat_image(32, 24),
        "icon.png",
        image_type="plugin-icon",
        only=True,
    ),
    image_case(
        "small-plugin-icon", "IMG011", flat_image(8, 8), "icon.png", image_type="plugin-icon"
    ),
    image_case(
        "logo-as-plugin-icon",
        "IMG012",
        LOGO,
        "icon.png",
        image_type="plugin-icon",
        only=True,
    ),
    jar_case(
        "listing-logo-reused-as-plugin-icon",
        "IMG012",
        "images/logo.png",
        **{"atlassian-plugin.xml": descriptor(params={"plugin-icon": "images/logo.png"})},
    ),
    image_case(
        "small-screenshot",
        "IMG010",
        flat_image(640, 400),
        "shot.png",
        image_type="screenshot",
        only=True,
    ),
    image_case(
        "png-pixel-bomb",
        "IMG020",
        png_bomb_header(100_000, 100_000) + png_chunk(b"IDAT", b"x") + IEND,
        image_type="logo",
        only=True,
    ),
    image_case("bmp-60000", "IMG020", bmp_bomb_header(60_000, 60_000), "b.bmp", image_type="hero"),
    image_case("truncated", "IMG021", LOGO[:-40], image_type="logo", only=True),
    image_case("bad-crc", "IMG021", corrupt_png_crc(LOGO, b"IDAT"), image_type="logo", only=True),
    image_case("corrupt-data", "IMG021", _corrupt_idat(LOGO), image_type="logo", only=True),
    image_case("jpeg-without-frame", "IMG021", b"\xff\xd8\xff\xd9", "logo.jpg", image_type="logo"),
    _sparse_image(32 * 1024 * 1024 + 1),
    image_case(
        "gif-with-jar",
        "IMG030",
        flat_image(72, 72, "GIF") + make_tiny_jar(),
        "logo.gif",
        image_type="plugin-logo",
        only=True,
    ),
    image_case(
        "png-over-type-limit",
        "IMG040",
        _with_chunk_before_idat(LOGO, png_chunk(b"prVt", bytes(11 * 1024 * 1024))),
        image_type="logo",
        only=True,
    ),
    image_case(
        "cmyk",
        "IMG041",
        make_image(144, 144, "JPEG", mode="CMYK"),
        "logo.jpg",
        image_type="logo",
        only=True,
    ),
    image_case(
        "animated-gif",
        "IMG042",
        make_animated_gif(72, 72, 3),
        "logo.gif",
        image_type="plugin-logo",
        only=True,
    ),
    image_case("apng", "IMG042", _apng(144, 144, 3), image_type="logo", only=True),
    image_case("no-type", "IMG050", LOGO, only=True),
    # Nine 3400x3400 screenshots: 104 million pixels, over the 100-million decode limit.
    jar_case(
        "decode-limit-spent",
        "IMG023",
        "images/shot9.png",
        **{
            "atlassian-plugin-marketing.xml": marketing(
                screenshots=[f"images/shot{i}.png" for i in range(1, 10)]
            ),
            **{f"images/shot{i}.png": flat_image(3400, 3400) for i in range(1, 10)},
        },
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)


def _check_file(
    tmp_path: Path, data: bytes, name: str = "logo.png", image_type: str | None = None
) -> FileReport:
    path = tmp_path / name
    path.write_bytes(data)
    return check_one(path, image_type=image_type)


def _size_for(name: str) -> tuple[int, int]:
    image_type = default_image_types()[name]
    if image_type.sizes:
        return image_type.sizes[0]
    if image_type.min:
        return image_type.min
    return (800, 400)


# ---- good images pass ----------------------------------------------------------------------


@pytest.mark.parametrize("type_name", sorted(default_image_types()))
def test_good_image_of_each_type_passes(type_name: str, tmp_path: Path) -> None:
    result = _check_file(tmp_path, flat_image(*_size_for(type_name)), image_type=type_name)
    assert result.findings == []


@pytest.mark.parametrize("name", ["shot.jpg", "shot.jpeg", "SHOT.JPG"])
def test_jpg_and_jpeg_both_name_a_jpeg(name: str, tmp_path: Path) -> None:
    result = _check_file(tmp_path, flat_image(1840, 900, "JPEG"), name, "screenshot")
    assert result.findings == []


@pytest.mark.parametrize("size", [(1840, 900), (920, 450)])
def test_every_accepted_size_passes(size: tuple[int, int], tmp_path: Path) -> None:
    assert _check_file(tmp_path, flat_image(*size), image_type="highlight").findings == []


# ---- messages say what is wrong and what was expected --------------------------------------


def test_logo_of_banner_size_names_the_logo_size(tmp_path: Path) -> None:
    result = _check_file(tmp_path, flat_image(1120, 548), image_type="logo")
    [finding] = result.findings
    assert finding.code == "IMG010"
    assert "1120x548" in finding.message
    assert "144x144" in finding.message
    assert "144x144" in (finding.hint or "")


def test_wrong_highlight_names_accepted_sizes_and_how_to_reach_one(tmp_path: Path) -> None:
    result = _check_file(tmp_path, flat_image(1839, 635), image_type="highlight")
    [finding] = result.findings
    assert finding.message == (
        "the image is 1839x635 pixels, not an accepted size for a highlight image: "
        "expected 1840x900 or 920x450"
    )
    assert finding.hint == (
        "Scale it to 1840x635 (keeping its proportions) then pad the height to 1840x900, "
        "or crop the width to 1298x635 then scale it to 1840x900."
    )


def test_size_advice_keeps_the_proportions_and_aims_at_the_size_least_scaled(
    tmp_path: Path,
) -> None:
    # 920x450 is "nearest" by pixels, but 1230x800 is far closer to 1840x900 once the
    # proportions are kept (scaled by 1.125 to fit, against 0.56).
    [finding] = _check_file(tmp_path, flat_image(1230, 800), image_type="highlight").findings
    assert finding.hint == (
        "Scale it to 1384x900 (keeping its proportions) then pad the width to 1840x900, "
        "or crop the height to 1230x602 then scale it to 1840x900."
    )


@pytest.mark.parametrize(
    ("size", "target", "advice"),
    [
        ((3680, 1800), (1840, 900), "scale it to 1840x900"),
        ((1838, 900), (1840, 900), "scale it to 1840x900"),  # proportions within 1 %
        ((72, 72), (144, 144), "export it again at 144x144 (scaling 72x72 up blurs it)"),
        (
            (2000, 500),
            (1840, 900),
            "scale it to 1840x460 (keeping its proportions) then pad the height to 1840x900, "
            "or crop the width to 1022x500 then scale it to 1840x900",
        ),
        (
            (640, 400),
            (920, 450),
            "scale it to 720x450 (keeping its proportions) then pad the width to 920x450, "
            "or crop the height to 640x313 then scale it to 920x450",
        ),
        (
            (10_000, 1),
            (16, 16),
            "scale it to 16x1 (keeping its proportions) then pad the height to 16x16, "
            "or crop the width to 1x1 then scale it to 16x16",
        ),
    ],
)
def test_resize_advice(size: tuple[int, int], target: tuple[int, int], advice: str) -> None:
    assert resize_advice(size, target) == advice


def test_small_screenshot_is_sent_to_the_small_size(tmp_path: Path) -> None:
    [finding] = _check_file(tmp_path, flat_image(640, 400), image_type="screenshot").findings
    assert "then pad the width to 920x450" in (finding.hint or "")


def test_listing_logo_reused_as_plugin_icon_is_scaled_by_upm(tmp_path: Path) -> None:
    path = tmp_path / "app.jar"
    files = {"atlassian-plugin.xml": descriptor(params={"plugin-icon": "images/logo.png"})}
    path.write_bytes(make_jar(**files))
    [finding] = [f for f in check_one(path).findings if f.code.startswith("IMG")]
    assert (finding.code, finding.entry, finding.severity.label) == (
        "IMG012",
        "images/logo.png",
        "info",
    )
    assert finding.message.startswith(
        "the image is 144x144 pixels: UPM reads it from the jar and shows it as a plugin-icon "
        "image at 16x16, scaling it down in the same proportions"
    )
    assert "16x16" not in (finding.hint or "")  # nobody is told to export it at 16x16


def test_listing_types_are_never_taken_as_scaled(tmp_path: Path) -> None:
    # A 288x288 listing logo is in proportion, but the Marketplace does not say it scales.
    assert codes(_check_file(tmp_path, flat_image(288, 288), image_type="logo")) == ["IMG010"]


def test_screenshot_size_message_names_both_published_sizes(tmp_path: Path) -> None:
    [finding] = _check_file(tmp_path, flat_image(640, 400), image_type="screenshot").findings
    assert finding.code == "IMG010"
    assert "1840x900 or 920x450" in finding.message


def test_extension_message_names_both_formats(tmp_path: Path) -> None:
    [finding] = _check_file(tmp_path, flat_image(144, 144, "JPEG"), image_type="logo").findings
    assert "PNG (.png)" in finding.message
    assert "content is JPEG" in finding.message
    assert ".jpg or .jpeg" in finding.message


def test_not_an_upload_format_names_the_real_format(tmp_path: Path) -> None:
    [finding] = _check_file(tmp_path, make_webp(144, 144), image_type="logo").findings
    assert "WebP" in finding.message
    assert "PNG, JPEG, GIF or BMP" in finding.message


def test_animated_message_counts_the_frames_of_a_webp(tmp_path: Path) -> None:
    # The walk counts a WebP's frames (ANMF chunks), as it does a GIF's and an APNG's.
    report = _check_file(tmp_path, make_animated_webp(1_200, 144, 144), "logo.webp", "logo")
    [finding] = [f for f in report.findings if f.code == "IMG042"]
    assert finding.message.startswith("the WebP is animated (1,200 frames; expected a still")


def test_pixel_bomb_message_names_claim_and_limit(tmp_path: Path) -> None:
    data = png_bomb_header(100_000, 100_000) + png_chunk(b"IDAT", b"x") + IEND
    [finding] = _check_file(tmp_path, data, image_type="logo").findings
    assert "100000x100000" in finding.message
    assert "12,000,000" in finding.message
    assert "not decoded" in finding.message


def test_trailing_data_message_counts_the_bytes(tmp_path: Path) -> None:
    jar = make_tiny_jar()
    data = flat_image(72, 72, "GIF") + jar
    [finding] = _check_file(tmp_path, data, "x.gif", "plugin-logo").findings
    assert f"{len(jar):,} bytes" in finding.message
    assert "GIF trailer" in finding.message


def test_too_large_to_read_names_the_limit(tmp_path: Path) -> None:
    case = _sparse_image(32 * 1024 * 1024 + 1)
    result = check_one(case.build(tmp_path), image_type="logo")
    # Nothing was read, so only the rules that need no bytes speak.
    assert set(codes(result)) == {"IMG022", "IMG040"}
    [finding] = [f for f in result.findings if f.code == "IMG022"]
    assert "32 MiB limit" in finding.message


def test_no_type_says_how_to_give_one(tmp_path: Path) -> None:
    [finding] = _check_file(tmp_path, LOGO).findings
    hint = finding.hint or ""
    assert "--image-type TYPE" in hint
    assert "atlassian-plugin-marketing.xml" in hint
    assert "assetcheck image-types" in hint


def test_untyped_image_still_gets_type_independent_checks(tmp_path: Path) -> None:
    result = _check_file(tmp_path, flat_image(1120, 548, "JPEG") + b"tail")
    assert set(codes(result)) == {"IMG004", "IMG030", "IMG050"}


def test_unjudgeable_images_get_no_size_finding(tmp_path: Path) -> None:
    # An SVG has no header size that was read, an empty file none at all.
    assert set(codes(_check_file(tmp_path, SVG, "x.svg", "logo"))) == {"IMG002"}
    assert set(codes(_check_file(tmp_path, b"", "y.png", "logo"))) == {"IMG001"}


def test_bmp_bomb_is_reported_and_not_decoded(tmp_path: Path) -> None:
    result = _check_file(tmp_path, bmp_bomb_header(60_000, 60_000), "x.bmp", "plugin-logo")
    # The header is hostile: its claimed size is not a resize to suggest.
    assert "IMG020" in codes(result)
    assert not {"IMG010", "IMG011"} & set(codes(result))


# ---- images inside artifacts and source trees ----------------------------------------------


def test_jpeg_highlight_in_jar_is_flagged_there_and_nowhere_else(tmp_path: Path) -> None:
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(**{HIGHLIGHT3: JPEG_HIGHLIGHT}))
    found = {(f.code, f.entry) for f in check_one(path).findings}
    assert found == {("IMG004", HIGHLIGHT3), ("IMG010", HIGHLIGHT3)}


def test_source_tree_gives_the_same_image_findings_as_the_jar(tmp_path: Path) -> None:
    jar = tmp_path / "app.jar"
    jar.write_bytes(make_jar(**{HIGHLIGHT3: JPEG_HIGHLIGHT}))
    root = write_tree(tmp_path / "resources", source_files(**{HIGHLIGHT3: JPEG_HIGHLIGHT}))

    def image_findings(path: Path) -> set[tuple[str, str | None, str]]:
        return {
            (f.code, f.entry, f.message) for f in check_one(path).findings if f.code[:3] == "IMG"
        }

    assert image_findings(root) == image_findings(jar)


def test_image_in_obr_plugin_carries_the_nested_path(tmp_path: Path) -> None:
    path = tmp_path / "app.obr"
    path.write_bytes(make_obr(make_jar(**{HIGHLIGHT3: JPEG_HIGHLIGHT})))
    entries = {f.entry for f in check_one(path).findings if f.code == "IMG010"}
    assert entries == {f"issuehelper-1.2.0.jar!/{HIGHLIGHT3}"}


def test_image_referenced_as_two_types_is_checked_against_both(tmp_path: Path) -> None:
    # A 144x144 GIF named logo.png, with data appended, used as logo and as plugin-logo:
    # only logo refuses GIF, and the type-independent findings come once.
    gif = flat_image(144, 144, "GIF") + b"appended"
    files = plugin_files(
        **{
            "atlassian-plugin.xml": SHARED_LOGO_DESCRIPTOR,
            "images/logo.png": gif,
            "images/pluginLogo.png": None,
        }
    )
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(files))
    image = [f for f in check_one(path).findings if f.code.startswith("IMG")]
    assert sorted(f.code for f in image) == ["IMG003", "IMG004", "IMG030"]
    assert {f.entry for f in image} == {"images/logo.png"}
    [wrong_format] = [f for f in image if f.code == "IMG003"]
    assert "a logo image" in wrong_format.message


def test_image_wrong_for_two_types_gets_one_finding_naming_both(tmp_path: Path) -> None:
    files = {
        "atlassian-plugin-marketing.xml": marketing(screenshots=["images/highlight1.png"]),
        "images/highlight1.png": flat_image(1230, 800),
    }
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(**files))
    [finding] = [f for f in check_one(path).findings if f.code.startswith("IMG")]
    assert finding.message == (
        "the image is 1230x800 pixels, not an accepted size for a highlight image (expected "
        "1840x900 or 920x450) or for a screenshot image (expected 1840x900 or 920x450)"
    )
    assert "Scale it to 1384x900" in (finding.hint or "")


def test_no_one_size_suits_clashing_types(tmp_path: Path) -> None:
    # The banner also used as the listing logo: 144x144 and 1120x548 cannot both be met.
    files = {
        "atlassian-plugin-marketing.xml": marketing().replace(
            '<logo image="images/logo.png"/>', '<logo image="images/banner.png"/>'
        ),
    }
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(**files))
    [finding] = [f for f in check_one(path).findings if f.code.startswith("IMG")]
    assert finding.code == "IMG010"
    assert "not an accepted size for a logo image: expected 144x144" in finding.message
    assert finding.hint == (
        "No one size suits a logo image or a banner image: give each reference its own "
        "image, exported at its type's size (`assetcheck image-types`)."
    )


def test_a_convention_missed_beside_an_official_size_is_one_finding(tmp_path: Path) -> None:
    # 50x50 as the listing logo (144x144, official) and vendor-logo (72x72, convention).
    files = {
        "atlassian-plugin.xml": descriptor(params={"vendor-logo": "images/logo.png"}),
        "images/logo.png": flat_image(50, 50),
    }
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(**files))
    found = [f for f in check_one(path).findings if f.code.startswith("IMG")]
    assert [f.code for f in found] == ["IMG010"]
    assert found[0].message == (
        "the image is 50x50 pixels, not an accepted size for a logo image (expected 144x144) "
        "or for a vendor-logo image (expected 72x72; convention: the SDK template ships 72x72)"
    )
    assert (found[0].hint or "").startswith("No one size suits a logo image or a vendor-logo")


def test_a_larger_image_in_proportion_is_scaled_for_the_descriptor_type_only(
    tmp_path: Path,
) -> None:
    # 100x100 misses the listing logo's 144x144 (IMG010) and is scaled down as vendor-logo.
    files = {
        "atlassian-plugin.xml": descriptor(params={"vendor-logo": "images/logo.png"}),
        "images/logo.png": flat_image(100, 100),
    }
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(**files))
    found = {f.code: f for f in check_one(path).findings if f.code.startswith("IMG")}
    assert sorted(found) == ["IMG010", "IMG012"]
    assert "vendor-logo" not in found["IMG010"].message
    assert "a vendor-logo image at 72x72" in found["IMG012"].message


def test_wrong_format_for_two_types_is_one_finding(tmp_path: Path) -> None:
    files = {
        "atlassian-plugin-marketing.xml": marketing(screenshots=["images/highlight1.png"]),
        "images/highlight1.png": flat_image(1840, 900, "GIF"),
    }
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(**files))
    [finding] = [f for f in check_one(path).findings if f.code == "IMG003"]
    assert finding.message == (
        "GIF is not what the listing guidelines ask for a highlight image or a screenshot "
        "image (expected PNG or JPEG; the API accepts it)"
    )


def _problems(code: str, data: bytes | None, size: int, *types: ImageType) -> list[str]:
    view = ImageView(name="x.png", size=size, load=lambda: data, types=types, limits=DEFAULT_LIMITS)
    return [p.message for r in IMG_RULES if r.code == code for p in r.check(view)]


def test_over_the_byte_limit_of_two_types_is_one_finding_naming_the_smaller_limit() -> None:
    types = default_image_types()
    small = dataclasses.replace(types["screenshot"], max_bytes=5 * 1024 * 1024)
    [found] = _problems("IMG040", None, 11 * 1024 * 1024, types["highlight"], small)
    assert found == (
        "the file is 11,534,336 bytes, over the 5 MiB limit for a highlight image or a "
        "screenshot image (a guard: Atlassian publishes no maximum)"
    )


def test_wrong_format_names_a_format_every_type_takes() -> None:
    # BMP suits neither; partner-logo would also take GIF, but the listing logo would not.
    types = default_image_types()
    bmp = flat_image(144, 144, "BMP")
    [found] = _problems("IMG003", bmp, len(bmp), types["partner-logo"], types["logo"])
    assert found == (
        "BMP is not what the listing guidelines ask for a partner-logo image or a logo image "
        "(expected PNG or JPEG; the API accepts it)"
    )


def test_a_plugin_checked_twice_says_each_thing_once(tmp_path: Path) -> None:
    """An .obr listing its plugin jar twice under one name (ZIP020) checks both copies: the
    same finding about the same image is reported once, not once per copy."""
    import warnings
    import zipfile

    plugin = make_jar(**{"images/highlight1.png": flat_image(1230, 800)})
    path = tmp_path / "app.obr"
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
        archive.writestr("obr.xml", "<repository/>")
        archive.writestr("issuehelper-1.2.0.jar", plugin)
        archive.writestr("issuehelper-1.2.0.jar", plugin)
    sized = [f for f in check_one(path).findings if f.code == "IMG010"]
    assert [f.entry for f in sized] == ["issuehelper-1.2.0.jar!/images/highlight1.png"]


def test_image_of_two_types_gets_a_size_finding_per_type(tmp_path: Path) -> None:
    # 72x72 suits plugin-logo but not logo: one finding, naming logo's size.
    files = plugin_files(
        **{
            "atlassian-plugin.xml": SHARED_LOGO_DESCRIPTOR,
            "images/logo.png": flat_image(72, 72),
        }
    )
    path = tmp_path / "app.jar"
    path.write_bytes(make_jar(files))
    sized = [f for f in check_one(path).findings if f.code in ("IMG010", "IMG011")]
    assert [(f.code, f.entry) for f in sized] == [("IMG010", "images/logo.png")]
    assert "144x144" in sized[0].message


# ---- helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 bytes"),
        (1023, "1,023 bytes"),
        (1024, "1 KiB"),
        (1536, "1.5 KiB"),
        (10 * 1024 * 1024, "10 MiB"),
        (64 * 1024 * 1024 + 1, "64 MiB"),
        (3 * 1024**3, "3 GiB"),
    ],
)
def test_bytes(count: int, text: str) -> None:
    assert _bytes(count) == text


@pytest.mark.parametrize(
    ("formats", "text"),
    [
        (("png",), "PNG"),
        (("png", "jpeg"), "PNG or JPEG"),
        (("png", "jpeg", "gif", "bmp"), "PNG, JPEG, GIF or BMP"),
    ],
)
def test_formats(formats: tuple[str, ...], text: str) -> None:
    assert _formats(formats) == text


# ---- rules never raise ----------------------------------------------------------------------

IMG_RULES = [r for r in RULES if r.family == "IMG"]
SEEDS = [LOGO, flat_image(72, 72, "GIF"), flat_image(16, 16, "BMP"), flat_image(144, 144, "JPEG")]


def _run_all(data: bytes, name: str) -> None:
    types = tuple(default_image_types().values())
    for types_given in ((), types):
        view = ImageView(
            name=name, size=len(data), load=lambda: data, types=types_given, limits=DEFAULT_LIMITS
        )
        for image_rule in IMG_RULES:
            for problem in image_rule.check(view):
                assert problem.message


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=400), name=st.sampled_from(["x.png", "x.jpg", "x.gif", "x"]))
def test_rules_never_raise_on_arbitrary_bytes(data: bytes, name: str) -> None:
    _run_all(data, name)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.sampled_from(SEEDS),
    cut=st.integers(min_value=0, max_value=2000),
    flips=st.lists(st.tuples(st.integers(0, 2000), st.integers(1, 255)), max_size=4),
)
def test_rules_never_raise_on_damaged_images(
    seed: bytes, cut: int, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(seed[: max(cut, 8)])
    for at, mask in flips:
        if at < len(data):
            data[at] ^= mask
    _run_all(bytes(data), "x.png")


def test_an_unreferenced_broken_image_in_a_source_tree_is_found(tmp_path: Path) -> None:
    """Every image of a tree is checked: a truncated one that nothing references too."""
    tree = write_tree(tmp_path / "src/main/resources", source_files())
    new = tree / "images/new-highlight.png"
    new.write_bytes(flat_image(1840, 900)[:-40])
    for target in (tree, new):  # the whole tree, and the file as a pre-commit hook passes it
        result = check_one(target)
        found = [(f.code, f.entry) for f in result.findings]
        assert ("IMG021", "images/new-highlight.png") in found, found
        assert "IMG050" not in codes(result)  # no type is expected of an unreferenced image


def test_a_tree_and_a_file_inside_it_check_the_whole_tree(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "src/main/resources", source_files())
    (tree / "images/banner.png").write_bytes(flat_image(1120, 548)[:-30])  # truncated
    report = check_paths([tree, tree / "images/logo.png"], Settings())
    [result] = report.files
    assert ("IMG021", "images/banner.png") in [(f.code, f.entry) for f in result.findings]


def test_a_source_tree_report_records_what_each_image_hashed_to(tmp_path: Path) -> None:
    import hashlib

    tree = write_tree(tmp_path / "src/main/resources", source_files())
    result = check_one(tree)
    logo = result.assets["images/logo.png"]
    assert logo.sha256 == hashlib.sha256((tree / "images/logo.png").read_bytes()).hexdigest()
    assert logo.image_types == ("logo",)
    assert set(result.assets) >= {"images/banner.png", "images/pluginIcon.png"}


def test_references_through_symlinks_resolve_only_inside_the_tree(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "src/main/resources", source_files())
    shared = tree / "shared"
    shared.mkdir()
    (tree / "images/logo.png").rename(shared / "logo.png")
    (tree / "images/logo.png").symlink_to(shared / "logo.png")  # a link inside: followed
    outside = tmp_path / "banner.png"
    (tree / "images/banner.png").rename(outside)
    (tree / "images/banner.png").symlink_to(outside)  # a link out of the tree: never opened
    found = {(f.code, f.entry) for f in check_one(tree).findings}
    missing = [f for f in check_one(tree).findings if f.code == "MKT002"]
    assert len(missing) == 1 and "images/banner.png" in missing[0].message, found
    assert not [entry for code, entry in found if entry == "images/logo.png"], found
