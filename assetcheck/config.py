"""Project configuration: ``[tool.assetcheck]`` in ``pyproject.toml``, or ``assetcheck.toml``.

A checked file uses the nearest configuration at or above it, as ruff does: in each folder,
``assetcheck.toml`` first, then a ``pyproject.toml`` that has a ``[tool.assetcheck]`` table
(one without it is passed over). Everything is validated when it is read, before a file is
checked: an unknown key, a bad code, glob or value is a :class:`ConfigError` naming the file,
the key and what is allowed, which the CLI turns into exit code 2.

Values are layered: the defaults of :mod:`assetcheck.settings`, then the file, then the
command line; :class:`Config` remembers where each value came from (``assetcheck config``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assetcheck.findings import Severity
from assetcheck.image_types import ImageTypeError, load_image_types, table_version
from assetcheck.paths import display
from assetcheck.policy import ImageTypeGlob, PathIgnore, bad_pattern
from assetcheck.settings import DEFAULT_BASE_URL, DEFAULT_LIMITS, Limits, Settings

if TYPE_CHECKING:
    from assetcheck.registry import RuleSet

CONFIG_FILE = "assetcheck.toml"
PYPROJECT = "pyproject.toml"
# Every key a configuration may hold, with what it takes (said when a key is unknown).
KEYS = {
    "select": "a list of rule codes or prefixes",
    "ignore": "a list of rule codes or prefixes",
    "per-path-ignores": "a table of gitignore-style glob = list of codes",
    "severity": "a table of code = error, warning or info",
    "fail-on": "error or warning",
    "image-types": "a table of gitignore-style glob = image type",
    "image-type": "tables [image-type.NAME] with the keys of rules/image_types.toml",
    "limits": "a table of limit = positive whole number",
    "data": "tables [data.NAME] extending rules/data/NAME.toml",
    "ledger": "a path to the ledger database",
    "base-url": "the Marketplace REST API root, https://...",
}
LIMIT_KEYS = {f.name.replace("_", "-"): f.name for f in dataclasses.fields(Limits)}
# A limit may be raised to this many times its default, never beyond.
LIMIT_CEILING = 16


class ConfigError(ValueError):
    """A configuration file is unreadable or invalid: a usage error (exit code 2)."""


@dataclass(frozen=True)
class Config:
    """One configuration file, validated: its values by key, and the folder it governs."""

    path: Path | None  # None: no file (the defaults)
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        """The folder globs and baseline paths are relative to: the file's own folder."""
        return self.path.parent if self.path is not None else Path.cwd()

    @property
    def source(self) -> str:
        if self.path is None:
            return "default"
        shown = os.path.relpath(self.path)
        if shown.startswith(os.pardir):
            shown = os.fspath(self.path)
        return display(shown) + (" [tool.assetcheck]" if self.path.name == PYPROJECT else "")

    def settings(self, base: Settings) -> Settings:
        """``base`` (the defaults) with this file's values laid over it."""
        values = self.values
        changes: dict[str, Any] = {"root": self.root}
        if "select" in values:
            changes["select"] = tuple(values["select"])
        if "ignore" in values:
            changes["ignore"] = tuple(values["ignore"])
        if "fail-on" in values:
            changes["fail_on"] = Severity.parse(values["fail-on"])
        if "severity" in values:
            changes["severity"] = {
                code: Severity.parse(level) for code, level in values["severity"].items()
            }
        if "per-path-ignores" in values:
            changes["per_path_ignores"] = tuple(
                PathIgnore(glob, tuple(codes)) for glob, codes in values["per-path-ignores"].items()
            )
        if "image-type" in values:
            changes["image_types"] = load_image_types(values["image-type"])
            changes["image_types_version"] = f"{table_version()}+{self.source}"
        if "image-types" in values:
            changes["image_type_globs"] = tuple(
                ImageTypeGlob(glob, name) for glob, name in values["image-types"].items()
            )
        if "data" in values:
            changes["rule_data"] = values["data"]
        if "limits" in values:
            changes["limits"] = dataclasses.replace(
                DEFAULT_LIMITS, **{LIMIT_KEYS[k]: v for k, v in values["limits"].items()}
            )
        return dataclasses.replace(base, **changes)

    def path_value(self, key: str) -> Path | None:
        """A path-valued key (``ledger``), relative to the file's folder."""
        value = self.values.get(key)
        return None if value is None else self.root / value


def find_config(start: Path, cache: dict[Path, Path | None] | None = None) -> Path | None:
    """The configuration file governing ``start``: the nearest at or above it, or None.

    ``cache`` (one per run: files may appear between runs) remembers each folder's answer.
    """
    folder = Path(os.path.abspath(start))
    if not folder.is_dir():
        folder = folder.parent
    cache = {} if cache is None else cache
    walked = []
    found: Path | None = None
    for current in (folder, *folder.parents):
        if current in cache:
            found = cache[current]
            break
        walked.append(current)
        found = _config_in(current)
        if found is not None:
            break
    for current in walked:
        cache[current] = found
    return found


def _config_in(folder: Path) -> Path | None:
    for name in (CONFIG_FILE, PYPROJECT):
        candidate = folder / name
        if candidate.is_file() and (name == CONFIG_FILE or _has_tool_table(candidate)):
            return candidate
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        return "assetcheck" in _read_toml(pyproject).get("tool", {})
    except ConfigError:
        return True  # a broken pyproject.toml that may hold ours: load_config says why


def load_config(path: Path, rules: RuleSet | None = None) -> Config:
    """Read and validate the configuration in ``path``; codes are checked against ``rules``.

    A code that names only integrity rules (a file or entry could not be read or trusted) is
    refused in ``ignore``, ``per-path-ignores`` and ``severity``: it would do nothing, since
    those rules cannot be switched off or re-levelled.
    """
    document = _read_toml(path)
    if path.name == PYPROJECT:
        table = document.get("tool", {}).get("assetcheck")
        if table is None:
            raise ConfigError(f"{display(path)}: no [tool.assetcheck] table")
        prefix = "tool.assetcheck."
    else:
        table, prefix = document, ""
    where = display(path)
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.assetcheck] must be a table")
    return Config(path, _Validator(where, prefix, rules).values(table))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{display(path)}: cannot read: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as error:
        # ValueError: tomllib turns a 5,000-digit number into an int, which Python refuses.
        raise ConfigError(f"{display(path)}: not valid TOML: {error}") from None


@dataclass
class _Validator:
    where: str
    prefix: str
    rules: RuleSet | None

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.where}: {self.prefix}{key}: {problem}")

    def values(self, table: Mapping[str, Any]) -> dict[str, Any]:
        unknown = [key for key in table if key not in KEYS]
        if unknown:
            allowed = ", ".join(KEYS)
            raise self.fail(unknown[0], f"unknown key (allowed: {allowed})")
        checks: dict[str, Callable[[str, Any], Any]] = {
            "select": self.codes,
            "ignore": functools.partial(self.codes, switches_off=True),
            "per-path-ignores": self.per_path_ignores,
            "severity": self.severity,
            "fail-on": self.fail_on,
            "image-types": self.image_type_globs,
            "image-type": self.image_type_tables,
            "limits": self.limits,
            "data": self.data,
            "ledger": self.text,
            "base-url": self.base_url,
        }
        values = {key: checks[key](key, value) for key, value in table.items()}
        if "image-types" in values:
            known = load_image_types(values.get("image-type"))
            for glob, name in values["image-types"].items():
                if name not in known:
                    raise self.fail(
                        f"image-types.{glob!r}",
                        f"unknown image type {name!r} (known: {', '.join(known)}; add one "
                        "with an [image-type.NAME] table)",
                    )
        return values

    def codes(self, key: str, value: Any, *, switches_off: bool = False) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"expected a list of rule codes or prefixes, got {_shown(value)}")
        codes = [v.strip().upper() for v in value]
        for code in codes:
            problem = self.code_problem(code, switches_off=switches_off)
            if problem:
                raise self.fail(key, problem)
        return codes

    def code_problem(self, code: str, *, switches_off: bool) -> str | None:
        if self.rules is None:
            return None if code else "an empty code"
        matching = [r for r in self.rules if r.code.startswith(code)] if code else []
        if not matching:
            families = ", ".join(self.rules.families)
            return f"{code!r} matches no rule code (families: {families}; see `assetcheck rules`)"
        if switches_off and all(r.integrity for r in matching):
            return (
                f"{code!r} names only integrity rules, which say a file could not be read or "
                "trusted: they cannot be switched off or re-levelled"
            )
        return None

    def table(self, key: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"expected {KEYS[key]}, got {_shown(value)}")
        return value

    def glob(self, key: str, glob: str) -> None:
        try:
            problem = bad_pattern(glob)
        except re.error as error:  # pathspec lets re's error out of a bad [range], e.g. [r-p]
            problem = str(error)
        if problem:
            raise self.fail(f"{key}.{glob!r}", f"not a valid gitignore-style glob: {problem}")

    def per_path_ignores(self, key: str, value: Any) -> dict[str, list[str]]:
        result = {}
        for glob, codes in self.table(key, value).items():
            self.glob(key, glob)
            result[glob] = self.codes(f"{key}.{glob!r}", codes, switches_off=True)
        return result

    def severity(self, key: str, value: Any) -> dict[str, str]:
        result = {}
        for code, level in self.table(key, value).items():
            (checked,) = self.codes(f"{key}.{code}", [code], switches_off=True)
            if not isinstance(level, str) or level.strip().lower() not in (
                "error",
                "warning",
                "info",
            ):
                raise self.fail(
                    f"{key}.{code}", f"expected error, warning or info, got {_shown(level)}"
                )
            result[checked] = level.strip().lower()
        return result

    def fail_on(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or value.strip().lower() not in ("error", "warning"):
            raise self.fail(key, f"expected error or warning, got {_shown(value)}")
        return value.strip().lower()

    def image_type_globs(self, key: str, value: Any) -> dict[str, str]:
        result = {}
        for glob, name in self.table(key, value).items():
            self.glob(key, glob)
            if not isinstance(name, str):
                raise self.fail(f"{key}.{glob!r}", f"expected an image type name, got {name!r}")
            result[glob] = name
        return result

    def image_type_tables(self, key: str, value: Any) -> dict[str, dict[str, Any]]:
        tables = self.table(key, value)
        for name, fields in tables.items():
            if not isinstance(fields, dict):
                raise self.fail(f"{key}.{name}", "expected a table of image-type keys")
        try:
            load_image_types(tables)
        except ImageTypeError as error:
            raise self.fail(key, str(error)) from None
        return tables

    def limits(self, key: str, value: Any) -> dict[str, int]:
        result = {}
        for name, number in self.table(key, value).items():
            where = f"{key}.{name}"
            if name not in LIMIT_KEYS:
                raise self.fail(where, f"unknown limit (allowed: {', '.join(LIMIT_KEYS)})")
            if isinstance(number, bool) or not isinstance(number, int) or number <= 0:
                raise self.fail(where, f"expected a positive whole number, got {_shown(number)}")
            ceiling = getattr(DEFAULT_LIMITS, LIMIT_KEYS[name]) * LIMIT_CEILING
            if number > ceiling:
                raise self.fail(
                    where,
                    f"at most {ceiling:_} ({LIMIT_CEILING} times the default): the limits bound "
                    "the time and memory a hostile file can cost, so none can be switched off",
                )
            result[name] = number
        return result

    def data(self, key: str, value: Any) -> dict[str, dict[str, Any]]:
        from assetcheck.ruledata import data_names, shape_problem

        tables = self.table(key, value)
        known = data_names()
        for name, extra in tables.items():
            if name not in known:
                raise self.fail(f"{key}.{name}", f"no such data file (known: {', '.join(known)})")
            if not isinstance(extra, dict):
                raise self.fail(f"{key}.{name}", "expected a table")
            problem = shape_problem(name, extra)
            if problem:
                raise self.fail(f"{key}.{problem}", "cannot extend the shipped data this way")
        return tables

    def text(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected {KEYS[key]}, got {_shown(value)}")
        return value

    def base_url(self, key: str, value: Any) -> str:
        text = self.text(key, value)
        if not text.startswith(("https://", "http://")):
            raise self.fail(key, f"expected {KEYS[key]}, got {_shown(value)}")
        return text


def effective(config: Config, settings: Settings) -> list[tuple[str, str, str]]:
    """Every setting ``config`` governs, as TOML ``key, value, source`` rows, a table's
    entries one per row as dotted keys (``assetcheck config``).

    The source is the file for a value it sets, else ``default``; environment variables and
    options given on a command line are said by the commands that take them.
    """
    values = config.values

    def source(present: bool) -> str:
        return config.source if present else "default"

    rows = [
        ("select", _toml(list(settings.select)), source("select" in values)),
        ("ignore", _toml(list(settings.ignore)), source("ignore" in values)),
        ("fail-on", _toml(settings.fail_on.label), source("fail-on" in values)),
    ]
    tables: dict[str, dict[str, object]] = {
        "severity": {code: level.label for code, level in settings.severity.items()},
        "per-path-ignores": {i.pattern: list(i.codes) for i in settings.per_path_ignores},
        "image-types": {glob.pattern: glob.image_type for glob in settings.image_type_globs},
        "image-type": dict(values.get("image-type", {})),
    }
    for key, table in tables.items():
        if not table:
            rows.append((key, "{}", "default"))
        for name, value in table.items():
            rows.append((f"{key}.{_toml(name)}", _toml(value), source(True)))
    limits = values.get("limits", {})
    for key, name in LIMIT_KEYS.items():
        rows.append((f"limits.{key}", f"{getattr(settings.limits, name):_}", source(key in limits)))
    ledger = config.path_value("ledger")
    rows.append(
        (
            "ledger",
            _toml(display(ledger) if ledger else ".assetcheck/ledger.db"),
            source(ledger is not None),
        )
    )
    rows.append(
        ("base-url", _toml(values.get("base-url", DEFAULT_BASE_URL)), source("base-url" in values))
    )
    return rows


def _toml(value: object) -> str:
    """A value written as in TOML (strings, lists, inline tables)."""
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml(k)} = {_toml(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _shown(value: object, limit: int = 60) -> str:
    """``value`` as in an error message: short, whatever it is (a 5,000-digit number too)."""
    try:
        text = repr(value)
    except ValueError:
        text = f"a {type(value).__name__} too large to show"
    return text if len(text) <= limit else text[: limit - 3] + "..."
