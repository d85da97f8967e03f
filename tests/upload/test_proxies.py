"""Proxies on loopback: CONNECT through http and https proxies, SOCKS5, NO_PROXY.

The credentials and the requests travel inside the tunnel's TLS, never to the proxy.
"""

from __future__ import annotations

import base64
import ssl
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from assetcheck.client import BadProxy, ConnectionFailed, MarketplaceClient
from assetcheck.client.proxies import bypasses, proxy_for
from assetcheck.credentials import Credentials
from tests.upload.connect_proxy import ConnectProxy, Socks5Proxy
from tests.upload.marketplace_server import TOKEN, USER, StandInMarketplace

Cert = tuple[Path, Path]


def _trusting(self_signed: Cert) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(self_signed[0]))


def _no_secrets_in(data: bytes) -> None:
    pair = base64.b64encode(f"{USER}:{TOKEN}".encode())
    for secret in (TOKEN.encode(), pair, b"Authorization", b"/rest/2/assets"):
        assert secret not in data, secret


def test_connect_through_an_http_proxy_keeps_credentials_inside_tls(
    tls_marketplace: StandInMarketplace, self_signed: Cert, credentials: Credentials, jar_file: Path
) -> None:
    with ConnectProxy() as proxy:
        client = MarketplaceClient(
            tls_marketplace.base_url,
            credentials,
            ssl_context=_trusting(self_signed),
            environ={"HTTPS_PROXY": proxy.url},
        )
        assert client.upload_artifact(jar_file).asset.size == jar_file.stat().st_size
    port = urlsplit(tls_marketplace.base_url).port
    assert [line for line, _ in proxy.seen] == [f"CONNECT 127.0.0.1:{port} HTTP/1.1"]
    assert all("Authorization" not in headers for _, headers in proxy.seen)
    assert proxy.relayed  # the tunnel carried the request, as TLS records only
    _no_secrets_in(proxy.relayed)


def test_connect_through_an_https_proxy(
    tls_marketplace: StandInMarketplace, self_signed: Cert, credentials: Credentials
) -> None:
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(*self_signed)
    with ConnectProxy(tls=server_side) as proxy:
        assert proxy.url.startswith("https://")
        client = MarketplaceClient(
            tls_marketplace.base_url,
            credentials,
            ssl_context=_trusting(self_signed),
            environ={"https_proxy": proxy.url},
        )
        assert client.links().artifact
    assert len(proxy.seen) == 1
    _no_secrets_in(proxy.relayed)


def test_an_https_proxy_with_an_untrusted_certificate_is_refused(
    tls_marketplace: StandInMarketplace, self_signed: Cert, credentials: Credentials
) -> None:
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(*self_signed)
    with ConnectProxy(tls=server_side) as proxy:
        client = MarketplaceClient(
            tls_marketplace.base_url,
            credentials,
            environ={"HTTPS_PROXY": proxy.url},  # the system's CAs: the proxy's is not one
            sleep=lambda _: None,
        )
        with pytest.raises(ConnectionFailed, match="certificate verification failed"):
            client.links()
    assert proxy.seen == []


@pytest.mark.parametrize("password", [None, "proxyuser:pro xy"])
def test_through_a_socks5_proxy_named_by_all_proxy(
    tls_marketplace: StandInMarketplace,
    self_signed: Cert,
    credentials: Credentials,
    jar_file: Path,
    password: str | None,
) -> None:
    with Socks5Proxy(password=password) as proxy:
        url = (
            proxy.url.replace("socks5://", "socks5://proxyuser:pro%20xy@")
            if password
            else proxy.url
        )
        client = MarketplaceClient(
            tls_marketplace.base_url,
            credentials,
            ssl_context=_trusting(self_signed),
            environ={"ALL_PROXY": url},
        )
        assert client.upload_artifact(jar_file).asset.size == jar_file.stat().st_size
        assert "pro xy" not in repr(client) and "pro%20xy" not in repr(client)
    port = urlsplit(tls_marketplace.base_url).port
    assert [line for line, _ in proxy.seen] == [f"CONNECT 127.0.0.1:{port}"]
    _no_secrets_in(proxy.relayed)


def test_no_proxy_with_a_cidr_block_bypasses_the_proxy(
    tls_marketplace: StandInMarketplace, self_signed: Cert, credentials: Credentials
) -> None:
    with ConnectProxy() as proxy, Socks5Proxy() as socks:
        client = MarketplaceClient(
            tls_marketplace.base_url,
            credentials,
            ssl_context=_trusting(self_signed),
            environ={"HTTPS_PROXY": proxy.url, "ALL_PROXY": socks.url, "NO_PROXY": "127.0.0.0/8"},
        )
        assert client.links().artifact
    assert proxy.seen == [] and socks.seen == []


def test_https_proxy_wins_over_all_proxy() -> None:
    env = {"ALL_PROXY": "socks5://127.0.0.1:1080", "HTTPS_PROXY": "http://127.0.0.1:3128"}
    route = proxy_for("https://marketplace.atlassian.com/rest/2", env)
    assert route is not None and route.shown == "http://127.0.0.1:3128"
    assert route.variable == "HTTPS_PROXY"


def test_plain_http_is_never_proxied() -> None:
    assert proxy_for("http://127.0.0.1:8080/rest/2", {"ALL_PROXY": "socks5://127.0.0.1:1"}) is None


@pytest.mark.parametrize("url", ["socks4://127.0.0.1:1080", "ftp://proxy", "http://"])
def test_an_unusable_proxy_url_is_refused(url: str) -> None:
    with pytest.raises(BadProxy, match="HTTPS_PROXY is not a proxy URL"):
        proxy_for("https://marketplace.atlassian.com/rest/2", {"HTTPS_PROXY": url})


@pytest.mark.parametrize(
    ("no_proxy", "host", "port", "bypassed"),
    [
        ("127.0.0.0/8", "127.0.0.1", 443, True),
        ("127.0.0.0/8", "127.1.2.3", 8443, True),
        ("10.0.0.0/8", "127.0.0.1", 443, False),
        ("::1/128", "::1", 443, True),
        ("fd00::/8", "fd12::1", 443, True),
        ("127.0.0.1:8443", "127.0.0.1", 8443, True),
        ("127.0.0.1:8443", "127.0.0.1", 443, False),
        ("[::1]:8443", "::1", 8443, True),
        ("::1", "::1", 443, True),
        ("example.com", "api.example.com", 443, True),
        (".example.com", "example.com", 443, True),
        ("*.example.com", "api.example.com", 443, True),
        ("example.com", "notexample.com", 443, False),
        ("example.com:8443", "example.com", 443, False),
        ("example.com:8443", "example.com", 8443, True),
        ("example.com:x", "example.com", 443, False),
        ("other.org, *", "example.com", 443, True),
        (" EXAMPLE.com ", "example.com", 443, True),
        ("", "example.com", 443, False),
        ("127.0.0.1", "localhost", 443, False),
    ],
)
def test_no_proxy_entries(no_proxy: str, host: str, port: int, bypassed: bool) -> None:
    assert bypasses({"NO_PROXY": no_proxy}, host, port) is bypassed


def test_lower_case_no_proxy_is_read_first() -> None:
    assert bypasses({"no_proxy": "example.com", "NO_PROXY": "other.org"}, "example.com", 443)
