"""Defences of the client with no other test: the answer cap, the netrc owner, SSL_CERT_DIR."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tracemalloc
import zlib
from pathlib import Path

import pytest

from assetcheck.client import (
    MAX_RESPONSE_BYTES,
    ConnectionFailed,
    InvalidResponse,
    MarketplaceClient,
)
from assetcheck.credentials import Credentials, CredentialsError
from tests.upload.marketplace_server import TOKEN, USER, Fault, StandInMarketplace
from tests.upload.test_credentials import HOST, Prompter, resolve, write_netrc

PAIR = base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()
MiB = 1024 * 1024


def _links_padded_to(size: int) -> bytes:
    """A valid links answer, padded with trailing spaces (still JSON) to exactly ``size``."""
    links = {"_links": {"artifact": {"href": "/rest/2/assets/artifact"}}}
    body = json.dumps(links).encode()
    return body + b" " * (size - len(body))


def _gzip(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return packer.compress(data) + packer.flush()


# -- the cap on an answer -----------------------------------------------------------------------


def test_an_answer_of_exactly_the_cap_is_read(
    client: MarketplaceClient, marketplace: StandInMarketplace
) -> None:
    marketplace.fail_next(Fault.raw(_links_padded_to(MAX_RESPONSE_BYTES)))
    assert client.links().artifact


def test_an_answer_over_the_cap_is_refused_once_and_says_so_without_the_token(
    client: MarketplaceClient, marketplace: StandInMarketplace
) -> None:
    # The answer echoes the credentials: none of it may reach the message.
    echo = (f"{TOKEN} {PAIR} ".encode() * MAX_RESPONSE_BYTES)[: MAX_RESPONSE_BYTES + 1]
    marketplace.fail_next(Fault.raw(echo))
    with pytest.raises(InvalidResponse) as caught:
        client.links()
    shown = str(caught.value)
    assert f"more than {MAX_RESPONSE_BYTES} bytes in an answer" in shown
    assert "base URL" in shown
    assert TOKEN[:8] not in shown and PAIR[:8] not in shown
    assert marketplace.count() == 1  # a too-large answer is not asked for again


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        pytest.param(b"x" * (32 * MiB), {}, id="plain"),
        # A gzip answer nobody asked for: 32 KiB on the wire, 32 MiB inflated.
        pytest.param(_gzip(b"\0" * (32 * MiB)), {"Content-Encoding": "gzip"}, id="gzip"),
    ],
)
def test_an_answer_over_the_cap_is_refused_in_bounded_memory(
    client: MarketplaceClient,
    marketplace: StandInMarketplace,
    body: bytes,
    headers: dict[str, str],
) -> None:
    marketplace.fail_next(Fault.raw(body, headers))
    tracemalloc.start()
    try:
        with pytest.raises(InvalidResponse, match="more than"):
            client.links()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MAX_RESPONSE_BYTES, f"{peak:,} bytes at the peak"


def test_a_compressed_answer_is_inflated_and_a_corrupt_one_is_a_clear_error(
    client: MarketplaceClient, marketplace: StandInMarketplace
) -> None:
    marketplace.fail_next(
        Fault.raw(_gzip(_links_padded_to(1000)), {"Content-Encoding": "gzip"}),
        *[Fault.raw(b"\x1f\x8b\x08\x00 not gzip at all", {"Content-Encoding": "gzip"})] * 4,
    )
    assert client.links().artifact
    with pytest.raises(ConnectionFailed, match="gzip data is corrupt"):
        client.links()


def _deflate(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_a_deflate_answer_is_inflated_with_or_without_its_zlib_header(
    client: MarketplaceClient, marketplace: StandInMarketplace, wbits: int
) -> None:
    # HTTP's 'deflate' is zlib; servers that send raw deflate are why httpx accepts both.
    body = _deflate(_links_padded_to(1000), wbits)
    marketplace.fail_next(Fault.raw(body, {"Content-Encoding": "deflate"}))
    assert client.links().artifact
    assert marketplace.count() == 1


def test_a_deflate_answer_that_is_neither_is_a_clear_error(
    client: MarketplaceClient, marketplace: StandInMarketplace
) -> None:
    marketplace.fail_next(
        *[Fault.raw(b"\xff\xff not deflate", {"Content-Encoding": "deflate"})] * 4
    )
    # The zlib attempt's error is the one reported: raw deflate was only a fallback.
    with pytest.raises(ConnectionFailed, match=r"deflate data is corrupt \(.*incorrect header"):
        client.links()


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_a_deflate_answer_arriving_a_byte_at_a_time_is_inflated(wbits: int) -> None:
    from assetcheck.client.transport import _Decoder

    body = _links_padded_to(1000)
    decoder = _Decoder("deflate")
    inflated = b"".join(decoder.feed(bytes([b]), 2000) for b in _deflate(body, wbits))
    decoder.end()
    assert inflated == body


def test_a_compressed_answer_cut_before_its_end_is_not_taken(
    client: MarketplaceClient, marketplace: StandInMarketplace
) -> None:
    # Whole JSON, but the gzip stream stops before its trailer: its CRC was never checked.
    cut = _gzip(_links_padded_to(1000))[:-8]
    marketplace.fail_next(*[Fault.raw(cut, {"Content-Encoding": "gzip"})] * 4)
    with pytest.raises(ConnectionFailed, match="gzip data ends before its compressed stream"):
        client.links()


# -- the netrc owner ----------------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="chown needs root")
def test_a_netrc_owned_by_another_user_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = write_netrc(tmp_path / ".netrc", f"machine {HOST} login h@x.c password h-token-99\n")
    os.chown(netrc, 65534, 65534)  # nobody's, with the owner-only mode 600
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(CredentialsError, match=r"not owned by you.*chown \$USER ~/\.netrc") as got:
        resolve(netrc_path=None, interactive=True, prompt_fn=Prompter("p@x.c", "p-tok"))
    assert "h-token-99" not in str(got.value)
    os.chown(netrc, os.getuid(), os.getgid())  # the control: the same file, owned, is used
    assert resolve(netrc_path=None).token == "h-token-99"


# -- SSL_CERT_DIR -------------------------------------------------------------------------------


def _hashed_folder(folder: Path, cert: Path, hashed: bool) -> Path:
    """A folder of certificates as OpenSSL looks them up: ``<subject hash>.0``."""
    folder.mkdir()
    name = "cert.pem"
    if hashed:
        found = subprocess.run(
            ["openssl", "x509", "-subject_hash", "-noout", "-in", str(cert)],
            check=True,
            capture_output=True,
            text=True,
        )
        name = f"{found.stdout.strip()}.0"
    shutil.copy(cert, folder / name)
    return folder


def test_ssl_cert_dir_is_honoured(
    tls_marketplace: StandInMarketplace,
    self_signed: tuple[Path, Path],
    credentials: Credentials,
    jar_file: Path,
    tmp_path: Path,
) -> None:
    folder = _hashed_folder(tmp_path / "certs", self_signed[0], hashed=True)
    client = MarketplaceClient(
        tls_marketplace.base_url, credentials, environ={"SSL_CERT_DIR": str(folder)}
    )
    assert client.upload_artifact(jar_file).asset.size == jar_file.stat().st_size


def test_ssl_cert_dir_trusts_only_certificates_under_their_hash(
    tls_marketplace: StandInMarketplace,
    self_signed: tuple[Path, Path],
    credentials: Credentials,
    tmp_path: Path,
) -> None:
    # The control for the test above: the same certificate, not named by its hash, is unseen.
    folder = _hashed_folder(tmp_path / "certs", self_signed[0], hashed=False)
    client = MarketplaceClient(
        tls_marketplace.base_url, credentials, environ={"SSL_CERT_DIR": str(folder)}
    )
    with pytest.raises(ConnectionFailed, match="certificate verification failed"):
        client.links()
