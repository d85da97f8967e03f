"""Kept while callers move to ``assetcheck.client``, which this re-exports; import that instead."""

from assetcheck.client import *  # noqa: F403
from assetcheck.client import __all__  # noqa: F401
