"""Which proxy, if any, carries the connection to the Marketplace: HTTPS_PROXY, ALL_PROXY, NO_PROXY.

httpx does the proxying (CONNECT through http and https proxies, SOCKS5 through its socks
extra). The choice of proxy is made here, once per client, because the client talks to one
host only (redirects are never followed) and because httpx's own NO_PROXY matching has no
CIDR entries: ``NO_PROXY=127.0.0.0/8`` there matches only the address 127.0.0.0.

Plain http never goes through a proxy: it carries credentials only to this machine, and a
proxy would read them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from assetcheck.client.errors import BadProxy

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


@dataclass(frozen=True, slots=True)
class ProxyRoute:
    """A proxy to connect through. ``url`` may hold the proxy's password; ``shown`` never does."""

    url: str
    shown: str
    variable: str

    def __repr__(self) -> str:
        return f"ProxyRoute({self.shown})"


def proxy_for(base_url: str, environ: Mapping[str, str]) -> ProxyRoute | None:
    """The proxy the environment names for ``base_url`` (already normalised), or None."""
    parts = urlsplit(base_url)
    if parts.scheme != "https":
        return None
    variable, value = _first_set(environ, ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"))
    if variable is None or bypasses(environ, parts.hostname or "", parts.port or 443):
        return None
    url = value if "://" in value else f"http://{value}"
    try:
        proxy = httpx.URL(url)
    except httpx.InvalidURL:
        proxy = None
    if proxy is None or proxy.scheme not in PROXY_SCHEMES or not proxy.host:
        raise BadProxy(
            f"{variable} is not a proxy URL assetcheck can use: give e.g. "
            "http://proxy.example.com:3128, https://proxy.example.com or "
            "socks5://proxy.example.com:1080."
        )
    shown = f"{proxy.scheme}://{_bracketed(proxy.host)}" + (f":{proxy.port}" if proxy.port else "")
    return ProxyRoute(url=url, shown=shown, variable=variable)


def bypasses(environ: Mapping[str, str], host: str, port: int) -> bool:
    """True when NO_PROXY exempts ``host:port``, as curl reads it.

    Entries are comma-separated: ``*``; a domain (``example.com`` and ``.example.com`` both
    match the domain and its subdomains); an IP address; a CIDR block (``10.0.0.0/8``,
    ``fd00::/8``); any of these with ``:port`` (``[::1]:8443`` for IPv6).
    """
    _, listed = _first_set(environ, ("no_proxy", "NO_PROXY"))
    host = host.lower().strip("[]").rstrip(".")
    return any(_matches(entry, host, port) for entry in (listed or "").split(","))


def _matches(entry: str, host: str, port: int) -> bool:
    entry = entry.strip().lower()
    if entry == "*":
        return True
    entry, wanted_port = _split_port(entry)
    if not entry or (wanted_port is not None and wanted_port != port):
        return False
    address = _address(host)
    if "/" in entry:
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            return False
        return address is not None and address in network
    entry_address = _address(entry)
    if entry_address is not None or address is not None:
        return entry_address == address
    domain = entry.removeprefix("*").lstrip(".").rstrip(".")
    return bool(domain) and (host == domain or host.endswith("." + domain))


def _split_port(entry: str) -> tuple[str, int | None]:
    """``host:port`` into its parts; a bare IPv6 address (``::1``) has no port."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = rest.removeprefix(":")
        return host, int(port) if port.isascii() and port.isdigit() else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        if port.isascii() and port.isdigit():
            return host, int(port)
        return "", None  # a port that is not a number matches nothing
    return entry, None


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _first_set(environ: Mapping[str, str], names: tuple[str, ...]) -> tuple[str | None, str]:
    # Lower case first, as curl and Python's urllib read them; an empty value is unset.
    for name in names:
        value = environ.get(name, "").strip()
        if value:
            return name, value
    return None, ""


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host
