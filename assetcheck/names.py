"""The names assetcheck knows files by, and the Maven placeholder test: each said once."""

from __future__ import annotations

DESCRIPTOR = "atlassian-plugin.xml"
MARKETING = "atlassian-plugin-marketing.xml"
MANIFEST = "META-INF/MANIFEST.MF"
OBR_XML = "obr.xml"
ARTIFACT_SUFFIXES = frozenset({".jar", ".obr"})
# In the order a "did you mean" suggestion tries them: the formats the Marketplace takes first.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".svg", ".tif", ".tiff")


def has_placeholder(value: str | None) -> bool:
    """A value Maven has (or, in a built artifact, should have) filtered in: ``${...}``."""
    return value is not None and "${" in value
