"""What the client shows and where it connects: redaction, terminal safety, IDNA 2008, TLS."""

from __future__ import annotations

import base64
import ssl
from pathlib import Path

import pytest

from assetcheck.client import (
    BadBaseUrl,
    BadRequest,
    BadTrustStore,
    ConnectionFailed,
    InsecureConnection,
    InvalidResponse,
    MarketplaceClient,
    base_url_host,
    normalize_base_url,
)
from assetcheck.client.redact import Redactor, clean_text
from assetcheck.client.tls import trust_context
from assetcheck.credentials import Credentials
from tests.upload.marketplace_server import TOKEN, USER, Fault, StandInMarketplace

PAIR = base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()


@pytest.mark.parametrize(
    "leak",
    [
        TOKEN,
        PAIR,
        f"Basic {PAIR}",
        TOKEN[3:11],  # a fragment of exactly 8 characters
        TOKEN[5:],
        PAIR[10:30],
        TOKEN[:6] + "\x1b[0m" + TOKEN[6:14],  # an escape spliced into the token
    ],
)
def test_the_token_its_base64_and_fragments_are_redacted(leak: str) -> None:
    redact = Redactor(USER, TOKEN)
    shown = redact(clean_text(f"you sent {leak} here"))
    assert shown.startswith("you sent ") and shown.endswith("*** here")
    for size in range(8, len(TOKEN) + 1):
        assert all(TOKEN[i : i + size] not in shown for i in range(len(TOKEN) - size + 1))


def test_short_pieces_are_left_alone() -> None:
    redact = Redactor(USER, TOKEN)
    assert redact(f"id {TOKEN[:7]} ok") == f"id {TOKEN[:7]} ok"
    assert Redactor(None, None)("anything") == "anything"
    assert "tok" not in repr(redact)


def test_escapes_and_control_characters_are_stripped() -> None:
    raw = "\x1b[31mred\x1b[0m \x1b]8;;http://evil\x07link\x1b]8;;\x07 "
    raw += "\x07bell\r\nline\u202egnp.exe\x9b2J"
    assert clean_text(raw) == "red link bell linegnp.exe"


def test_server_errors_reach_messages_redacted_and_clean(
    client: MarketplaceClient, marketplace: StandInMarketplace
) -> None:
    message = f"\x1b[2J\x1b[31mBad token {TOKEN[4:20]}\x1b[0m for {PAIR}\nFAKE: all passed"
    marketplace.fail_next(Fault.error(400, message=message))
    with pytest.raises(BadRequest) as caught:
        client.links()
    shown = str(caught.value)
    assert "\x1b" not in shown and "\n" not in shown
    assert TOKEN[4:20] not in shown and PAIR not in shown
    assert "Bad token *** for *** FAKE: all passed" in shown


def test_a_broken_answer_is_shown_redacted(
    client: MarketplaceClient, marketplace: StandInMarketplace
) -> None:
    marketplace.fail_next(Fault.raw(f"\x1b[1m<html>{TOKEN[2:12]}".encode()))
    with pytest.raises(InvalidResponse) as caught:
        client.links()
    assert TOKEN[2:12] not in str(caught.value) and "\x1b" not in str(caught.value)


# -- IDNA 2008 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://ⓛocalhost:8080/rest/2", "https://ⓜarketplace.atlassian.com/rest/2"]
)
def test_hosts_are_idna_2008_not_mapped(url: str, credentials: Credentials) -> None:
    # Python's IDNA 2003 codec maps "ⓛocalhost" to "localhost"; IDNA 2008 refuses it.
    assert "ⓛocalhost".encode("idna") == b"localhost"
    with pytest.raises(BadBaseUrl, match="IDNA"):
        normalize_base_url(url)
    with pytest.raises(BadBaseUrl):
        MarketplaceClient(url, credentials)


def test_international_hosts_become_their_a_labels() -> None:
    assert normalize_base_url("https://Bücher.example/rest/2/") == (
        "https://xn--bcher-kva.example/rest/2"
    )
    assert base_url_host("https://bücher.example") == "xn--bcher-kva.example"
    assert normalize_base_url("http://[::1]:8080/rest/2") == "http://[::1]:8080/rest/2"
    assert normalize_base_url("https://example.com:443/rest/2") == "https://example.com/rest/2"


def test_a_look_alike_of_localhost_gets_no_plain_http_exemption(credentials: Credentials) -> None:
    with pytest.raises(InsecureConnection):
        MarketplaceClient("http://localhost.example.com/rest/2", credentials)


# -- TLS ----------------------------------------------------------------------------------------


def test_tls_verification_cannot_be_turned_off(credentials: Credentials) -> None:
    lax = ssl.create_default_context()
    lax.check_hostname = False
    lax.verify_mode = ssl.CERT_NONE
    with pytest.raises(ValueError, match="cannot be turned off"):
        MarketplaceClient("https://marketplace.atlassian.com/rest/2", credentials, ssl_context=lax)


def test_the_default_trust_is_the_system_store_with_verification_on() -> None:
    context = trust_context({})
    assert type(context).__module__.startswith("truststore")
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_ssl_cert_file_is_honoured(
    tls_marketplace: StandInMarketplace,
    self_signed: tuple[Path, Path],
    credentials: Credentials,
    jar_file: Path,
) -> None:
    env = {"SSL_CERT_FILE": str(self_signed[0])}
    client = MarketplaceClient(tls_marketplace.base_url, credentials, environ=env)
    assert client.upload_artifact(jar_file).asset.size == jar_file.stat().st_size


def test_without_the_ca_the_certificate_is_refused(
    tls_marketplace: StandInMarketplace, credentials: Credentials
) -> None:
    client = MarketplaceClient(tls_marketplace.base_url, credentials, environ={})
    with pytest.raises(ConnectionFailed, match="certificate verification failed"):
        client.links()


def test_an_unreadable_ssl_cert_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BadTrustStore, match="SSL_CERT_FILE"):
        MarketplaceClient(
            "https://marketplace.atlassian.com/rest/2",
            environ={"SSL_CERT_FILE": str(tmp_path / "missing.pem")},
        )
