"""The client against the stand-in in its real-shaped mode (spec section 3).

Asset names and self links, HAL links, error shapes, answers without fileInfo.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

import pytest

from assetcheck.client import BadRequest, InvalidResponse, MarketplaceClient, NotFound
from assetcheck.client.urls import asset_url, encode_segment
from tests.imagebuilders import make_image
from tests.upload.marketplace_server import IMAGE_TYPES, Fault, StandInMarketplace

BASE = "https://marketplace.example.com/rest/2"


def test_show_and_delete_work_on_percent_2f_names(
    client: MarketplaceClient, marketplace: StandInMarketplace, jar_file: Path
) -> None:
    asset = client.upload_artifact(jar_file).asset
    assert "%2F" in asset.asset_name and "/" not in asset.asset_name
    decoded = unquote(asset.asset_name)  # artifact/<uuid>/my-app-1.0.0.jar

    for ref in (asset.asset_name, asset.self_link, decoded):
        assert client.get_asset(ref) == asset
        # One segment on the wire, encoded once: never cut at '/', never %252F.
        assert marketplace.requests[-1].path == f"/rest/2/assets/{asset.asset_name}"

    client.delete_asset(asset.self_link)
    assert marketplace.assets == {}
    with pytest.raises(NotFound):
        client.get_asset(asset.asset_name)


def test_an_absolute_self_link_works_and_a_foreign_one_is_refused(
    client: MarketplaceClient, marketplace: StandInMarketplace, jar_file: Path
) -> None:
    asset = client.upload_artifact(jar_file).asset
    assert client.get_asset(marketplace.origin + asset.self_link) == asset
    before = marketplace.count()
    with pytest.raises(NotFound, match="not a self link of an asset"):
        client.delete_asset("https://elsewhere.example/rest/2/assets/" + asset.asset_name)
    assert marketplace.count() == before  # the credentials went nowhere


@pytest.mark.parametrize(
    ("ref", "url"),
    [
        ("artifact%2Fab%2Fapp.jar", f"{BASE}/assets/artifact%2Fab%2Fapp.jar"),
        ("artifact/ab/app.jar", f"{BASE}/assets/artifact%2Fab%2Fapp.jar"),
        ("/rest/2/assets/artifact%2Fab%2Fapp.jar", f"{BASE}/assets/artifact%2Fab%2Fapp.jar"),
        ("my file 100%.jar", f"{BASE}/assets/my%20file%20100%25.jar"),
    ],
)
def test_asset_addresses_are_one_segment_encoded_once(ref: str, url: str) -> None:
    assert asset_url(BASE, ref) == url


def test_a_segment_keeps_its_escapes() -> None:
    assert encode_segment("a%2fb") == "a%2fb"
    assert encode_segment("a%zz") == "a%25zz"


@pytest.mark.parametrize(
    "ref", ["", "..", "/", "/rest/2/other/x", "/rest/2/assets/", "/rest/2/assets/a?x"]
)
def test_refs_that_name_no_asset_are_refused(ref: str) -> None:
    with pytest.raises(NotFound):
        asset_url(BASE, ref)


def test_an_answer_without_file_info_is_accepted_with_a_warning(
    make_client: Callable[..., MarketplaceClient], jar_file: Path
) -> None:
    with StandInMarketplace(file_info=False) as bare:
        result = make_client(base_url=bare.base_url).upload_artifact(jar_file)
        stored = bare.assets[result.asset.asset_name]
    size = jar_file.stat().st_size
    assert (result.asset.logical_file_name, result.asset.size) == (jar_file.name, size)
    assert stored.size == size
    assert len(result.warnings) == 1 and "no fileInfo" in result.warnings[0]


@pytest.mark.parametrize("image_type", IMAGE_TYPES)
def test_every_real_image_type_uploads_to_its_image_type(
    client: MarketplaceClient, marketplace: StandInMarketplace, png_file: Path, image_type: str
) -> None:
    result = client.upload_image(png_file, image_type)
    assert marketplace.requests[-1].path == f"/rest/2/assets/image/{image_type}"
    assert marketplace.requests[-1].query == {"file": [png_file.name]}
    assert marketplace.assets[result.asset.asset_name].image_type == image_type


@pytest.mark.parametrize("image_type", ["highlight", "plugin-logo", "screenshot-cropped"])
def test_an_unknown_image_type_gets_the_servers_400(
    client: MarketplaceClient, png_file: Path, image_type: str
) -> None:
    with pytest.raises(BadRequest, match=r"Unknown image type .* \(at imageType\)"):
        client.upload_image(png_file, image_type)


def test_links_are_read_as_hal_href_templated(client: MarketplaceClient) -> None:
    links = client.links()
    assert links.image_by_type == "/rest/2/assets/image/{imageType}{?file}"
    assert links.fetch_artifact == "/rest/2/assets/artifact/fetch{?uri}"


def test_links_are_read_in_the_seeds_template_shape(
    client: MarketplaceClient, marketplace: StandInMarketplace
) -> None:
    marketplace.fail_next(
        Fault.raw(b'{"_links": {"imageByType": {"template": "/x/image/{imageType}"}}}')
    )
    assert client.links().image_by_type == "/x/image/{imageType}"


@pytest.mark.parametrize("key", ["errors", "errorDetails"])
def test_both_error_shapes_are_read(
    client: MarketplaceClient, marketplace: StandInMarketplace, key: str
) -> None:
    marketplace.fail_next(Fault.error(400, message="Version exists.", details_key=key))
    with pytest.raises(BadRequest, match=r"HTTP 400\): Version exists"):
        client.links()


def test_an_upload_of_another_size_than_sent_is_still_refused(
    client: MarketplaceClient, marketplace: StandInMarketplace, tmp_path: Path
) -> None:
    image = tmp_path / "logo.png"
    image.write_bytes(make_image(144, 144, "PNG"))
    marketplace.fail_next(Fault.wrong_size(5))
    with pytest.raises(InvalidResponse, match="not trusted"):
        client.upload_image(image, "logo")
