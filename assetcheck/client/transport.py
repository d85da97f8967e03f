"""One HTTP exchange with the Marketplace, over httpx: the only code here that touches sockets.

Each attempt gets a fresh httpx client and connection, with TLS verified against the trust
store, the proxy chosen by ``proxies``, and redirects never followed (credentials stay with
the configured host). Two clocks bound an attempt: the per-operation timeouts (connect, and
each read or write) and the caller's total deadline. A server that drips one byte a second
never trips a read timeout, so a watchdog shuts the attempt's sockets down when the deadline
passes, which wakes any blocked read or write at once. Nothing here retries or builds
messages for people: failures come back as an ExchangeFailed naming their kind.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from assetcheck.client.bodies import Payload
from assetcheck.client.proxies import ProxyRoute

# Asset answers are a few hundred bytes; a cap keeps a misbehaving server from filling memory.
MAX_RESPONSE_BYTES = 1024 * 1024

FailureKind = Literal["timeout", "deadline", "certificate", "connection", "too-large"]


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    retry_after: str | None
    location: str | None


class ExchangeFailed(Exception):
    """An attempt that ended without an answer; ``request_sent`` when its headers went out."""

    def __init__(self, kind: FailureKind, reason: str, *, request_sent: bool) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.request_sent = request_sent


class Transport:
    """Sends one request per call; ``send`` raises ExchangeFailed or the body's LocalFileError."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        proxy: ProxyRoute | None,
        connect_timeout: float,
        read_timeout: float,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self._ssl_context = ssl_context
        self.proxy = proxy
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_response_bytes = max_response_bytes

    def __repr__(self) -> str:
        return f"Transport(proxy={self.proxy!r})"

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: Payload | None,
        deadline: float,
    ) -> Response:
        """One attempt; ``deadline`` is a time.monotonic() value it must not run past."""
        watch = _Watchdog(deadline)
        try:
            with watch, self._client(deadline) as client:
                request = client.build_request(
                    method,
                    url,
                    headers=headers,
                    content=body.chunks if body is not None else None,
                    extensions={"trace": watch.trace},
                )
                response = client.send(request, stream=True)
                try:
                    return self._read(response, watch)
                finally:
                    response.close()
        except httpx.TransportError as exc:
            raise self._failure(exc, watch) from exc
        except OSError as exc:  # a socket shut by the watchdog can surface unwrapped
            if not watch.fired:
                raise
            raise self._failure(exc, watch) from exc
        finally:
            if body is not None:
                body.close()

    def _client(self, deadline: float) -> httpx.Client:
        left = max(0.001, deadline - time.monotonic())
        connect, each = min(self.connect_timeout, left), min(self.read_timeout, left)
        proxy = None
        if self.proxy is not None:
            # An https proxy's own certificate is checked against the same trust store.
            secure = self.proxy.url.lower().startswith("https:")
            proxy = httpx.Proxy(self.proxy.url, ssl_context=self._ssl_context if secure else None)
        return httpx.Client(
            verify=self._ssl_context,
            proxy=proxy,
            trust_env=False,  # the environment was read once, by proxies.proxy_for
            follow_redirects=False,
            timeout=httpx.Timeout(connect=connect, read=each, write=each, pool=connect),
        )

    def _read(self, response: httpx.Response, watch: _Watchdog) -> Response:
        decoder = _Decoder(response.headers.get("Content-Encoding", ""))
        body = bytearray()
        # The raw bytes, inflated here within the cap: httpx inflates each chunk whole, and
        # 64 KiB of gzip (sent though identity was asked for) can become 64 MiB at once.
        for chunk in response.iter_raw():
            body += decoder.feed(chunk, self.max_response_bytes + 1 - len(body))
            if len(body) > self.max_response_bytes:
                raise ExchangeFailed(
                    "too-large",
                    f"more than {self.max_response_bytes} bytes in an answer",
                    request_sent=True,
                )
        decoder.end()
        return Response(
            status=response.status_code,
            body=bytes(body),
            retry_after=response.headers.get("Retry-After"),
            location=response.headers.get("Location"),
        )

    def _failure(self, exc: BaseException, watch: _Watchdog) -> ExchangeFailed:
        sent = watch.request_sent
        if watch.fired or time.monotonic() >= watch.deadline:
            return ExchangeFailed("deadline", "the deadline passed", request_sent=sent)
        if isinstance(exc, httpx.TimeoutException):
            return ExchangeFailed("timeout", _reason(exc), request_sent=sent)
        cert = _certificate_error(exc)
        if cert is not None:
            return ExchangeFailed(
                "certificate", cert.verify_message or str(cert), request_sent=False
            )
        return ExchangeFailed("connection", _reason(exc), request_sent=sent)


class _Watchdog:
    """Shuts the attempt's sockets down at the deadline; counts what the attempt sent."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.fired = False
        self.request_sent = False
        self._streams: list[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        """httpcore's trace hook: remember every stream opened (TCP, TLS, through proxies)."""
        if event.endswith(("connect_tcp.complete", "start_tls.complete")):
            with self._lock:
                self._streams.append(info.get("return_value"))
                fired = self.fired
            if fired:
                self._shut()
        elif event == "http11.send_request_headers.complete":
            self.request_sent = True

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
        self._shut()

    def _shut(self) -> None:
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is None or sock.fileno() == -1:
                continue
            # The plain socket call, also for an SSLSocket: it wakes a blocked read or
            # write in the other thread without touching the TLS state it is using.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Decoder:
    """An answer's content coding undone within a cap: gzip and deflate inflated, no further
    than asked; any other coding left as is, as httpx leaves it."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding.strip().lower()
        deflated = self.encoding in ("gzip", "x-gzip", "deflate")
        # A gzip or a zlib header (what 'deflate' means in HTTP).
        self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 32) if deflated else None
        # Servers that send 'deflate' without its zlib header are common enough that httpx
        # and the browsers take raw deflate too, when the first bytes are not zlib: the first
        # two bytes (a zlib header's length) are held until that is settled.
        self._may_be_raw = self.encoding == "deflate"
        self._head = b""

    def feed(self, chunk: bytes, room: int) -> bytes:
        """The chunk's bytes, at most ``room`` of them."""
        if self._inflater is None:
            return chunk
        if self._may_be_raw:
            self._head += chunk
            if len(self._head) < 2:
                return b""
            chunk, self._head, self._may_be_raw = self._head, b"", False
            try:
                return self._inflater.decompress(chunk, room)
            except zlib.error as exc:
                first = exc  # what is reported when raw deflate fails too
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            try:
                return self._inflater.decompress(chunk, room)
            except zlib.error:
                raise self._corrupt(f"is corrupt ({first})") from None
        try:
            return self._inflater.decompress(chunk, room)
        except zlib.error as exc:
            raise self._corrupt(f"is corrupt ({exc})") from None

    def end(self) -> None:
        """The answer ended: a compressed one must have ended its stream (and its checksum)."""
        if self._inflater is not None and (self._head or not self._inflater.eof):
            raise self._corrupt("ends before its compressed stream does")

    def _corrupt(self, what: str) -> ExchangeFailed:
        return ExchangeFailed(
            "connection", f"the answer's {self.encoding} data {what}", request_sent=True
        )


def _certificate_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
