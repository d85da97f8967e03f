"""Which rules run: --select/--ignore by longest prefix, and integrity rules always."""

from __future__ import annotations

import pytest

from assetcheck.policy import is_selected
from assetcheck.settings import Settings


@pytest.mark.parametrize(
    ("code", "select", "ignore", "runs"),
    [
        # Nothing said: every rule runs.
        ("ZIP010", (), (), True),
        # Select alone.
        ("ZIP010", ("ZIP",), (), True),
        ("MF001", ("ZIP",), (), False),
        ("ZIP010", ("ZIP010",), (), True),
        ("ZIP011", ("ZIP010",), (), False),
        ("ZIP010", ("MF", "ZIP01"), (), True),
        # Ignore alone.
        ("ZIP010", (), ("ZIP",), False),
        ("MF001", (), ("ZIP",), True),
        ("ZIP010", (), ("ZIP011",), True),
        # The longest matching prefix wins, whichever list it is in.
        ("ZIP010", ("ZIP010",), ("ZIP",), True),
        ("ZIP011", ("ZIP010",), ("ZIP",), False),
        ("ZIP010", ("ZIP",), ("ZIP01",), False),
        ("ZIP020", ("ZIP",), ("ZIP01",), True),
        ("ZIP010", ("ZIP01",), ("Z",), True),
        ("ZIP010", ("Z",), ("ZIP0", "ZIP010"), False),
        ("ZIP010", ("ZIP", "ZIP010"), ("ZIP01",), True),
        # A tie goes to --ignore.
        ("ZIP010", ("ZIP",), ("ZIP",), False),
        ("ZIP010", ("ZIP010",), ("ZIP010",), False),
        # A selection that does not match loses even when the ignore list does not match either.
        ("MF001", ("ZIP",), ("DSC",), False),
        # An empty prefix matches everything (length 0).
        ("MF001", ("",), (), True),
        ("MF001", ("",), ("",), False),
        ("MF001", (), ("",), False),
        ("MF001", ("M",), ("",), True),
    ],
)
def test_longest_prefix_wins_ignore_on_a_tie(
    code: str, select: tuple[str, ...], ignore: tuple[str, ...], runs: bool
) -> None:
    assert is_selected(code, select, ignore) is runs


@pytest.mark.parametrize(
    ("select", "ignore"),
    [((), ("ZIP",)), (("DSC",), ()), (("ZIP010",), ("ZIP010",)), (("ZIP",), ("ZIP01",))],
)
def test_integrity_rules_always_run(select: tuple[str, ...], ignore: tuple[str, ...]) -> None:
    assert is_selected("ZIP010", select, ignore, integrity=True) is True
    assert is_selected("ZIP010", select, ignore) is False


def test_settings_ask_the_policy() -> None:
    settings = Settings(select=("ZIP010",), ignore=("ZIP",))
    assert settings.selects("ZIP010")
    assert not settings.selects("ZIP011")
    assert settings.selects("ZIP011", integrity=True)
    assert Settings().selects("MF001")
    assert not Settings(ignore=("MF",)).selects("MF001")
