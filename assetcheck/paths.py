"""Paths as text for people and reports."""

from __future__ import annotations

import os
from pathlib import Path


def display(path: Path | str) -> str:
    """A path as text that can always be printed or encoded as UTF-8.

    File names are bytes on POSIX; those that are not UTF-8 reach Python as lone surrogates,
    which no terminal, JSON file or report can encode. They become ``\\xNN`` escapes here.
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")
