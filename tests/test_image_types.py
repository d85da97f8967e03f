import pytest

from assetcheck.image_types import (
    ImageTypeError,
    default_image_types,
    load_image_types,
    upload_types,
)

REQUIRED = [
    "logo",
    "banner",
    "highlight",
    "highlight-cropped",
    "screenshot",
    "vendor-logo",
    "plugin-icon",
    "plugin-logo",
    "plugin-banner",
    "vendor-icon",
    "title-logo",
    "hero",
]


def test_shipped_table_has_every_required_type() -> None:
    types = default_image_types()
    assert set(REQUIRED) <= set(types)
    for image_type in types.values():
        assert image_type.formats and image_type.source and image_type.upload_source
        # Only the listing's images are uploaded, each to one of the API's values.
        in_jar = image_type.descriptor_param is not None
        assert (image_type.upload_type is None) == in_jar, image_type.name
        assert in_jar or image_type.upload_type in upload_types()


def test_upload_values_are_the_apis() -> None:
    assert upload_types() == (
        "logo",
        "banner",
        "screenshot",
        "screenshot-thumbnail",
        "title-logo",
        "hero",
    )
    types = default_image_types()
    # A highlight goes up as a screenshot (the full image) plus a thumbnail (its crop).
    assert types["highlight"].upload_type == "screenshot"
    assert types["highlight-cropped"].upload_type == "screenshot-thumbnail"
    assert types["screenshot"].upload_type == "screenshot"


def test_a_size_can_be_less_sure_than_its_type() -> None:
    banner = default_image_types()["banner"]
    assert banner.status_of((1120, 548)) == "official"
    assert banner.status_of((560, 274)) == "copy"


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("logo", (144, 144)),
        ("banner", (1120, 548)),
        ("banner", (560, 274)),
        ("highlight", (1840, 900)),
        ("highlight-cropped", (580, 330)),
    ],
)
def test_spec_sizes_pass(name: str, size: tuple[int, int]) -> None:
    assert default_image_types()[name].size_problem(*size) is None


def test_wrong_size_names_accepted_and_nearest() -> None:
    problem = default_image_types()["logo"].size_problem(1120, 548)
    assert problem is not None and "144x144" in problem
    problem = default_image_types()["highlight"].size_problem(1839, 635)
    assert problem == "expected 1840x900 or 920x450 (nearest: 1840x900)"


def test_convention_types_are_not_certain() -> None:
    types = default_image_types()
    assert types["logo"].certain and types["highlight"].certain
    assert types["screenshot"].certain  # 1840x900 or 920x450, from a copy of the guidelines
    assert not types["plugin-icon"].certain and not types["title-logo"].certain


def test_overrides_merge_key_by_key_and_add_types() -> None:
    types = load_image_types(
        {"logo": {"sizes": ["256x256"]}, "store-badge": {"formats": ["png"], "aspect": 2.0}}
    )
    assert types["logo"].sizes == ((256, 256),)
    assert types["logo"].formats == ("png", "jpeg")  # untouched keys stay
    badge = types["store-badge"]
    assert badge.upload_type is None and badge.status == "unknown"
    assert badge.size_problem(200, 100) is None
    assert "aspect ratio" in (badge.size_problem(200, 150) or "")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"logo": {"sizes": ["big"]}}, "not a size"),
        ({"logo": {"colour": "red"}}, "unknown key"),
        ({"x": {"formats": ["webp"]}}, "formats"),
        ({"x": {}}, "formats"),
        ({"logo": {"status": "rumour"}}, "status"),
        ({"logo": {"max_bytes": -1}}, "max_bytes"),
        ({"logo": {"upload_type": "highlight"}}, "upload_type must be one of the API"),
        ({"banner": {"size_status": {"560x274": "rumour"}}}, "size_status"),
    ],
)
def test_bad_overrides_are_clear_errors(override: dict, message: str) -> None:
    with pytest.raises(ImageTypeError, match=message):
        load_image_types(override)


# --- parsing and validation, one branch at a time ---------------------------------------------

from assetcheck.image_types import (  # noqa: E402
    FORMATS,
    ImageType,
    format_size,
    parse_size,
)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("144x144", (144, 144)),
        ("1120X548", (1120, 548)),
        (" 16 x 16 ", (16, 16)),
        ("580\u00d7330", (580, 330)),
        ("999999x1", (999999, 1)),
        ("0x0", (0, 0)),
    ],
)
def test_parse_size(text: str, size: tuple[int, int]) -> None:
    assert parse_size(text, "here") == size


@pytest.mark.parametrize(
    "text", ["big", "144", "144x", "x144", "1234567x1", "-1x5", "1.5x2", 144, None, ["1x1"]]
)
def test_parse_size_names_where_and_what(text: object) -> None:
    with pytest.raises(ImageTypeError) as caught:
        parse_size(text, "image type 'logo', sizes")
    assert str(caught.value) == f"image type 'logo', sizes: {text!r} is not a size like '144x144'"


def test_format_size() -> None:
    assert format_size((1840, 900)) == "1840x900"


def make(**raw: object) -> ImageType:
    return load_image_types({"t": {"formats": ["png"], **raw}})["t"]


def test_a_new_type_gets_the_documented_defaults() -> None:
    image_type = make()
    assert image_type == ImageType(
        name="t",
        description="t",
        formats=("png",),
        upload_type=None,
        status="unknown",
        source="",
        sizes=(),
        min=None,
        max=None,
        aspect=None,
        aspect_tolerance=0.02,
        max_bytes=None,
        marketing=None,
        descriptor_param=None,
        upload_source="",
        size_status=(),
    )
    assert image_type.size_problem(1, 1) is None
    assert not image_type.certain


def test_every_key_is_carried_over() -> None:
    image_type = make(
        description="A thing",
        formats=["PNG", "jpg", "gif"],
        upload_type="logo",
        upload_source="api",
        status="official",
        source="guidelines",
        sizes=["10x10"],
        min="1x2",
        max="30x40",
        aspect=2,
        aspect_tolerance=0.5,
        max_bytes=100,
        marketing="//logo/@image",
        descriptor_param="plugin-logo",
        size_status={"10x10": "copy"},
    )
    assert image_type == ImageType(
        name="t",
        description="A thing",
        formats=("png", "jpeg", "gif"),
        upload_type="logo",
        status="official",
        source="guidelines",
        sizes=((10, 10),),
        min=(1, 2),
        max=(30, 40),
        aspect=2.0,
        aspect_tolerance=0.5,
        max_bytes=100,
        marketing="//logo/@image",
        descriptor_param="plugin-logo",
        upload_source="api",
        size_status=(((10, 10), "copy"),),
    )
    assert isinstance(image_type.aspect, float)
    assert image_type.status_of((10, 10)) == "copy"
    assert image_type.status_of((20, 20)) == "official"


@pytest.mark.parametrize("status", ["official", "copy"])
def test_numbers_from_atlassian_are_certain(status: str) -> None:
    assert make(status=status).certain


@pytest.mark.parametrize("status", ["convention", "unknown"])
def test_conventions_are_not_certain(status: str) -> None:
    assert not make(status=status).certain


@pytest.mark.parametrize(
    ("raw", "size", "problem"),
    [
        ({"sizes": ["10x10"]}, (10, 10), None),
        ({"sizes": ["10x10"]}, (10, 11), "expected 10x10"),
        ({"sizes": ["10x10", "20x20"]}, (20, 20), None),
        ({"sizes": ["10x10", "20x20"]}, (18, 21), "expected 10x10 or 20x20 (nearest: 20x20)"),
        ({"sizes": ["10x10", "20x20"]}, (12, 9), "expected 10x10 or 20x20 (nearest: 10x10)"),
        (
            {"sizes": ["10x10", "20x20", "30x5"]},
            (29, 9),
            "expected 10x10 or 20x20 or 30x5 (nearest: 30x5)",
        ),
        ({"min": "10x20"}, (10, 20), None),
        ({"min": "10x20"}, (9, 20), "expected at least 10x20"),
        ({"min": "10x20"}, (10, 19), "expected at least 10x20"),
        ({"max": "10x20"}, (10, 20), None),
        ({"max": "10x20"}, (11, 20), "expected at most 10x20"),
        ({"max": "10x20"}, (10, 21), "expected at most 10x20"),
        ({"min": "5x5", "max": "10x10"}, (4, 11), "expected at least 5x5"),
        ({"aspect": 2.0}, (200, 100), None),
        ({"aspect": 2.0}, (203, 100), None),  # within 2%
        ({"aspect": 2.0}, (197, 100), None),
        ({"aspect": 2.0}, (205, 100), "expected an aspect ratio of 2:1 (±2%), got 2.05:1"),
        ({"aspect": 2.0}, (195, 100), "expected an aspect ratio of 2:1 (±2%), got 1.95:1"),
        ({"aspect": 2.0, "aspect_tolerance": 0.1}, (215, 100), None),
        # Exactly at the tolerance (exact in binary floating point) is still accepted.
        ({"aspect": 2.0, "aspect_tolerance": 0.5}, (300, 100), None),
        ({"aspect": 2.0, "aspect_tolerance": 0.5}, (100, 100), None),
        (
            {"aspect": 2.0, "aspect_tolerance": 0.1},
            (225, 100),
            "expected an aspect ratio of 2:1 (±10%), got 2.25:1",
        ),
        ({"aspect": 2.0}, (5, 0), None),  # no height: the decoder's finding, not a ratio
        ({"sizes": ["10x10"], "min": "20x20"}, (10, 10), "expected at least 20x20"),  # all apply
    ],
)
def test_size_problem(raw: dict, size: tuple[int, int], problem: str | None) -> None:
    assert make(**raw).size_problem(*size) == problem


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"logo": {"colour": "red", "bad": 1}}, "image type 'logo': unknown key(s) bad, colour"),
        (
            {"x": {"formats": []}},
            f"image type 'x': formats must be a non-empty list of {', '.join(FORMATS)}",
        ),
        (
            {"x": {"formats": ["png", "webp"]}},
            "image type 'x': formats must be a non-empty list of png, jpeg, gif, bmp",
        ),
        (
            {"logo": {"status": "rumour"}},
            "image type 'logo': status must be one of official, copy, convention, unknown",
        ),
        ({"logo": {"aspect": 0}}, "image type 'logo': aspect must be a positive number"),
        ({"logo": {"aspect": -1.5}}, "image type 'logo': aspect must be a positive number"),
        ({"logo": {"aspect": "wide"}}, "image type 'logo': aspect must be a positive number"),
        (
            {"logo": {"max_bytes": 0}},
            "image type 'logo': max_bytes must be a positive whole number",
        ),
        (
            {"logo": {"max_bytes": 1.5}},
            "image type 'logo': max_bytes must be a positive whole number",
        ),
        (
            {"logo": {"size_status": ["1x1"]}},
            "image type 'logo': size_status maps sizes to official, copy, convention, unknown",
        ),
        (
            {"logo": {"size_status": {"1x1": "rumour"}}},
            "image type 'logo': size_status maps sizes to",
        ),
        (
            {"logo": {"size_status": {"big": "copy"}}},
            "image type 'logo', size_status: 'big' is not a size",
        ),
        ({"logo": {"min": "big"}}, "image type 'logo', min: 'big' is not a size"),
        ({"logo": {"max": 5}}, "image type 'logo', max: 5 is not a size"),
        ({"logo": {"sizes": ["1x1", "x"]}}, "image type 'logo', sizes: 'x' is not a size"),
        (
            {"logo": {"upload_type": "highlight"}},
            "image type 'logo': upload_type must be one of the API's {imageType} values "
            "(logo, banner, screenshot, screenshot-thumbnail, title-logo, hero), "
            "or absent for an image that is never uploaded",
        ),
    ],
)
def test_bad_overrides_name_the_type_and_key(override: dict, message: str) -> None:
    with pytest.raises(ImageTypeError) as caught:
        load_image_types(override)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize("value", [1, 1.0, 0.5, 100])
def test_a_positive_aspect_is_taken(value: float) -> None:
    assert make(aspect=value).aspect == float(value)


def test_max_bytes_one_is_positive() -> None:
    assert make(max_bytes=1).max_bytes == 1


def test_an_empty_override_changes_nothing() -> None:
    assert load_image_types() == load_image_types({}) == load_image_types(None)
    assert load_image_types({"logo": {}})["logo"] == default_image_types()["logo"]


def test_the_shipped_table_is_loaded_once_and_not_changed_by_overrides() -> None:
    before = default_image_types()["logo"]
    load_image_types({"logo": {"sizes": ["1x1"]}})
    assert default_image_types()["logo"] == before
    assert default_image_types() is default_image_types()
