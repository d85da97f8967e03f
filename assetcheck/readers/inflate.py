"""The deflate decoder the zip reader uses: the fastest well-kept one installed, zlib always.

ISA-L (the ``isal`` package) inflates about 1.4x faster than zlib on a real artifact here, and
zlib-ng (``zlib-ng``) about as fast; both are drop-ins with zlib's streaming interface
(``decompressobj``, ``max_length``, ``unconsumed_tail``, ``eof``, ``unused_data``). Python's
own zlib is the fallback and the reference: every backend must give the same findings, and
where one refuses corrupt data, the message shown is zlib's (``ZipArchive`` asks zlib for it),
so a report does not depend on what is installed.

``ASSETCHECK_INFLATE`` chooses one (``isal``, ``zlib-ng`` or ``zlib``): for measuring them and
for the tests that prove them equal. An unknown or missing one is a usage error.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

BACKENDS = ("isal", "zlib-ng", "zlib")
ENVIRONMENT = "ASSETCHECK_INFLATE"


class BackendError(Exception):
    """The inflate backend asked for is not one assetcheck knows, or is not installed."""


@dataclass(frozen=True)
class Backend:
    name: str
    decompressobj: Any  # (wbits) -> an object with zlib.Decompress's interface
    crc32: Any  # (data, value) -> int, as zlib.crc32
    error: type[Exception]


def _module(name: str) -> ModuleType:
    if name == "isal":
        from isal import isal_zlib

        return isal_zlib
    if name == "zlib-ng":
        from zlib_ng import zlib_ng

        return zlib_ng
    return zlib


def load(name: str) -> Backend:
    """The backend ``name``; BackendError when it is unknown or not installed."""
    if name not in BACKENDS:
        raise BackendError(f"unknown inflate backend {name!r} (known: {', '.join(BACKENDS)})")
    try:
        module = _module(name)
    except ImportError as error:
        raise BackendError(f"the inflate backend {name!r} is not installed ({error})") from None
    return Backend(name, module.decompressobj, module.crc32, module.error)


def available() -> list[str]:
    """The backends that load here, fastest first."""
    return [name for name in BACKENDS if _loads(name)]


def _loads(name: str) -> bool:
    try:
        load(name)
    except BackendError:
        return False
    return True


_selected: Backend | None = None


def selected() -> Backend:
    """The backend in use: ``ASSETCHECK_INFLATE``'s, else the fastest one installed.

    BackendError when ``ASSETCHECK_INFLATE`` names one that is unknown or not installed.
    """
    global _selected
    wanted = os.environ.get(ENVIRONMENT, "")
    if _selected is not None and wanted in ("", _selected.name):
        return _selected
    if wanted:
        _selected = load(wanted)
        return _selected
    for name in BACKENDS:  # zlib, last, always loads
        if _loads(name):
            _selected = load(name)
            break
    assert _selected is not None
    return _selected


ZLIB = Backend("zlib", zlib.decompressobj, zlib.crc32, zlib.error)
