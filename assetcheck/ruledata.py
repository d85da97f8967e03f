"""The rules' data (``rules/data/*.toml``), with what a project's configuration adds to it.

Lists Atlassian may change (banned words, host products, the Java level of each product, the
libraries a platform provides) are data the rules read with :func:`rule_data`. A project extends
them in ``[tool.assetcheck.data.NAME]`` (NAME is the file's name without ``.toml``): a list is
extended, a table merged key by key, any other value replaced. The engine sets the overrides of
the file being checked, so each target sees its own configuration's data.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import tomllib
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

Overrides = Mapping[str, Mapping[str, Any]]

_OVERRIDES: contextvars.ContextVar[Overrides | None] = contextvars.ContextVar(
    "assetcheck_rule_data", default=None
)


def data_names() -> list[str]:
    """The names of the shipped data files (``listing``, ``products``, ...)."""
    folder = resources.files("assetcheck.rules").joinpath("data")
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


@functools.cache
def shipped(name: str) -> dict[str, Any]:
    """The shipped data file ``name`` (with or without ``.toml``), parsed once."""
    file = name if name.endswith(".toml") else f"{name}.toml"
    text = resources.files("assetcheck.rules").joinpath("data", file).read_text(encoding="utf-8")
    return tomllib.loads(text)


def rule_data(name: str) -> dict[str, Any]:
    """The data file ``name`` with the current project's additions merged in."""
    extra = (_OVERRIDES.get() or {}).get(name.removesuffix(".toml"))
    base = shipped(name)
    return merge(base, extra) if extra else base


def merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` extended by ``extra``: lists concatenated, tables merged, the rest replaced."""
    merged = dict(base)
    for key, value in extra.items():
        old = merged.get(key)
        if isinstance(old, list) and isinstance(value, list):
            merged[key] = [*old, *(v for v in value if v not in old)]
        elif isinstance(old, Mapping) and isinstance(value, Mapping):
            merged[key] = merge(old, value)
        else:
            merged[key] = value
    return merged


def shape_problem(name: str, extra: Mapping[str, Any], where: str = "") -> str | None:
    """Why ``extra`` cannot extend data file ``name`` (an unknown key, another type), or None."""
    return _shape(shipped(name), extra, where or name)


def _shape(base: Mapping[str, Any], extra: Mapping[str, Any], where: str) -> str | None:
    for key, value in extra.items():
        if key not in base:
            if base and all(isinstance(v, Mapping) for v in base.values()):
                continue  # a table of entries (one per product, library...): a new entry
            return f"{where}.{key}: unknown key (known: {', '.join(base)})"
        old = base[key]
        if isinstance(old, Mapping):
            if not isinstance(value, Mapping):
                return f"{where}.{key}: expected a table"
            problem = _shape(old, value, f"{where}.{key}")
            if problem:
                return problem
        elif isinstance(old, list):
            if not isinstance(value, list):
                return f"{where}.{key}: expected a list"
            problem = _items_problem(old, value, f"{where}.{key}")
            if problem:
                return problem
        elif not isinstance(old, list) and type(old) is not type(value):
            return f"{where}.{key}: expected a {type(old).__name__}"
    return None


def _items_problem(old: list[Any], new: list[Any], where: str) -> str | None:
    """Why items added to a shipped list are not like its own (another type, an empty text)."""
    kinds = {type(item) for item in old}
    for item in new:
        if kinds and type(item) not in kinds:
            names = " or ".join(sorted(kind.__name__ for kind in kinds))
            return f"{where}: {item!r} is not a {names}, as the shipped items are"
        if isinstance(item, str) and not item.strip():
            return f"{where}: an empty text is not an item"
    return None


@contextlib.contextmanager
def using(overrides: Overrides) -> Iterator[None]:
    """Let the rules run inside see ``overrides`` (a target's configuration)."""
    token = _OVERRIDES.set(overrides)
    try:
        yield
    finally:
        _OVERRIDES.reset(token)
