"""The HTTP client against the stand-in Marketplace: operations, retries, typed errors."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import random
import socket
import ssl
import traceback
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from assetcheck.client import (
    CHUNK_SIZE,
    BadBaseUrl,
    BadRequest,
    ConnectionFailed,
    Forbidden,
    InsecureConnection,
    InvalidResponse,
    LocalFileError,
    MarketplaceClient,
    MarketplaceError,
    NotFound,
    RateLimited,
    RequestTimeout,
    ServerError,
    TooLarge,
    Unauthorized,
    asset_name_from,
    base_url_host,
    resolve_base_url,
    sniff_image_content_type,
)
from assetcheck.credentials import Credentials
from assetcheck.settings import DEFAULT_BASE_URL
from tests.imagebuilders import make_image
from tests.upload.connect_proxy import ConnectProxy
from tests.upload.marketplace_server import (
    OTHER_TOKEN,
    OTHER_USER,
    TOKEN,
    USER,
    Fault,
    StandInMarketplace,
)

MakeClient = Callable[..., MarketplaceClient]
ARTIFACT = "/assets/artifact"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- operations -------------------------------------------------------------------------------


def test_links_lists_the_asset_resources(client: MarketplaceClient) -> None:
    links = client.links()
    assert links.artifact == "/rest/2/assets/artifact"
    assert links.image_by_type is not None and "{imageType}" in links.image_by_type


def test_artifact_upload_sends_the_raw_file_named_by_the_file_query(
    client: MarketplaceClient, marketplace: StandInMarketplace, jar_file: Path
) -> None:
    # As Atlassian's marketplace-client-java does: the bytes as the body, ?file=<name>.
    seen: list[tuple[int, int]] = []
    result = client.upload_artifact(
        jar_file, progress=lambda sent, total: seen.append((sent, total))
    )

    size = jar_file.stat().st_size
    request = marketplace.requests[-1]
    assert (request.path, request.query) == ("/rest/2/assets/artifact", {"file": [jar_file.name]})
    assert (request.content_type, request.content_length) == ("application/binary", size)
    assert result.asset.logical_file_name == jar_file.name
    assert result.asset.size == size
    assert result.asset.self_link == f"/rest/2/assets/{result.asset.asset_name}"
    assert result.asset.asset_name.startswith("artifact%2F")
    assert (result.attempts, result.answer_lost, result.warnings) == (1, False, ())
    assert result.asset.binary_link and result.asset.remote_link
    assert result.sha256 == sha256_of(jar_file)
    stored = marketplace.assets[result.asset.asset_name]
    assert stored.content == jar_file.read_bytes() and stored.uploader == USER
    assert seen[-1] == (size, size)
    assert [sent for sent, _ in seen] == sorted(sent for sent, _ in seen)


@pytest.mark.parametrize("chunks", [3, 9])  # hashed inline; hashed in a thread of its own
def test_progress_is_reported_per_chunk(
    client: MarketplaceClient, make_jar: Callable[..., Path], chunks: int
) -> None:
    jar = make_jar("big.jar", padding=(chunks - 1) * CHUNK_SIZE)
    seen: list[int] = []
    client.upload_artifact(jar, progress=lambda sent, total: seen.append(sent))
    assert len(seen) == -(-jar.stat().st_size // CHUNK_SIZE) == chunks
    assert seen == sorted(seen) and seen[-1] == jar.stat().st_size


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "BMP"])
def test_image_upload_sends_the_bytes_as_atlassians_client_does(
    client: MarketplaceClient, marketplace: StandInMarketplace, tmp_path: Path, fmt: str
) -> None:
    image = tmp_path / f"banner.{fmt.lower()}"
    image.write_bytes(make_image(64, 32, fmt))

    result = client.upload_image(image, "banner")

    stored = marketplace.assets[result.asset.asset_name]
    assert (stored.content_type, stored.image_type) == ("application/binary", "banner")
    assert stored.content == image.read_bytes()
    assert result.asset.image_link is not None and result.asset.logical_file_name == image.name
    assert marketplace.requests[-1].query == {"file": [image.name]}


def test_an_image_of_unknown_format_is_refused_before_sending(
    client: MarketplaceClient, marketplace: StandInMarketplace, tmp_path: Path
) -> None:
    fake = tmp_path / "logo.png"
    fake.write_bytes(b"<svg/>")
    with pytest.raises(LocalFileError, match="not a PNG, JPEG, GIF or BMP"):
        client.upload_image(fake, "logo")
    assert marketplace.count() == 0


def test_a_missing_file_is_a_local_error_not_a_retry(
    client: MarketplaceClient, marketplace: StandInMarketplace, tmp_path: Path
) -> None:
    with pytest.raises(LocalFileError, match="check it exists"):
        client.upload_artifact(tmp_path / "gone.jar")
    assert marketplace.count() == 0


def test_show_and_delete_an_asset_by_name_or_self_link(
    client: MarketplaceClient, jar_file: Path
) -> None:
    uploaded = client.upload_artifact(jar_file).asset
    assert client.get_asset(uploaded.asset_name) == uploaded
    assert client.get_asset(uploaded.self_link) == uploaded

    client.delete_asset(uploaded.self_link)

    with pytest.raises(NotFound, match="HTTP 404"):
        client.get_asset(uploaded.asset_name)


def test_only_the_uploader_may_delete(make_client: MakeClient, jar_file: Path) -> None:
    uploaded = make_client().upload_artifact(jar_file).asset
    other = make_client(credentials=Credentials(OTHER_USER, OTHER_TOKEN, "~/.netrc (host x)"))
    with pytest.raises(Forbidden) as caught:
        other.delete_asset(uploaded.asset_name)
    assert "~/.netrc (host x)" in str(caught.value)
    assert "only by its uploader" in str(caught.value)


def test_fetch_artifact_returns_the_validated_asset(
    client: MarketplaceClient, marketplace: StandInMarketplace
) -> None:
    content = b"PK\x03\x04 remote"
    marketplace.serve_remote("https://example.com/dl/app-2.0.jar", content)
    asset = client.fetch_artifact("https://example.com/dl/app-2.0.jar")
    assert (asset.logical_file_name, asset.size) == ("app-2.0.jar", len(content))
    assert marketplace.requests[-1].query == {"uri": ["https://example.com/dl/app-2.0.jar"]}


def test_a_failed_fetch_carries_the_servers_error_details(client: MarketplaceClient) -> None:
    with pytest.raises(BadRequest, match="Could not fetch the artifact from https://nowhere"):
        client.fetch_artifact("https://nowhere.example/a.jar")


def test_links_with_a_broken_shape_are_invalid(
    client: MarketplaceClient, marketplace: StandInMarketplace
) -> None:
    marketplace.fail_next(Fault.raw(b'{"links": {}}'))
    with pytest.raises(InvalidResponse, match="_links"):
        client.links()


def test_links_need_no_credentials(make_client: MakeClient) -> None:
    assert make_client(credentials=None).links().artifact is not None


def test_an_upload_without_credentials_says_none_were_sent(
    make_client: MakeClient, jar_file: Path
) -> None:
    with pytest.raises(Unauthorized, match=r"no credentials \(none were sent\)"):
        make_client(credentials=None).upload_artifact(jar_file)


# -- retries ----------------------------------------------------------------------------------


def test_two_503s_with_retry_after_then_success(
    client: MarketplaceClient,
    marketplace: StandInMarketplace,
    sleeps: list[float],
    jar_file: Path,
) -> None:
    marketplace.fail_next(Fault.error(503, retry_after="7"), Fault.error(503, retry_after="2"))
    result = client.upload_artifact(jar_file)
    assert result.asset.size == jar_file.stat().st_size
    assert marketplace.count("POST", ARTIFACT) == 3
    assert sleeps == [7.0, 2.0]
    assert len(marketplace.assets) == 1


def test_permanent_500_gives_up_after_max_attempts(
    client: MarketplaceClient, marketplace: StandInMarketplace, jar_file: Path
) -> None:
    marketplace.fail_next(*[Fault.error(500, message="Internal trouble")] * 10)
    with pytest.raises(ServerError) as caught:
        client.upload_artifact(jar_file)
    assert marketplace.count("POST", ARTIFACT) == 4
    message = str(caught.value)
    assert "HTTP 500 on 4 attempts: Internal trouble" in message
    assert "try again later" in message
    assert caught.value.status == 500


def test_backoff_is_exponential_with_full_jitter_and_capped(
    make_client: MakeClient, marketplace: StandInMarketplace, sleeps: list[float]
) -> None:
    client = make_client(max_attempts=6, backoff_base=1.0, backoff_cap=5.0)
    marketplace.fail_next(*[Fault.error(502)] * 6)
    with pytest.raises(ServerError):
        client.links()
    assert len(sleeps) == 5
    for attempt, slept in enumerate(sleeps, start=1):
        assert 0.0 <= slept <= min(5.0, 2 ** (attempt - 1))
    assert len(set(sleeps)) == 5  # jittered, not a fixed schedule


def test_429_honours_an_http_date_retry_after_capped(
    make_client: MakeClient, marketplace: StandInMarketplace, sleeps: list[float]
) -> None:
    now = 1_700_000_000.0
    client = make_client(clock=lambda: now, retry_after_cap=60.0)
    marketplace.fail_next(
        Fault.error(429, retry_after=email.utils.formatdate(now + 30, usegmt=True)),
        Fault.error(429, retry_after=email.utils.formatdate(now + 3600, usegmt=True)),
    )
    client.links()
    assert sleeps == [30.0, 60.0]


def test_429_every_time_is_rate_limited(
    client: MarketplaceClient, marketplace: StandInMarketplace, sleeps: list[float]
) -> None:
    marketplace.fail_next(*[Fault.error(429, retry_after="1")] * 4)
    with pytest.raises(RateLimited, match="Wait a few minutes"):
        client.links()
    assert marketplace.count() == 4 and sleeps == [1.0, 1.0, 1.0]


def test_an_unusable_retry_after_falls_back_to_backoff(
    client: MarketplaceClient, marketplace: StandInMarketplace, sleeps: list[float]
) -> None:
    marketplace.fail_next(Fault.error(503, retry_after="soon"))
    client.links()
    assert len(sleeps) == 1 and 0.0 <= sleeps[0] <= 1.0


@pytest.mark.parametrize(
    ("status", "error", "hint"),
    [
        (400, BadRequest, "Fix what it names"),
        (401, Unauthorized, "Check the account email and API token"),
        (403, Forbidden, "Use an account with access"),
        (404, NotFound, "the base URL is the API root"),
        (413, TooLarge, "Make the file smaller"),
        (409, MarketplaceError, "unexpected HTTP 409"),
    ],
)
def test_other_4xx_are_typed_and_never_retried(
    client: MarketplaceClient,
    marketplace: StandInMarketplace,
    jar_file: Path,
    status: int,
    error: type[MarketplaceError],
    hint: str,
) -> None:
    marketplace.fail_next(Fault.error(status, message="The server says why."))
    with pytest.raises(error) as caught:
        client.upload_artifact(jar_file)
    assert type(caught.value) is error
    assert marketplace.count() == 1
    assert f"HTTP {status}" in str(caught.value) and hint in str(caught.value)
    assert "The server says why" in str(caught.value)


def test_401_names_the_credential_source_and_is_not_retried(
    make_client: MakeClient, marketplace: StandInMarketplace, jar_file: Path
) -> None:
    wrong = Credentials(USER, "wrong-token-123", "environment (ASSETCHECK_USER/ASSETCHECK_TOKEN)")
    with pytest.raises(Unauthorized) as caught:
        make_client(credentials=wrong).upload_artifact(jar_file)
    assert marketplace.count() == 1
    assert "environment (ASSETCHECK_USER/ASSETCHECK_TOKEN)" in str(caught.value)
    assert "wrong-token-123" not in str(caught.value)
    assert "Authentication failed" in str(caught.value)


def test_a_connection_reset_mid_body_is_retried_from_disk(
    client: MarketplaceClient, marketplace: StandInMarketplace, make_jar: Callable[..., Path]
) -> None:
    jar = make_jar("big.jar", padding=4 * 1024 * 1024)
    marketplace.fail_next(Fault.reset(after_bytes=256 * 1024))
    result = client.upload_artifact(jar)
    assert marketplace.count("POST", ARTIFACT) == 2
    assert result.sha256 == sha256_of(jar)
    assert marketplace.assets[result.asset.asset_name].sha256 == sha256_of(jar)


def test_resets_on_every_attempt_become_connection_failed(
    client: MarketplaceClient, marketplace: StandInMarketplace, make_jar: Callable[..., Path]
) -> None:
    marketplace.fail_next(*[Fault.reset(after_bytes=1024)] * 4)
    with pytest.raises(ConnectionFailed, match="after 4 attempts") as caught:
        client.upload_artifact(make_jar("big.jar", padding=2 * 1024 * 1024))
    assert not isinstance(caught.value, RequestTimeout)


def test_a_slow_answer_times_out_and_is_retried(
    make_client: MakeClient, marketplace: StandInMarketplace, jar_file: Path
) -> None:
    client = make_client(read_timeout=0.2)
    marketplace.fail_next(Fault.slow(1.0))
    result = client.upload_artifact(jar_file)
    assert result.asset.size == jar_file.stat().st_size
    assert marketplace.count("POST", ARTIFACT) == 2


def test_always_slow_is_a_timeout_error(
    make_client: MakeClient, marketplace: StandInMarketplace
) -> None:
    client = make_client(read_timeout=0.2, max_attempts=2)
    marketplace.fail_next(Fault.slow(1.0), Fault.slow(1.0))
    with pytest.raises(RequestTimeout, match=r"within 0\.2 s on 2 attempts"):
        client.links()


def test_an_unreachable_server_is_connection_failed(sleeps: list[float]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = MarketplaceClient(
        f"http://127.0.0.1:{port}/rest/2", sleep=sleeps.append, max_attempts=2
    )
    with pytest.raises(ConnectionFailed, match="Check the network"):
        client.links()
    assert len(sleeps) == 1


# -- response validation ----------------------------------------------------------------------


def test_malformed_json_is_invalid_and_not_retried(
    client: MarketplaceClient, marketplace: StandInMarketplace, jar_file: Path
) -> None:
    marketplace.fail_next(Fault.malformed_json())
    with pytest.raises(InvalidResponse, match="not valid JSON"):
        client.upload_artifact(jar_file)
    assert marketplace.count() == 1


@pytest.mark.parametrize("delta", [1, -1])
def test_a_wrong_returned_size_is_invalid(
    client: MarketplaceClient, marketplace: StandInMarketplace, jar_file: Path, delta: int
) -> None:
    marketplace.fail_next(Fault.wrong_size(delta))
    with pytest.raises(InvalidResponse, match="not trusted"):
        client.upload_artifact(jar_file)


def test_a_redirect_is_not_followed(
    client: MarketplaceClient, marketplace: StandInMarketplace
) -> None:
    marketplace.fail_next(Fault.error(302))
    with pytest.raises(InvalidResponse, match="redirects are not followed"):
        client.links()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"[]", "fileInfo"),
        (b'{"fileInfo": {"size": 3}, "_links": {"self": {"href": "/a/b"}}}', "logicalFileName"),
        (b'{"fileInfo": {"logicalFileName": "", "size": 3}, "_links": {}}', "logicalFileName"),
        (b'{"fileInfo": {"logicalFileName": "a", "size": "3"}, "_links": {}}', "fileInfo.size"),
        (b'{"fileInfo": {"logicalFileName": "a", "size": true}, "_links": {}}', "fileInfo.size"),
        (b'{"fileInfo": {"logicalFileName": "a", "size": 3}, "_links": {}}', "_links.self.href"),
        (
            b'{"fileInfo": {"logicalFileName": "a", "size": 3}, "_links": {"self": {"href": 5}}}',
            "_links.self.href",
        ),
        (b'{"fileInfo": {"logicalFileName": "a", "size": 3}}', "_links"),
    ],
)
def test_answers_outside_the_documented_shape_are_invalid(
    client: MarketplaceClient, marketplace: StandInMarketplace, body: bytes, field: str
) -> None:
    marketplace.fail_next(Fault.raw(body))
    with pytest.raises(InvalidResponse, match=field.replace(".", r"\.")):
        client.get_asset("some-asset")


# -- transport safety and configuration -------------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    ["http://marketplace.atlassian.com/rest/2", "http://10.0.0.5:8080/rest/2", "http://[fe80::1]/"],
)
def test_credentials_over_plain_http_to_a_remote_host_are_refused(
    base_url: str, credentials: Credentials
) -> None:
    with pytest.raises(InsecureConnection, match="use https") as caught:
        MarketplaceClient(base_url, credentials)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:9/rest/2",
        "http://127.8.9.10/rest/2",
        "http://localhost/x",
        "http://[::1]/",
    ],
)
def test_plain_http_to_loopback_is_allowed(base_url: str, credentials: Credentials) -> None:
    MarketplaceClient(base_url, credentials)


def test_plain_http_without_credentials_is_allowed() -> None:
    MarketplaceClient("http://marketplace.example.com/rest/2")


def test_base_url_resolution_order() -> None:
    env = {"ASSETCHECK_BASE_URL": "https://staging.example.com/rest/2/"}
    assert (
        resolve_base_url("https://opt.example.com/rest/2", env) == "https://opt.example.com/rest/2"
    )
    assert resolve_base_url(None, env) == "https://staging.example.com/rest/2"
    assert resolve_base_url(None, {}) == DEFAULT_BASE_URL
    assert base_url_host(DEFAULT_BASE_URL) == "marketplace.atlassian.com"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.com/rest/2", "http"),
        ("marketplace.atlassian.com/rest/2", "http"),
        ("https://me:secret@example.com/rest/2", "user or password"),
        ("https://example.com/rest/2?x=1", "query"),
        ("https://example.com:99999/rest/2", "port"),
        ("https://example.com/rest 2", "spaces"),
    ],
)
def test_unusable_base_urls_are_refused(url: str, why: str) -> None:
    with pytest.raises(BadBaseUrl, match=why) as caught:
        resolve_base_url(url, {})
    assert "secret" not in str(caught.value)


def test_sniffing_and_asset_names() -> None:
    assert sniff_image_content_type(b"GIF89a....") == "image/gif"
    assert sniff_image_content_type(b"RIFF....WEBP") is None
    assert asset_name_from("https://x/rest/2/assets/abc?x=1") == "abc"
    with pytest.raises(NotFound):
        asset_name_from("/")


# -- the token never leaks --------------------------------------------------------------------


def _failures(client: MarketplaceClient, marketplace: StandInMarketplace, jar: Path) -> list:
    """Provoke one of each failure the client can raise while holding the real token."""
    scripts: list[tuple[Fault | None, Callable[[], object]]] = [
        (Fault.error(400, message=f"token {TOKEN} is not welcome"), lambda: client.links()),
        (Fault.error(401, message=f"Basic {TOKEN}"), lambda: client.upload_artifact(jar)),
        (Fault.error(403), lambda: client.delete_asset("x")),
        (Fault.malformed_json(), lambda: client.upload_artifact(jar)),
        (Fault.wrong_size(), lambda: client.upload_artifact(jar)),
        (None, lambda: client.get_asset("missing")),
    ]
    errors = []
    for fault, call in scripts:
        if fault is not None:
            marketplace.fail_next(fault)
        with pytest.raises(MarketplaceError) as caught:
            call()
        errors.append(caught.value)
    marketplace.fail_next(*[Fault.error(503, message=TOKEN)] * 4)
    with pytest.raises(ServerError) as server_error:
        client.links()
    errors.append(server_error.value)
    return errors


def test_the_token_never_appears_in_errors_or_reprs(
    client: MarketplaceClient,
    marketplace: StandInMarketplace,
    jar_file: Path,
    credentials: Credentials,
) -> None:
    errors = _failures(client, marketplace, jar_file)
    assert len(errors) == 7
    for error in errors:
        shown = str(error) + repr(error) + "".join(traceback.format_exception(error))
        assert TOKEN not in shown, shown
    assert TOKEN not in repr(client) + str(client) + repr(credentials) + str(credentials)
    assert "environment (ASSETCHECK_USER/ASSETCHECK_TOKEN)" in repr(client)


def test_the_fixture_rng_is_deterministic() -> None:
    # The jitter assertions above rely on Random(4) giving distinct draws.
    rng = random.Random(4)
    assert len({rng.uniform(0, 1) for _ in range(5)}) == 5


@pytest.mark.parametrize(("status", "error"), [(413, TooLarge), (401, Unauthorized)])
def test_an_answer_sent_before_the_body_was_read_is_still_reported(
    client: MarketplaceClient,
    marketplace: StandInMarketplace,
    make_jar: Callable[..., Path],
    status: int,
    error: type[MarketplaceError],
) -> None:
    # The server answers and hangs up while 8 MB are still on their way: the broken pipe is
    # the symptom, the answer is the news.
    marketplace.fail_next(Fault.error(status, drain=False))
    with pytest.raises(error):
        client.upload_artifact(make_jar("huge.jar", padding=8 * 1024 * 1024))
    assert marketplace.count() == 1


def test_an_untrusted_certificate_fails_at_once_and_is_not_retried(
    tls_marketplace: StandInMarketplace, credentials: Credentials, sleeps: list[float]
) -> None:
    client = MarketplaceClient(tls_marketplace.base_url, credentials, sleep=sleeps.append)
    with pytest.raises(ConnectionFailed, match="certificate verification failed"):
        client.links()
    assert sleeps == [] and tls_marketplace.count() == 0


def test_https_with_a_trusted_certificate_uploads(
    tls_marketplace: StandInMarketplace,
    self_signed: tuple[Path, Path],
    credentials: Credentials,
    jar_file: Path,
) -> None:
    trusting = ssl.create_default_context(cafile=str(self_signed[0]))
    client = MarketplaceClient(tls_marketplace.base_url, credentials, ssl_context=trusting)
    assert client.upload_artifact(jar_file).asset.size == jar_file.stat().st_size


# ---- proxies ---------------------------------------------------------------------------------


def test_https_goes_through_the_proxy_named_by_https_proxy(
    tls_marketplace: StandInMarketplace,
    self_signed: tuple[Path, Path],
    credentials: Credentials,
    jar_file: Path,
) -> None:
    trusting = ssl.create_default_context(cafile=str(self_signed[0]))
    with ConnectProxy() as proxy:
        client = MarketplaceClient(
            tls_marketplace.base_url,
            credentials,
            ssl_context=trusting,
            environ={"HTTPS_PROXY": proxy.url},
        )
        assert client.upload_artifact(jar_file).asset.size == jar_file.stat().st_size
    port = urlsplit(tls_marketplace.base_url).port
    assert [line for line, _ in proxy.seen] == [f"CONNECT 127.0.0.1:{port} HTTP/1.1"]
    # The credentials and the body travelled inside the tunnel's TLS, not to the proxy.
    assert all("Authorization" not in headers for _, headers in proxy.seen)


def test_proxy_credentials_go_only_to_the_proxy(
    tls_marketplace: StandInMarketplace, self_signed: tuple[Path, Path], credentials: Credentials
) -> None:
    trusting = ssl.create_default_context(cafile=str(self_signed[0]))
    expected = "Basic " + base64.b64encode(b"proxyuser:pro xy").decode()
    with ConnectProxy(password_header=expected) as proxy:
        url = proxy.url.replace("http://", "http://proxyuser:pro%20xy@")
        client = MarketplaceClient(
            tls_marketplace.base_url,
            credentials,
            ssl_context=trusting,
            environ={"https_proxy": url},
        )
        assert client.links().artifact
        assert "pro xy" not in repr(client) and "proxyuser" not in repr(client)


def test_no_proxy_bypasses_the_proxy(
    tls_marketplace: StandInMarketplace, self_signed: tuple[Path, Path], credentials: Credentials
) -> None:
    trusting = ssl.create_default_context(cafile=str(self_signed[0]))
    with ConnectProxy() as proxy:
        client = MarketplaceClient(
            tls_marketplace.base_url,
            credentials,
            ssl_context=trusting,
            environ={"HTTPS_PROXY": proxy.url, "NO_PROXY": "example.com,127.0.0.1"},
        )
        assert client.links().artifact
    assert proxy.seen == []


def test_an_unreachable_proxy_is_named_in_the_error(
    credentials: Credentials, sleeps: list[float]
) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{unused.getsockname()[1]}"
    client = MarketplaceClient(
        "https://marketplace.atlassian.com/rest/2",
        credentials,
        sleep=sleeps.append,
        max_attempts=2,
        environ={"HTTPS_PROXY": dead},
    )
    with pytest.raises(ConnectionFailed, match=r"through the proxy http://127\.0\.0\.1"):
        client.links()


def test_plain_http_never_uses_a_proxy(marketplace: StandInMarketplace, credentials) -> None:
    client = MarketplaceClient(
        marketplace.base_url, credentials, environ={"HTTPS_PROXY": "http://127.0.0.1:9"}
    )
    assert client.links().artifact
