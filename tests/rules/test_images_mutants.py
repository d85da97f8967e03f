"""The image rules' wording, exactly: the format named, the article before a type, and what
else to do after renaming a referenced image."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from assetcheck.settings import Settings
from tests.builders import flat_image, make_jar, plugin_files
from tests.rules.support import check_one

RENAMED = (
    "; then update its reference (atlassian-plugin-marketing.xml or the descriptor's image param)."
)


def _found(path: Path, code: str, **settings: object) -> list[tuple[str | None, str, str | None]]:
    return [
        (f.entry, f.message, f.hint) for f in check_one(path, **settings).findings if f.code == code
    ]


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_renaming_a_referenced_image_means_updating_its_reference(tmp_path: Path) -> None:
    jpeg = flat_image(144, 144, "JPEG")
    jar = _write(tmp_path, "app.jar", make_jar(plugin_files(**{"images/logo.png": jpeg})))
    said = "the name says PNG (.png) but the content is JPEG (expected a .jpg or .jpeg name)"
    fix = "Re-export it in the format its name says, or rename it to .jpg or .jpeg"
    assert _found(jar, "IMG004") == [("images/logo.png", said, fix + RENAMED)]
    alone = _write(tmp_path, "logo.png", jpeg)
    assert _found(alone, "IMG004", image_type="logo") == [(None, said, fix + ".")]


def test_a_format_without_a_display_name_is_named_in_capitals(tmp_path: Path) -> None:
    path = _write(tmp_path, "logo.tif", flat_image(144, 144, "TIFF"))
    [(_, message, _)] = _found(path, "IMG002", image_type="logo")
    assert message == "the image is TIFF (image/tiff; expected PNG, JPEG, GIF or BMP)"


def test_a_type_whose_name_starts_with_a_vowel_takes_an(tmp_path: Path) -> None:
    logo = Settings().image_types["logo"]
    types = {"icon": dataclasses.replace(logo, name="icon"), "logo": logo}
    path = _write(tmp_path, "icon.png", flat_image(10, 10))
    [(_, message, _)] = _found(path, "IMG010", image_type="icon", image_types=types)
    assert message.startswith("the image is 10x10 pixels, not an accepted size for an icon image")
    [(_, message, _)] = _found(path, "IMG010", image_type="logo", image_types=types)
    assert message == (
        "the image is 10x10 pixels, not an accepted size for a logo image: expected 144x144"
    )
