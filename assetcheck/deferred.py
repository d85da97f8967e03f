"""A module imported when it is first used, not when something imports it.

detect-secrets imports ``requests`` (0.12 s of a 0.18 s import, urllib3 and http.client with
it) for the plugins' optional online verification, which assetcheck never calls. ``defer``
puts a stand-in in ``sys.modules``: ``import requests`` binds it at no cost, and the first
attribute anyone reads imports the real module, fills the stand-in with it and puts the real
one back in ``sys.modules``. Code that does use ``requests`` sees the real thing.

(``importlib.util.LazyLoader`` does not do this before Python 3.12's fixes: the import
statement itself reads ``__spec__`` from the module it finds, which loads it.)
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import types
from typing import Any

# What a module's users read that a stand-in has not got: these load the real module too
# (``__path__`` when a submodule is imported, ``__all__`` for ``import *``). Other dunders
# (probes such as ``__wrapped__``) are answered without loading it.
_LOADING_DUNDERS = frozenset({"__path__", "__all__", "__file__", "__version__"})


class _Deferred(types.ModuleType):
    def __getattr__(self, attribute: str) -> Any:  # only for attributes not set yet
        if attribute.startswith("__") and attribute not in _LOADING_DUNDERS:
            raise AttributeError(attribute)
        return getattr(self._load(), attribute)

    def _load(self) -> types.ModuleType:
        name = self.__name__
        if sys.modules.get(name) is self:
            del sys.modules[name]
        real = importlib.import_module(name)
        self.__dict__.update(real.__dict__)
        return real


def defer(name: str) -> None:
    """Import top-level module ``name`` on its first use; nothing when it is already imported
    or not installed."""
    if name in sys.modules or "." in name:
        return
    spec = importlib.machinery.PathFinder.find_spec(name)
    if spec is None:
        return
    stand_in = _Deferred(name)
    # A finished spec: the import statement checks it, and must not find it initialising.
    stand_in.__spec__ = importlib.machinery.ModuleSpec(name, None)
    sys.modules[name] = stand_in
