"""The Marketplace REST API v2 assets client: the only module in assetcheck that speaks HTTP.

Every call goes through one retrying request loop, and every failure becomes a MarketplaceError
whose message says what to do next. Uploads are streamed from disk in 64 KiB chunks and re-read
on each attempt, so a 200 MB artifact never sits in memory. Nothing here prints.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import http.client
import ipaddress
import json
import os
import random
import secrets
import ssl
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, NoReturn
from urllib.parse import quote, unquote, urlencode, urlsplit

from assetcheck.credentials import API_TOKEN_URL, Credentials
from assetcheck.settings import DEFAULT_BASE_URL, DEFAULT_CLIENT

BASE_URL_ENV = "ASSETCHECK_BASE_URL"
CHUNK_SIZE = 64 * 1024
# Asset responses are a few hundred bytes; a cap keeps a misbehaving server from filling memory.
MAX_RESPONSE_BYTES = 1024 * 1024
USER_AGENT = "assetcheck (+https://marketplace.atlassian.com/rest/2)"

ProgressCallback = Callable[[int, int], None]

IMAGE_CONTENT_TYPES = ("image/png", "image/jpeg", "image/gif", "image/bmp")
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)


class MarketplaceError(Exception):
    """Base of every client failure; ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class BadRequest(MarketplaceError):
    """HTTP 400: the Marketplace refused the request or the file."""


class Unauthorized(MarketplaceError):
    """HTTP 401: the credentials were rejected."""


class Forbidden(MarketplaceError):
    """HTTP 403: the account may not do this."""


class NotFound(MarketplaceError):
    """HTTP 404: no such asset, or the base URL is wrong."""


class TooLarge(MarketplaceError):
    """HTTP 413: the file is over the Marketplace's limit."""


class RateLimited(MarketplaceError):
    """HTTP 429 on every attempt."""


class ServerError(MarketplaceError):
    """HTTP 5xx on every attempt."""


class ConnectionFailed(MarketplaceError):
    """The server could not be reached, or the connection broke, on every attempt."""


class RequestTimeout(ConnectionFailed):
    """The server was too slow on every attempt."""


class InvalidResponse(MarketplaceError):
    """The server answered, but not with the documented shape; the answer is not trusted."""


class BadBaseUrl(MarketplaceError):
    """The base URL cannot be used."""


class InsecureConnection(BadBaseUrl):
    """Credentials would travel over plain http to a host that is not this machine."""


class LocalFileError(MarketplaceError):
    """The local file to upload cannot be read, changed while uploading, or is not an image."""


@dataclass(frozen=True, slots=True)
class AssetRecord:
    """A stored asset as the Marketplace described it, after validation."""

    asset_name: str
    logical_file_name: str
    size: int
    self_link: str
    binary_link: str | None = None
    remote_link: str | None = None
    image_link: str | None = None


@dataclass(frozen=True, slots=True)
class UploadResult:
    """An accepted upload: the server's record plus the sha256 of the bytes actually sent."""

    asset: AssetRecord
    sha256: str


@dataclass(frozen=True, slots=True)
class AssetLinks:
    """``GET /assets``: where the asset resources live (``image_by_type`` is a URI template)."""

    self_link: str | None
    artifact: str | None
    fetch_artifact: str | None
    image_by_type: str | None


@dataclass(slots=True)
class _Payload:
    """One attempt's request body, built afresh from disk for every attempt."""

    content_type: str
    length: int
    chunks: Generator[bytes, None, None]
    file_size: int
    digest: hashlib._Hash  # sha256 of the file bytes, complete once ``chunks`` is exhausted


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    body: bytes
    retry_after: str | None
    location: str | None


def resolve_base_url(option: str | None, env: Mapping[str, str]) -> str:
    """The base URL from ``--base-url``, else ``ASSETCHECK_BASE_URL``, else the public API."""
    return normalize_base_url(option or env.get(BASE_URL_ENV) or DEFAULT_BASE_URL)


def normalize_base_url(url: str) -> str:
    """Check a base URL is usable and return it without a trailing slash."""
    url = url.strip()
    parts = urlsplit(url)
    if any(char.isspace() or not char.isprintable() for char in url):
        raise BadBaseUrl(f"The base URL {url!r} contains spaces or control characters.")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadBaseUrl(
            f"The base URL {url!r} is not an http(s) URL with a host: use e.g. {DEFAULT_BASE_URL}."
        )
    if parts.username is not None or parts.password is not None:
        # Credentials in the URL would be shown wherever the base URL is (ledger, messages).
        raise BadBaseUrl(
            "The base URL contains a user or password: remove it and give credentials with "
            "--user, the environment or ~/.netrc."
        )
    if parts.query or parts.fragment:
        raise BadBaseUrl(f"The base URL {url!r} has a query or fragment: give only the API root.")
    try:
        parts.port  # noqa: B018 - urlsplit validates the port lazily
    except ValueError:
        raise BadBaseUrl(f"The base URL {url!r} has an invalid port.") from None
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


@dataclass(frozen=True, slots=True)
class Proxy:
    host: str
    port: int
    headers: dict[str, str]

    def __repr__(self) -> str:  # the headers may hold the proxy's password
        return f"Proxy({self.host}:{self.port})"


def https_proxy(environ: Mapping[str, str], host: str) -> Proxy | None:
    """The proxy HTTPS_PROXY names for ``host``, unless NO_PROXY exempts it."""
    url = environ.get("HTTPS_PROXY") or environ.get("https_proxy")
    if not url or _no_proxy(environ, host):
        return None
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if not parts.hostname:
        raise BadBaseUrl("HTTPS_PROXY is not a proxy URL like http://proxy.example.com:3128")
    headers = {}
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        headers["Proxy-Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    return Proxy(parts.hostname, parts.port or 3128, headers)


def _no_proxy(environ: Mapping[str, str], host: str) -> bool:
    listed = environ.get("NO_PROXY") or environ.get("no_proxy") or ""
    for entry in (item.strip().lower() for item in listed.split(",")):
        entry = entry.lstrip(".")
        if entry == "*" or (
            entry and (host.lower() == entry or host.lower().endswith("." + entry))
        ):
            return True
    return False


def is_loopback_host(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1: the only hosts plain http may carry secrets to."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def sniff_image_content_type(head: bytes) -> str | None:
    """The upload content type for PNG, JPEG, GIF or BMP bytes, by magic number."""
    for magic, content_type in _IMAGE_MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def base_url_host(base_url: str) -> str:
    """The host of a base URL: the machine a ~/.netrc entry is looked up for."""
    return urlsplit(normalize_base_url(base_url)).hostname or ""


def asset_name_from(ref: str) -> str:
    """An asset name from a name or a self link such as ``/rest/2/assets/<name>``."""
    name = _last_segment(ref)
    if name is None:
        raise NotFound(f"{ref!r} names no asset: give an asset name or its self link.")
    return name


def _last_segment(ref: str) -> str | None:
    return urlsplit(ref.strip()).path.rstrip("/").rsplit("/", 1)[-1] or None


class MarketplaceClient:
    """The assets resource of the Marketplace REST API v2.

    Timeouts apply to every socket operation: ``connect_timeout`` to the TCP and TLS handshake,
    ``read_timeout`` to each send and receive after it. Connection failures, 429 and 5xx are
    retried up to ``max_attempts`` times with full-jitter exponential backoff, or after the
    server's ``Retry-After`` (capped at ``retry_after_cap`` seconds); other 4xx are not retried.
    Upload bodies are re-read from disk on every attempt, so ``progress(bytes_sent, total)``
    starts again from 0 after a retry.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        credentials: Credentials | None = None,
        *,
        connect_timeout: float = DEFAULT_CLIENT.connect_timeout,
        read_timeout: float = DEFAULT_CLIENT.read_timeout,
        max_attempts: int = DEFAULT_CLIENT.max_attempts,
        backoff_base: float = DEFAULT_CLIENT.backoff_base,
        backoff_cap: float = DEFAULT_CLIENT.backoff_cap,
        retry_after_cap: float = DEFAULT_CLIENT.retry_after_cap,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
        ssl_context: ssl.SSLContext | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.base_url = normalize_base_url(base_url)
        parts = urlsplit(self.base_url)
        self._scheme = parts.scheme
        self._host = parts.hostname or ""
        self._port = parts.port
        self._prefix = parts.path
        if credentials is not None and self._scheme == "http" and not is_loopback_host(self._host):
            raise InsecureConnection(
                f"Refusing to send credentials over plain http to {self._host}: use https "
                f"(e.g. {DEFAULT_BASE_URL}); plain http is allowed only to this machine."
            )
        self._credentials = credentials
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retry_after_cap = retry_after_cap
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._clock = clock
        # Default context: certificate and host name verification stay on, always.
        self._ssl_context = ssl_context or ssl.create_default_context()
        # Corporate CI reaches the internet through a proxy: HTTPS_PROXY and NO_PROXY are
        # honoured (as curl does) for https; plain http, which carries credentials only to
        # this machine, never goes through one.
        self._proxy = (
            https_proxy(os.environ if environ is None else environ, self._host)
            if self._scheme == "https"
            else None
        )

    def __repr__(self) -> str:
        source = self.credential_source
        return f"MarketplaceClient(base_url={self.base_url!r}, credentials={source!r})"

    @property
    def credential_source(self) -> str:
        """Where the credentials came from, for messages; never the secret."""
        if self._credentials is None:
            return "no credentials (none were sent)"
        return self._credentials.source

    # -- operations -------------------------------------------------------------------------

    def links(self) -> AssetLinks:
        """``GET /assets``: links to the asset resources."""
        what = "the request for asset links"
        response = self._call("GET", "/assets", what=what)
        links = _mapping(_json(response.body, what, self._redact), "_links", what)
        return AssetLinks(
            self_link=_optional_str(links, "self", "href"),
            artifact=_optional_str(links, "artifact", "href"),
            fetch_artifact=_optional_str(links, "fetchArtifact", "href"),
            image_by_type=_optional_str(links, "imageByType", "template"),
        )

    def upload_artifact(
        self,
        path: Path,
        progress: ProgressCallback | None = None,
        *,
        expected_sha256: str | None = None,
    ) -> UploadResult:
        """``POST /assets/artifact``: a .jar or .obr as multipart/form-data field ``file``.

        With ``expected_sha256``, a file whose bytes differ is never sent complete.
        """
        what = f"the upload of {path.name}"
        return self._upload(
            "/assets/artifact",
            None,
            lambda: _multipart_payload(path, progress, expected_sha256),
            what,
        )

    def upload_image(
        self,
        path: Path,
        image_type: str,
        progress: ProgressCallback | None = None,
        *,
        content_type: str | None = None,
        expected_sha256: str | None = None,
    ) -> UploadResult:
        """``POST /assets/image/{imageType}?file=<name>``: the image bytes as the request body.

        ``content_type`` is one of IMAGE_CONTENT_TYPES; when None it is sniffed from the bytes.
        With ``expected_sha256``, a file whose bytes differ is never sent complete.
        """
        if not image_type:
            raise ValueError("image_type must be the API's image type, e.g. 'logo'")
        if content_type is None:
            content_type = _sniff_file(path)
        elif content_type not in IMAGE_CONTENT_TYPES:
            raise ValueError(f"content_type must be one of {IMAGE_CONTENT_TYPES}")
        kind = content_type
        return self._upload(
            f"/assets/image/{quote(image_type, safe='')}",
            {"file": path.name},
            lambda: _raw_payload(path, kind, progress, expected_sha256),
            f"the {image_type} image upload of {path.name}",
        )

    def fetch_artifact(self, uri: str) -> AssetRecord:
        """``POST /assets/artifact/fetch?uri=``: the Marketplace copies a remote artifact."""
        what = f"the fetch of {uri}"
        response = self._call("POST", "/assets/artifact/fetch", query={"uri": uri}, what=what)
        return _parse_asset(response.body, what, None, self._redact)

    def get_asset(self, name: str) -> AssetRecord:
        """``GET /assets/{assetName}``: a stored asset's details (a self link works as a name)."""
        asset = asset_name_from(name)
        what = f"the lookup of asset {asset}"
        response = self._call("GET", f"/assets/{quote(asset, safe='')}", what=what)
        return _parse_asset(response.body, what, None, self._redact)

    def delete_asset(self, name: str) -> None:
        """``DELETE /assets/{assetName}``: allowed only to the uploader, while nothing uses it."""
        asset = asset_name_from(name)
        what = f"the deletion of asset {asset}"
        self._call("DELETE", f"/assets/{quote(asset, safe='')}", what=what)

    # -- the request loop ---------------------------------------------------------------------

    def _upload(
        self,
        path: str,
        query: dict[str, str] | None,
        payload: Callable[[], _Payload],
        what: str,
    ) -> UploadResult:
        response, sent = self._request("POST", path, query, payload, what)
        assert sent is not None  # an upload always has a payload
        asset = _parse_asset(response.body, what, sent.file_size, self._redact)
        return UploadResult(asset=asset, sha256=sent.digest.hexdigest())

    def _call(
        self, method: str, path: str, *, query: dict[str, str] | None = None, what: str
    ) -> _Response:
        response, _ = self._request(method, path, query, None, what)
        return response

    def _request(
        self,
        method: str,
        path: str,
        query: dict[str, str] | None,
        payload: Callable[[], _Payload] | None,
        what: str,
    ) -> tuple[_Response, _Payload | None]:
        """Send until a final answer: a non-retryable status, or the last attempt's failure."""
        target = self._prefix + path + (f"?{urlencode(query)}" if query else "")
        for attempt in range(1, self.max_attempts + 1):
            last = attempt == self.max_attempts
            body = payload() if payload is not None else None
            try:
                response = self._exchange(method, target, body)
            except ssl.SSLCertVerificationError as exc:
                # A certificate problem does not fix itself by retrying, and is never waved off.
                raise ConnectionFailed(
                    f"TLS certificate verification failed for {self._host} during {what}: "
                    f"{exc.verify_message or exc}. If a proxy re-signs traffic, point "
                    "SSL_CERT_FILE at its CA bundle; verification cannot be turned off."
                ) from exc
            except TimeoutError as exc:
                if last:
                    raise self._timeout_error(what, attempt) from exc
                self._sleep(self._backoff(attempt))
                continue
            except (OSError, http.client.HTTPException) as exc:
                if last:
                    raise self._connection_error(what, attempt, exc) from exc
                self._sleep(self._backoff(attempt))
                continue
            if not _retryable(response.status) or last:
                self._raise_for_status(response, what, attempt)
                return response, body
            self._sleep(self._retry_delay(response, attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _exchange(self, method: str, target: str, body: _Payload | None) -> _Response:
        """One attempt on a fresh connection, body streamed chunk by chunk."""
        conn = self._connection()
        try:
            conn.connect()
            if conn.sock is not None:
                conn.sock.settimeout(self.read_timeout)
            conn.putrequest(method, target)
            for name, value in self._headers(method, body):
                conn.putheader(name, value)
            conn.endheaders()
            if body is not None:
                try:
                    for chunk in body.chunks:
                        conn.send(chunk)
                except OSError:
                    # A server may answer (401, 413) and close before reading the whole body;
                    # that answer says more than the broken pipe does.
                    early = _try_read_response(conn)
                    if early is None:
                        raise
                    return early
            return _read_response(conn)
        finally:
            if body is not None:
                body.chunks.close()
            conn.close()

    def _connection(self) -> http.client.HTTPConnection:
        if self._scheme != "https":
            return http.client.HTTPConnection(self._host, self._port, timeout=self.connect_timeout)
        if self._proxy is None:
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=self.connect_timeout, context=self._ssl_context
            )
        # Through the proxy by CONNECT: TLS and its certificate check stay end to end.
        conn = http.client.HTTPSConnection(
            self._proxy.host,
            self._proxy.port,
            timeout=self.connect_timeout,
            context=self._ssl_context,
        )
        conn.set_tunnel(self._host, self._port or 443, headers=self._proxy.headers)
        return conn

    def _headers(self, method: str, body: _Payload | None) -> list[tuple[str, str]]:
        headers = [("Accept", "application/json"), ("User-Agent", USER_AGENT)]
        if self._credentials is not None:
            headers.append(("Authorization", self._credentials.authorization_header()))
        if body is not None:
            headers.append(("Content-Type", body.content_type))
            headers.append(("Content-Length", str(body.length)))
        elif method == "POST":
            headers.append(("Content-Length", "0"))
        return headers

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(0.0, ceiling)

    def _retry_delay(self, response: _Response, attempt: int) -> float:
        wait = _parse_retry_after(response.retry_after, self._clock())
        if wait is None:
            return self._backoff(attempt)
        return min(wait, self.retry_after_cap)

    # -- errors -------------------------------------------------------------------------------

    def _raise_for_status(self, response: _Response, what: str, attempts: int) -> None:
        status = response.status
        if 200 <= status < 300:
            return
        details = _error_details(response.body)
        said = f": {'; '.join(details)}" if details else ""
        source = self.credential_source
        if 300 <= status < 400:
            self._fail(
                InvalidResponse,
                f"The Marketplace answered {what} with a redirect (HTTP {status}) to "
                f"{response.location or 'nowhere'}; redirects are not followed so credentials "
                "stay with the configured host. Set --base-url to the final API root.",
                status,
            )
        simple: dict[int, tuple[type[MarketplaceError], str]] = {
            400: (
                BadRequest,
                f"The Marketplace rejected {what} (HTTP 400){said}. "
                "Fix what it names and try again.",
            ),
            401: (
                Unauthorized,
                f"The Marketplace rejected the credentials from {source} (HTTP 401){said}. "
                f"Check the account email and API token (create a token at {API_TOKEN_URL}).",
            ),
            403: (
                Forbidden,
                f"The Marketplace refused {what} to the account from {source} (HTTP 403)"
                f"{said}. Use an account with access to this app; an asset can be deleted "
                "only by its uploader, and only while nothing uses it.",
            ),
            404: (
                NotFound,
                f"Nothing was found for {what} at {self.base_url} (HTTP 404){said}. Check the "
                f"name, and that the base URL is the API root, e.g. {DEFAULT_BASE_URL}.",
            ),
            413: (
                TooLarge,
                f"The Marketplace refused {what} as too large (HTTP 413){said}. "
                "Make the file smaller than the Marketplace's limit and try again.",
            ),
            429: (
                RateLimited,
                f"The Marketplace kept rate-limiting {what} (HTTP 429, {attempts} attempts)"
                f"{said}. Wait a few minutes and try again.",
            ),
        }
        if status in simple:
            error_class, message = simple[status]
            self._fail(error_class, message, status)
        if status >= 500:
            self._fail(
                ServerError,
                f"The Marketplace failed {what} with HTTP {status} on {attempts} "
                f"attempt{'s' if attempts > 1 else ''}{said}. It may be down or overloaded: "
                "try again later.",
                status,
            )
        self._fail(
            MarketplaceError,
            f"The Marketplace answered {what} with an unexpected HTTP {status}{said}. "
            "Check the base URL and try again.",
            status,
        )

    def _timeout_error(self, what: str, attempts: int) -> RequestTimeout:
        return RequestTimeout(
            f"The Marketplace at {self._host} did not answer {what} within "
            f"{self.read_timeout:g} s on {attempts} attempt{'s' if attempts > 1 else ''}. "
            "Try again later, or allow more time with a longer timeout."
        )

    def _connection_error(self, what: str, attempts: int, exc: BaseException) -> ConnectionFailed:
        reason = self._redact(str(exc) or type(exc).__name__)
        proxy = self._proxy
        route = f" through the proxy {proxy.host}:{proxy.port} (HTTPS_PROXY)" if proxy else ""
        return ConnectionFailed(
            f"Could not complete {what} with the Marketplace at {self._host}"
            f"{route} after {attempts} "
            f"attempt{'s' if attempts > 1 else ''} ({reason}). Check the network, the proxy "
            "settings and the base URL, then try again."
        )

    def _fail(self, error_class: type[MarketplaceError], message: str, status: int) -> NoReturn:
        raise error_class(self._redact(message), status=status)

    def _redact(self, text: str) -> str:
        """Server text is echoed into messages; never let it carry the token back out."""
        if self._credentials is None or not self._credentials.token:
            return text
        return text.replace(self._credentials.token, "***")


# -- bodies ------------------------------------------------------------------------------------


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise LocalFileError(f"Cannot read {path} ({exc.strerror}): check it exists.") from None


def _file_chunks(
    path: Path,
    size: int,
    digest: hashlib._Hash,
    progress: ProgressCallback | None,
    expected_sha256: str | None = None,
) -> Generator[bytes, None, None]:
    """The file in CHUNK_SIZE pieces; it must stay exactly ``size`` bytes (Content-Length).

    With ``expected_sha256`` (what the checks read), the last piece is held back until the
    whole file has hashed to it: a file changed since its check is never sent complete, so
    the server never stores bytes that were not checked.
    """
    sent = 0
    held: bytes | None = None
    with _open(path) as handle:
        while chunk := _read(handle, path):
            sent += len(chunk)
            if sent > size:
                break
            digest.update(chunk)
            if held is not None:
                yield held
                # Reached after the caller has sent the chunk, so progress counts sent bytes.
                if progress is not None:
                    progress(sent - len(chunk), size)
            held = chunk
    if sent != size:
        raise LocalFileError(
            f"{path} changed size while it was being uploaded: wait until nothing writes it, "
            "then try again."
        )
    if expected_sha256 is not None and digest.hexdigest() != expected_sha256:
        raise LocalFileError(
            f"{path} changed after it was checked, so it was not uploaded: check it and "
            "upload it again."
        )
    if held is not None:
        yield held
        if progress is not None:
            progress(sent, size)


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise LocalFileError(f"Cannot read {path} ({exc.strerror}): check it exists.") from None


def _read(handle: BinaryIO, path: Path) -> bytes:
    try:
        return handle.read(CHUNK_SIZE)
    except OSError as exc:
        raise LocalFileError(f"Cannot read {path} ({exc.strerror}).") from None


def _multipart_payload(
    path: Path, progress: ProgressCallback | None, expected_sha256: str | None = None
) -> _Payload:
    size = _file_size(path)
    boundary = f"assetcheck-{secrets.token_hex(16)}"
    # HTML's multipart rules: quotes and line breaks in a filename are percent-escaped.
    filename = path.name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    digest = hashlib.sha256()

    def chunks() -> Generator[bytes, None, None]:
        yield head
        yield from _file_chunks(path, size, digest, progress, expected_sha256)
        yield tail

    return _Payload(
        content_type=f"multipart/form-data; boundary={boundary}",
        length=len(head) + size + len(tail),
        chunks=chunks(),
        file_size=size,
        digest=digest,
    )


def _raw_payload(
    path: Path,
    content_type: str,
    progress: ProgressCallback | None,
    expected_sha256: str | None = None,
) -> _Payload:
    size = _file_size(path)
    digest = hashlib.sha256()
    return _Payload(
        content_type=content_type,
        length=size,
        chunks=_file_chunks(path, size, digest, progress, expected_sha256),
        file_size=size,
        digest=digest,
    )


def _sniff_file(path: Path) -> str:
    with _open(path) as handle:
        head = _read(handle, path)[:16]
    content_type = sniff_image_content_type(head)
    if content_type is None:
        raise LocalFileError(
            f"{path} is not a PNG, JPEG, GIF or BMP image; the Marketplace accepts only those."
        )
    return content_type


# -- responses ---------------------------------------------------------------------------------


def _read_response(conn: http.client.HTTPConnection) -> _Response:
    response = conn.getresponse()
    body = response.read(MAX_RESPONSE_BYTES + 1)
    if len(body) > MAX_RESPONSE_BYTES:
        raise InvalidResponse(
            f"The Marketplace sent more than {MAX_RESPONSE_BYTES} bytes for an asset response; "
            "check the base URL points at the REST API root.",
            status=response.status,
        )
    return _Response(
        status=response.status,
        body=body,
        retry_after=response.getheader("Retry-After"),
        location=response.getheader("Location"),
    )


def _try_read_response(conn: http.client.HTTPConnection) -> _Response | None:
    try:
        return _read_response(conn)
    except (OSError, http.client.HTTPException):
        return None


def _retryable(status: int) -> bool:
    return status == 429 or 500 <= status < 600


def _parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from ``Retry-After``: delta-seconds or an HTTP-date; None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now)


def _error_details(body: bytes) -> list[str]:
    """The server's ``errorDetails[].message`` strings, tidied to single short lines."""
    try:
        data = json.loads(body)
    except ValueError:
        return []
    items = data.get("errorDetails") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    messages = []
    for item in items[:5]:
        message = item.get("message") if isinstance(item, dict) else None
        if isinstance(message, str) and message.strip():
            # Single line, short, and without a final period: messages add their own.
            messages.append(" ".join(message.split())[:300].rstrip("."))
    return messages


def _json(body: bytes, what: str, redact: Callable[[str], str]) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        snippet = redact(body[:80].decode("utf-8", "replace"))
        raise InvalidResponse(
            f"The Marketplace's answer to {what} is not valid JSON ({snippet!r}); it was not "
            "accepted. Check the base URL is the REST API root and try again."
        ) from None


def _mapping(data: Any, key: str, what: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise InvalidResponse(_shape_message(what, key))
    return value


def _optional_str(links: dict[str, Any], name: str, key: str) -> str | None:
    link = links.get(name)
    value = link.get(key) if isinstance(link, dict) else None
    return value if isinstance(value, str) and value else None


def _parse_asset(
    body: bytes, what: str, expected_size: int | None, redact: Callable[[str], str]
) -> AssetRecord:
    """Accept an asset answer only in the documented shape, with the size that was sent."""
    data = _json(body, what, redact)
    file_info = _mapping(data, "fileInfo", what)
    links = _mapping(data, "_links", what)
    name = file_info.get("logicalFileName")
    if not isinstance(name, str) or not name:
        raise InvalidResponse(_shape_message(what, "fileInfo.logicalFileName"))
    size = file_info.get("size")
    # bool is an int in Python, and True == 1: a JSON true is not a size.
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise InvalidResponse(_shape_message(what, "fileInfo.size"))
    if expected_size is not None and size != expected_size:
        raise InvalidResponse(
            f"The Marketplace recorded {size} bytes for {what}, but {expected_size} were sent; "
            "the upload is not trusted. Try again."
        )
    self_link = _optional_str(links, "self", "href")
    asset_name = _last_segment(self_link) if self_link is not None else None
    if self_link is None or asset_name is None:
        raise InvalidResponse(_shape_message(what, "_links.self.href"))
    return AssetRecord(
        asset_name=asset_name,
        logical_file_name=name,
        size=size,
        self_link=self_link,
        binary_link=_optional_str(links, "binary", "href"),
        remote_link=_optional_str(links, "remote", "href"),
        image_link=_optional_str(links, "image", "href"),
    )


def _shape_message(what: str, field: str) -> str:
    return (
        f"The Marketplace's answer to {what} lacks a valid {field}; it was not accepted. "
        "Check the base URL is the REST API root and try again."
    )
