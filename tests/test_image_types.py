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
