"""Fuzz target ``config``: the configuration loader on a temporary file.

The bytes are written as ``assetcheck.toml`` and as ``pyproject.toml`` in the sandbox and
loaded with the shipped rules. ``ConfigError`` is the documented verdict for a bad file;
anything else raised is a crash. A configuration that loads must also apply: its settings
are built, and what ``assetcheck config`` prints of it is valid TOML. Asserted twice the same.
"""

from __future__ import annotations

import contextlib
import tomllib

try:
    import atheris
except ImportError:  # replaying an input without atheris: nothing is instrumented
    atheris = None

with atheris.instrument_imports(include=["assetcheck"]) if atheris else contextlib.nullcontext():
    import harness

    from assetcheck.config import ConfigError, effective, load_config


def _load(name: str, data: bytes) -> object:
    path = harness.write_input(name, data)
    try:
        config = load_config(path, harness.RULES)
    except ConfigError as error:
        message = str(error)
        assert message.strip(), "a ConfigError that says nothing"
        return ("ConfigError", message)
    finally:
        path.unlink()
    settings = config.settings(harness.SETTINGS)
    rows = effective(config, settings)
    for key, value, _ in rows:
        tomllib.loads(f"{key} = {value}\n")
    return (repr(sorted(config.values)), rows, repr(settings.limits))


def examine(data: bytes) -> list[object]:
    return [_load("assetcheck.toml", data), _load("pyproject.toml", data)]


test_one_input = harness.twice(examine)

if __name__ == "__main__":
    harness.main(test_one_input)
