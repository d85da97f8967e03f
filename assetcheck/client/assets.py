"""The assets resource of the Marketplace REST API v2: operations, the retry loop, messages.

Every call goes through one request loop that retries connection failures, 429 and 5xx, and
turns every failure into a MarketplaceError whose message says what to do next. Upload
bodies are re-read from disk on every attempt. Nothing here prints.
"""

from __future__ import annotations

import os
import random
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote, urlencode, urlsplit

from assetcheck.client.answers import (
    AssetLinks,
    AssetRecord,
    error_details,
    parse_asset,
    parse_links,
    parse_upload,
)
from assetcheck.client.bodies import Payload, ProgressCallback, file_payload, require_image
from assetcheck.client.errors import (
    BadRequest,
    ConnectionFailed,
    DeadlineExceeded,
    Forbidden,
    InsecureConnection,
    InvalidResponse,
    MarketplaceError,
    NotFound,
    RateLimited,
    RequestTimeout,
    ServerError,
    TooLarge,
    Unauthorized,
)
from assetcheck.client.proxies import proxy_for
from assetcheck.client.redact import Redactor, server_text
from assetcheck.client.retry import backoff, parse_retry_after, retryable
from assetcheck.client.tls import require_verification, trust_context
from assetcheck.client.transport import ExchangeFailed, Response, Transport
from assetcheck.client.urls import asset_url, is_loopback_host, normalize_base_url
from assetcheck.credentials import API_TOKEN_URL, Credentials
from assetcheck.settings import DEFAULT_BASE_URL, DEFAULT_CLIENT

USER_AGENT = "assetcheck (+https://marketplace.atlassian.com/rest/2)"


@dataclass(frozen=True, slots=True)
class UploadResult:
    """An accepted upload: the server's record plus the sha256 of the bytes actually sent.

    ``attempts`` is how many POSTs were sent. ``answer_lost`` is True when an earlier
    attempt's body was sent whole and no answer came: the Marketplace may hold an unused
    copy of the file (the API has no idempotency key). ``warnings`` are things the user
    should read, e.g. an answer without fileInfo, or a Retry-After longer than the cap.
    """

    asset: AssetRecord
    sha256: str
    attempts: int = 1
    answer_lost: bool = False
    warnings: tuple[str, ...] = ()


@dataclass(slots=True)
class _Attempts:
    """What one operation's attempts did, for the result or the error."""

    sent: int = 0
    answer_lost: bool = False
    notes: list[str] = field(default_factory=list)


class MarketplaceClient:
    """The assets resource of the Marketplace REST API v2.

    ``connect_timeout`` bounds the TCP and TLS handshakes, ``read_timeout`` each read or write
    after it, and ``deadline`` one whole operation: every attempt, and the waits between them.
    Connection failures, 429 and 5xx are retried up to ``max_attempts`` times with full-jitter
    exponential backoff, or after the server's ``Retry-After`` (capped at
    ``retry_after_cap`` seconds); other 4xx are not retried. Upload bodies are re-read from
    disk on every attempt, so ``progress(bytes_sent, total)`` starts again from 0 after a retry.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        credentials: Credentials | None = None,
        *,
        connect_timeout: float = DEFAULT_CLIENT.connect_timeout,
        read_timeout: float = DEFAULT_CLIENT.read_timeout,
        deadline: float = DEFAULT_CLIENT.deadline,
        max_attempts: int = DEFAULT_CLIENT.max_attempts,
        backoff_base: float = DEFAULT_CLIENT.backoff_base,
        backoff_cap: float = DEFAULT_CLIENT.backoff_cap,
        retry_after_cap: float = DEFAULT_CLIENT.retry_after_cap,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        ssl_context: ssl.SSLContext | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if deadline <= 0:
            raise ValueError("deadline must be positive")
        self.base_url = normalize_base_url(base_url)
        self._host = urlsplit(self.base_url).hostname or ""
        if (
            credentials is not None
            and self.base_url.startswith("http:")
            and not is_loopback_host(self._host)
        ):
            raise InsecureConnection(
                f"Refusing to send credentials over plain http to {self._host}: use https "
                f"(e.g. {DEFAULT_BASE_URL}); plain http is allowed only to this machine."
            )
        env = os.environ if environ is None else environ
        self._credentials = credentials
        self._redact = Redactor(
            credentials.user if credentials else None, credentials.token if credentials else None
        )
        self.read_timeout = read_timeout
        self.deadline = deadline
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retry_after_cap = retry_after_cap
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._clock = clock
        self._monotonic = monotonic
        context = require_verification(ssl_context) if ssl_context else trust_context(env)
        self._transport = Transport(
            ssl_context=context,
            proxy=proxy_for(self.base_url, env),
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
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
        response = self._call("GET", f"{self.base_url}/assets", what)
        return parse_links(response.body, what, self._redact)

    def upload_artifact(
        self,
        path: Path,
        progress: ProgressCallback | None = None,
        *,
        expected_sha256: str | None = None,
    ) -> UploadResult:
        """``POST /assets/artifact?file=<name>``: a .jar or .obr, its bytes as the body.

        With ``expected_sha256``, a file whose bytes differ is never sent complete.
        """
        return self._upload(
            "/assets/artifact", path, progress, expected_sha256, f"the upload of {path.name}"
        )

    def upload_image(
        self,
        path: Path,
        image_type: str,
        progress: ProgressCallback | None = None,
        *,
        expected_sha256: str | None = None,
    ) -> UploadResult:
        """``POST /assets/image/{imageType}?file=<name>``: the image bytes as the body.

        ``image_type`` is the API's value (logo, banner, screenshot, screenshot-thumbnail,
        title-logo, hero); the Marketplace answers 400 to others. The file must be a PNG,
        JPEG, GIF or BMP. With ``expected_sha256``, a file whose bytes differ is never sent
        complete.
        """
        if not image_type:
            raise ValueError("image_type must be the API's image type, e.g. 'logo'")
        require_image(path)
        return self._upload(
            f"/assets/image/{quote(image_type, safe='')}",
            path,
            progress,
            expected_sha256,
            f"the {image_type} image upload of {path.name}",
        )

    def fetch_artifact(self, uri: str) -> AssetRecord:
        """``POST /assets/artifact/fetch?uri=``: the Marketplace copies a remote artifact."""
        what = f"the fetch of {server_text(uri, self._redact)}"
        url = f"{self.base_url}/assets/artifact/fetch?{urlencode({'uri': uri})}"
        response = self._call("POST", url, what)
        return parse_asset(response.body, what, self._redact)

    def get_asset(self, ref: str) -> AssetRecord:
        """``GET /assets/{assetName}``: ``ref`` is the self link, or the name as it is shown."""
        url = asset_url(self.base_url, ref)
        what = f"the lookup of asset {server_text(ref, self._redact)}"
        response = self._call("GET", url, what)
        return parse_asset(response.body, what, self._redact)

    def delete_asset(self, ref: str) -> None:
        """``DELETE /assets/{assetName}``: allowed only to the uploader, while nothing uses it."""
        url = asset_url(self.base_url, ref)
        self._call("DELETE", url, f"the deletion of asset {server_text(ref, self._redact)}")

    # -- the request loop ---------------------------------------------------------------------

    def _upload(
        self,
        resource: str,
        path: Path,
        progress: ProgressCallback | None,
        expected_sha256: str | None,
        what: str,
    ) -> UploadResult:
        url = f"{self.base_url}{resource}?{urlencode({'file': path.name})}"
        attempts = _Attempts()
        sent: list[Payload] = []

        def payload() -> Payload:
            sent.append(file_payload(path, progress, expected_sha256))
            return sent[-1]

        response = self._request("POST", url, payload, what, attempts)
        body = sent[-1]
        try:
            asset, warnings = parse_upload(
                response.body, what, self._redact, path.name, body.length
            )
        except MarketplaceError as error:
            # A 2xx came back for a whole body, but its content cannot be trusted: the server
            # most likely stored the file, and nothing will use that asset.
            attempts.answer_lost = True
            raise self._annotated(error, attempts) from None
        return UploadResult(
            asset=asset,
            sha256=body.digest.hexdigest(),
            attempts=attempts.sent,
            answer_lost=attempts.answer_lost,
            warnings=(*attempts.notes, *warnings),
        )

    def _call(self, method: str, url: str, what: str) -> Response:
        return self._request(method, url, None, what, _Attempts())

    def _request(
        self,
        method: str,
        url: str,
        payload: Callable[[], Payload] | None,
        what: str,
        attempts: _Attempts,
    ) -> Response:
        """Send until a final answer: a non-retryable status, or the last attempt's failure."""
        deadline = self._monotonic() + self.deadline
        try:
            for attempt in range(1, self.max_attempts + 1):
                last = attempt == self.max_attempts
                body = payload() if payload is not None else None
                try:
                    response = self._transport.send(
                        method, url, self._headers(method, body), body, deadline
                    )
                except ExchangeFailed as failure:
                    attempts.sent += failure.request_sent
                    if body is not None and body.sent_whole:
                        attempts.answer_lost = True  # the server may have stored it anyway
                    if failure.kind in ("certificate", "too-large", "deadline") or last:
                        raise self._exchange_error(failure, what, attempt) from None
                    self._wait(self._backoff(attempt), deadline, what, attempt)
                    continue
                attempts.sent += 1
                if not retryable(response.status) or last:
                    self._raise_for_status(response, what, attempt)
                    return response
                self._wait(self._retry_delay(response, attempt, attempts), deadline, what, attempt)
        except MarketplaceError as error:
            raise self._annotated(error, attempts) from None
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _headers(self, method: str, body: Payload | None) -> dict[str, str]:
        headers = {
            "Accept": "application/json",
            # Asset answers are tiny; identity keeps a compressed answer from inflating here.
            "Accept-Encoding": "identity",
            "User-Agent": USER_AGENT,
        }
        if self._credentials is not None:
            headers["Authorization"] = self._credentials.authorization_header()
        if body is not None:
            headers["Content-Type"] = body.content_type
            headers["Content-Length"] = str(body.length)
        elif method == "POST":
            headers["Content-Length"] = "0"
        return headers

    def _backoff(self, attempt: int) -> float:
        return backoff(attempt, self.backoff_base, self.backoff_cap, self._rng)

    def _retry_delay(self, response: Response, attempt: int, attempts: _Attempts) -> float:
        wait = parse_retry_after(response.retry_after, self._clock())
        if wait is None:
            return self._backoff(attempt)
        if wait > self.retry_after_cap:
            attempts.notes.append(
                f"The Marketplace asked to wait {_seconds(wait)} before retrying (HTTP "
                f"{response.status}); assetcheck waited {_seconds(self.retry_after_cap)}, "
                "its cap."
            )
            return self.retry_after_cap
        return wait

    def _wait(self, seconds: float, deadline: float, what: str, attempt: int) -> None:
        if self._monotonic() + seconds >= deadline:
            raise DeadlineExceeded(
                f"Gave up on {what} after {_tries(attempt)}: waiting {_seconds(seconds)} more "
                f"before retrying would pass its deadline of {_seconds(self.deadline)}. "
                "Try again later, or allow more time with --deadline."
            )
        self._sleep(seconds)

    # -- errors -------------------------------------------------------------------------------

    def _annotated(self, error: MarketplaceError, attempts: _Attempts) -> MarketplaceError:
        """The error, told what the attempts did; called once per failed operation."""
        error.attempts = attempts.sent
        error.answer_lost = attempts.answer_lost
        notes = list(attempts.notes)
        if attempts.answer_lost:
            notes.append(
                "A request's body was sent whole but its answer was lost: the Marketplace "
                "may hold an unused copy of the file."
            )
        if notes:
            error.args = (" ".join([str(error), *notes]),)
        return error

    def _exchange_error(self, failure: ExchangeFailed, what: str, attempt: int) -> MarketplaceError:
        reason = server_text(failure.reason, self._redact)
        proxy = self._transport.proxy
        route = f" through the proxy {proxy.shown} ({proxy.variable})" if proxy else ""
        if failure.kind == "certificate":
            # A certificate problem does not fix itself by retrying, and is never waved off.
            return ConnectionFailed(
                f"TLS certificate verification failed for {self._host}{route} during {what}: "
                f"{reason}. If a proxy re-signs traffic, point SSL_CERT_FILE at its CA bundle "
                "or install its CA in the system's trust store; verification cannot be "
                "turned off."
            )
        if failure.kind == "too-large":
            return InvalidResponse(
                f"The Marketplace sent {reason} for {what}; it was not accepted. Check the "
                "base URL points at the REST API root."
            )
        if failure.kind == "deadline":
            return DeadlineExceeded(
                f"Gave up on {what} with the Marketplace at {self._host}{route}: it was not "
                f"done within its deadline of {_seconds(self.deadline)} ({_tries(attempt)}). "
                "The server or the network is too slow: try again later, or allow more time "
                "with --deadline."
            )
        if failure.kind == "timeout":
            return RequestTimeout(
                f"The Marketplace at {self._host}{route} did not answer {what} within "
                f"{self.read_timeout:g} s on {_tries(attempt)}. "
                "Try again later, or allow more time with a longer timeout."
            )
        return ConnectionFailed(
            f"Could not complete {what} with the Marketplace at {self._host}{route} after "
            f"{_tries(attempt)} ({reason}). Check the network, the proxy settings and the "
            "base URL, then try again."
        )

    def _raise_for_status(self, response: Response, what: str, tries: int) -> None:
        status = response.status
        if 200 <= status < 300:
            return
        details = error_details(response.body, self._redact)
        said = f": {'; '.join(details)}" if details else ""
        source = self.credential_source
        if 300 <= status < 400:
            location = server_text(response.location or "nowhere", self._redact)
            self._fail(
                InvalidResponse,
                f"The Marketplace answered {what} with a redirect (HTTP {status}) to "
                f"{location}; redirects are not followed so credentials "
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
                f"The Marketplace kept rate-limiting {what} (HTTP 429, {tries} attempts)"
                f"{said}. Wait a few minutes and try again.",
            ),
        }
        if status in simple:
            error_class, message = simple[status]
            self._fail(error_class, message, status)
        if status >= 500:
            self._fail(
                ServerError,
                f"The Marketplace failed {what} with HTTP {status} on {_tries(tries)}{said}. "
                "It may be down or overloaded: try again later.",
                status,
            )
        self._fail(
            MarketplaceError,
            f"The Marketplace answered {what} with an unexpected HTTP {status}{said}. "
            "Check the base URL and try again.",
            status,
        )

    def _fail(self, error_class: type[MarketplaceError], message: str, status: int) -> NoReturn:
        raise error_class(self._redact(message), status=status)


def _tries(count: int) -> str:
    return f"{count} attempt{'s' if count != 1 else ''}"


def _seconds(value: float) -> str:
    if value == float("inf"):
        return "forever"
    return f"{value:g} s" if value < 120 else f"{value / 60:g} min"
