"""Base URLs and asset addresses: what is checked before anything is sent.

Hosts are parsed the way httpx connects to them: internationalised names by IDNA 2008 (the
``idna`` package), so a name like ``ⓛocalhost`` is refused instead of being mapped to
``localhost`` as Python's IDNA 2003 codec would. The host a check looks at is the host that
is connected to.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

import httpx

from assetcheck.client.errors import BadBaseUrl, NotFound
from assetcheck.settings import DEFAULT_BASE_URL

BASE_URL_ENV = "ASSETCHECK_BASE_URL"
# What a host may hold once IDNA-encoded: DNS labels, an IPv4 address, or a bracketed IPv6 one.
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?\.?|\[[0-9a-f:.]+\]")
# A path segment keeps its percent-escapes as they are; a '/' inside a name is escaped.
_SEGMENT_SAFE = "!$&'()*+,;=:@-._~%"
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def resolve_base_url(option: str | None, env: Mapping[str, str]) -> str:
    """The base URL from ``--base-url``, else ``ASSETCHECK_BASE_URL``, else the public API."""
    return normalize_base_url(option or env.get(BASE_URL_ENV) or DEFAULT_BASE_URL)


def normalize_base_url(url: str) -> str:
    """Check a base URL is usable and return it, host IDNA-encoded, without a trailing slash."""
    url = url.strip()
    if any(char.isspace() or not char.isprintable() for char in url):
        raise BadBaseUrl(f"The base URL {url!r} contains spaces or control characters.")
    if urlsplit(url).scheme not in ("http", "https"):
        raise BadBaseUrl(
            f"The base URL {url!r} is not an http(s) URL with a host: use e.g. {DEFAULT_BASE_URL}."
        )
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise BadBaseUrl(f"The base URL {url!r} cannot be used ({exc}).") from None
    host = parsed.raw_host.decode("ascii")
    host = f"[{host}]" if ":" in host else host
    if not parsed.host or not _HOST.fullmatch(host):
        raise BadBaseUrl(
            f"The base URL {url!r} is not an http(s) URL with a host: use e.g. {DEFAULT_BASE_URL}."
        )
    if parsed.userinfo:
        # Credentials in the URL would be shown wherever the base URL is (ledger, messages).
        raise BadBaseUrl(
            "The base URL contains a user or password: remove it and give credentials with "
            "--user, the environment or ~/.netrc."
        )
    if parsed.query or parsed.fragment or "?" in url or "#" in url:
        raise BadBaseUrl(f"The base URL {url!r} has a query or fragment: give only the API root.")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise BadBaseUrl(f"The base URL {url!r} has an invalid port.")
    port = f":{parsed.port}" if parsed.port is not None else ""
    path = parsed.raw_path.decode("ascii").rstrip("/")
    return f"{parsed.scheme}://{host}{port}{path}"


def base_url_host(base_url: str) -> str:
    """The host of a base URL, IDNA-encoded: the machine a ~/.netrc entry is looked up for."""
    return urlsplit(normalize_base_url(base_url)).hostname or ""


def is_loopback_host(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1: the only hosts plain http may carry secrets to."""
    host = host.lower().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def asset_name_from(ref: str) -> str:
    """An asset name from a name or a self link, exactly as the link spells it.

    The name is the link's last path segment, still percent-encoded (``artifact%2F<uuid>%2Fapp.jar``
    is one name): it is never decoded, so it is never cut at a '/'.
    """
    ref = ref.strip()
    if not _is_link(ref):
        return ref
    name = urlsplit(ref).path.rstrip("/").rsplit("/", 1)[-1]
    if not name:
        raise NotFound(f"{ref!r} names no asset: give an asset name or its self link.")
    return name


def asset_url(base_url: str, ref: str) -> str:
    """The URL of an asset from its self link (used as it is) or its name (one path segment).

    A self link must point into this base URL's assets resource: credentials go nowhere else.
    """
    ref = ref.strip()
    assets = f"{base_url}/assets/"
    if not ref or ref in (".", ".."):
        raise NotFound(f"{ref!r} names no asset: give an asset name or its self link.")
    if not _is_link(ref):
        return assets + encode_segment(ref)
    parts = urlsplit(base_url)
    url = f"{parts.scheme}://{parts.netloc}{ref}" if ref.startswith("/") else ref
    if not url.startswith(assets) or len(url) == len(assets) or "?" in url or "#" in url:
        raise NotFound(
            f"{ref!r} is not a self link of an asset at {base_url}: give an asset name or a "
            f"link under {assets}."
        )
    return url


def encode_segment(name: str) -> str:
    """``name`` as one path segment: existing %XX escapes kept, '/' and the unsafe escaped.

    ``artifact%2Fx%2Fa.jar`` stays as it is (never double-encoded); ``artifact/x/a.jar``
    becomes that same segment (never cut at '/').
    """
    return quote(_BAD_ESCAPE.sub("%25", name), safe=_SEGMENT_SAFE)


def _is_link(ref: str) -> bool:
    return ref.startswith("/") or ref.lower().startswith(("http://", "https://"))
