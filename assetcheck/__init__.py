"""assetcheck: check Atlassian Marketplace artifacts and listing images before upload."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("assetcheck")
except PackageNotFoundError:  # running from a checkout without installing
    __version__ = "0.0.0+unknown"
