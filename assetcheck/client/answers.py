"""What the Marketplace's answers mean: asset records, HAL links and error details.

Only the documented shape is trusted. Links are HAL: ``{"href": ..., "templated": true}``,
or the seed's ``{"template": ...}``. An asset's self link is opaque: its last segment is the
asset's name exactly as the server spells it (``artifact%2F<uuid>%2Fapp.jar``).
Strings that will be shown to people are cleaned of control characters and escapes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from assetcheck.client.errors import InvalidResponse
from assetcheck.client.redact import Redactor, clean_text, server_text


@dataclass(frozen=True, slots=True)
class AssetRecord:
    """A stored asset as the Marketplace described it, after validation.

    ``asset_name`` is the self link's last segment, still percent-encoded: give it (or the
    self link) to ``get_asset``/``delete_asset`` as it is.
    """

    asset_name: str
    logical_file_name: str
    size: int
    self_link: str
    binary_link: str | None = None
    remote_link: str | None = None
    image_link: str | None = None


@dataclass(frozen=True, slots=True)
class AssetLinks:
    """``GET /assets``: where the asset resources live (``image_by_type`` is a URI template)."""

    self_link: str | None
    artifact: str | None
    fetch_artifact: str | None
    image_by_type: str | None


@dataclass(frozen=True, slots=True)
class FileInfo:
    logical_file_name: str
    size: int


def parse_links(body: bytes, what: str, redact: Redactor) -> AssetLinks:
    links = _mapping(_json(body, what, redact), "_links", what)
    return AssetLinks(
        self_link=_href(links, "self"),
        artifact=_href(links, "artifact"),
        fetch_artifact=_href(links, "fetchArtifact"),
        image_by_type=_href(links, "imageByType"),
    )


def parse_asset(body: bytes, what: str, redact: Redactor) -> AssetRecord:
    """An asset answer (show, fetch): its fileInfo and self link are both required."""
    data = _json(body, what, redact)
    info = _file_info(data, what)
    if info is None:
        raise InvalidResponse(_shape_message(what, "fileInfo"))
    return _record(data, info, what)


def parse_upload(
    body: bytes, what: str, redact: Redactor, sent_name: str, sent_size: int
) -> tuple[AssetRecord, list[str]]:
    """An upload's answer: accepted with a self link; fileInfo, when given, must match.

    Without fileInfo (Atlassian's client reads only the self link) the record holds the name
    and size that were sent, and a warning says the server did not confirm them.
    """
    data = _json(body, what, redact)
    info = _file_info(data, what)
    warnings = []
    if info is None:
        info = FileInfo(sent_name, sent_size)
        warnings.append(
            f"The Marketplace's answer to {what} had no fileInfo: it did not confirm the "
            f"{sent_size} bytes sent; recorded the name and size that were sent."
        )
    elif info.size != sent_size:
        raise InvalidResponse(
            f"The Marketplace recorded {info.size} bytes for {what}, but {sent_size} were "
            "sent; the upload is not trusted. Try again."
        )
    return _record(data, info, what), warnings


def error_details(body: bytes, redact: Redactor) -> list[str]:
    """Messages of ``{"errors": [...]}`` or ``{"errorDetails": [...]}``, cleaned and redacted."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return []
    if not isinstance(data, dict):
        return []
    messages = []
    for key in ("errors", "errorDetails"):
        items = data.get(key)
        for item in items[:5] if isinstance(items, list) else []:
            message = item.get("message") if isinstance(item, dict) else None
            if not isinstance(message, str) or not message.strip():
                continue
            # Single line, short, and without a final period: messages add their own.
            text = server_text(message, redact).rstrip(".")
            path = item.get("path")
            if isinstance(path, str) and path.strip():
                text += f" (at {server_text(path, redact, 80)})"
            messages.append(text)
    return messages[:5]


def _record(data: Any, info: FileInfo, what: str) -> AssetRecord:
    links = _mapping(data, "_links", what)
    self_link = _href(links, "self")
    if self_link is None or any(c.isspace() or not c.isprintable() for c in self_link):
        raise InvalidResponse(_shape_message(what, "_links.self.href"))
    name = urlsplit(self_link).path.rstrip("/").rsplit("/", 1)[-1]
    if not name:
        raise InvalidResponse(_shape_message(what, "_links.self.href"))
    return AssetRecord(
        asset_name=name,
        logical_file_name=info.logical_file_name,
        size=info.size,
        self_link=self_link,
        binary_link=_shown_href(links, "binary"),
        remote_link=_shown_href(links, "remote"),
        image_link=_shown_href(links, "image"),
    )


def _file_info(data: Any, what: str) -> FileInfo | None:
    if not isinstance(data, dict):
        raise InvalidResponse(_shape_message(what, "fileInfo"))
    if "fileInfo" not in data or data["fileInfo"] is None:
        return None
    info = _mapping(data, "fileInfo", what)
    name = info.get("logicalFileName")
    if not isinstance(name, str) or not clean_text(name):
        raise InvalidResponse(_shape_message(what, "fileInfo.logicalFileName"))
    size = info.get("size")
    # bool is an int in Python, and True == 1: a JSON true is not a size.
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise InvalidResponse(_shape_message(what, "fileInfo.size"))
    return FileInfo(clean_text(name), size)


def _json(body: bytes, what: str, redact: Redactor) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        snippet = server_text(body[:80].decode("utf-8", "replace"), redact)
        raise InvalidResponse(
            f"The Marketplace's answer to {what} is not valid JSON ({snippet!r}); it was not "
            "accepted. Check the base URL is the REST API root and try again."
        ) from None


def _mapping(data: Any, key: str, what: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise InvalidResponse(_shape_message(what, key))
    return value


def _href(links: dict[str, Any], name: str) -> str | None:
    """A HAL link's target: ``href`` (templated or not), or the seed's ``template``."""
    link = links.get(name)
    if not isinstance(link, dict):
        return None
    for key in ("href", "template"):
        value = link.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _shown_href(links: dict[str, Any], name: str) -> str | None:
    value = _href(links, name)
    return clean_text(value) or None if value is not None else None


def _shape_message(what: str, field: str) -> str:
    return (
        f"The Marketplace's answer to {what} lacks a valid {field}; it was not accepted. "
        "Check the base URL is the REST API root and try again."
    )
