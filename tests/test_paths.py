"""Paths as text for people and reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from assetcheck.paths import display


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("plain/app.jar", "plain/app.jar"),
        ("ünï/çødé.png", "ünï/çødé.png"),
        ("bad\udcffname.jar", "bad\\xffname.jar"),
        ("two\udcc3\udca9", "twoé"),  # surrogate-escaped UTF-8 bytes are the real name
    ],
)
def test_display(path: str, shown: str) -> None:
    assert display(path) == shown
    assert display(Path(path)) == shown
    display(path).encode("utf-8")  # always encodable
