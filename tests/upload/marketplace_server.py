"""A stand-in Marketplace assets API: a real threaded HTTP server on a free loopback port.

It answers as the real one does (../shared/spec/marketplace.md section 3, and the seed
../shared/seeds/marketplace-rest-v2-assets.txt): HTTP Basic auth against test accounts; artifact
uploads as a raw body with ``?file=<name>`` (what Atlassian's client sends) or as the seed's
multipart form (both streamed, so a 200 MB upload costs no memory here either); raw-body image
uploads to the six real ``{imageType}`` values, 400 for any other; HAL links
(``{"href", "templated": true}``); asset names like ``artifact/<uuid>/app.jar`` whose self link
holds them as one percent-encoded segment (``artifact%2F<uuid>%2Fapp.jar``); error bodies as
``{"errors": [{message, code, path}]}``; asset storage so show and delete work; uploader-only
delete. ``StandInMarketplace(file_info=False)`` leaves fileInfo out of upload answers;
``StandInMarketplace(hash_uploads=False)`` only counts the bytes of an upload (its sha256 is left
empty), so that a benchmark measures the client, not this server's hashing.

Faults are scripted per test: ``server.fail_next(Fault.error(503, retry_after="1"), ...)``
queues one fault per coming request, in order. ``server.requests`` logs every request, so a test
can assert how many attempts the client made. A body cut short is discarded, as a real server
discards it.

``Fault.hold(at, gate)`` handles its request normally but stops at one step of it and tells the
test (``gate.wait_reached()``): when the request's headers are in (``"headers"``, nothing of the
body read), after ``after_bytes`` of the body (``"body"``), or once the answer is sent
(``"answered"``; ``gate.answered`` is set then for every step). The handler goes on when the
test calls ``gate.release()`` (or after HOLD_LIMIT seconds), so a test can kill the client, fill
its disk or lock its ledger at exactly that step.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import socket
import ssl
import struct
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.parser import HeaderParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

API_ROOT = "/rest/2"
USER = "dev@example.com"
TOKEN = "tok-5f3c9b1e-d0-not-print-me-4a7"
OTHER_USER = "other@example.com"
OTHER_TOKEN = "tok-other-81c2-not-print-me-either"
KEEP_CONTENT_BYTES = 1024 * 1024  # stored assets keep their bytes only when this small
# Bodies are read in large steps: the per-read work in Python is then noise beside the copy, so
# a 200 MB upload on loopback is bounded by the client, not by this server.
_READ_CHUNK = 1024 * 1024
# The {imageType} values of the API (spec section 2, from Atlassian's ImagePurpose).
IMAGE_TYPES = ("logo", "banner", "screenshot", "screenshot-thumbnail", "title-logo", "hero")
DRIP_LIMIT = 60.0  # a dripping answer stops by itself after this many seconds
HOLD_LIMIT = 30.0  # a held request goes on by itself after this many seconds
HOLD_STEPS = ("headers", "body", "answered")


class Gate:
    """Where a held request tells the test it got to one step, and waits to be let go.

    ``answered`` is set once the held request's answer is sent, whatever step it held at.
    """

    def __init__(self) -> None:
        self._reached = threading.Event()
        self._released = threading.Event()
        self.answered = threading.Event()

    def wait_reached(self, timeout: float = HOLD_LIMIT) -> bool:
        """Wait until the held request reaches its step; False when it did not in time."""
        return self._reached.wait(timeout)

    def release(self) -> None:
        self._released.set()

    def _arrive(self) -> None:
        self._reached.set()
        self._released.wait(HOLD_LIMIT)


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour, applied to one request."""

    kind: str  # error | reset | slow | drip | raw | wrong-size | hold
    status: int = 0
    retry_after: str | None = None
    message: str | None = None
    after_bytes: int = 0
    delay: float = 0.0
    delta: int = 0
    drain: bool = True
    body: bytes = b""
    details_key: str = "errors"
    at: str = ""
    gate: Gate | None = None
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def error(
        cls,
        status: int,
        retry_after: str | None = None,
        message: str | None = None,
        drain: bool = True,
        details_key: str = "errors",
    ) -> Fault:
        """Answer ``status`` with an ``errors`` body (and Retry-After when given).

        ``drain=False`` answers before reading the body, then hangs up, as proxies do with 413.
        ``details_key="errorDetails"`` gives the other error shape some tools read.
        """
        return cls(
            "error",
            status=status,
            retry_after=retry_after,
            message=message,
            drain=drain,
            details_key=details_key,
        )

    @classmethod
    def reset(cls, after_bytes: int = 64 * 1024) -> Fault:
        """Read ``after_bytes`` of the body, then reset the connection (RST)."""
        return cls("reset", after_bytes=after_bytes)

    @classmethod
    def slow(cls, delay: float) -> Fault:
        """Handle the request normally but wait ``delay`` seconds before answering."""
        return cls("slow", delay=delay)

    @classmethod
    def drip(cls, interval: float = 1.0) -> Fault:
        """Handle the request normally, then send the answer one byte every ``interval`` s.

        No read ever waits long, so only a total deadline ends it (the server stops by
        itself after DRIP_LIMIT seconds).
        """
        return cls("drip", delay=interval)

    @classmethod
    def malformed_json(cls) -> Fault:
        """Handle the request normally, then answer 200 with broken JSON."""
        return cls.raw(b'{"_links": {"self": {"href": "/rest/2/assets/')

    @classmethod
    def raw(cls, body: bytes, headers: Mapping[str, str] | None = None) -> Fault:
        """Handle the request normally, then answer 200 with exactly ``body`` (and ``headers``,
        e.g. a Content-Encoding the client did not ask for)."""
        return cls("raw", body=body, headers=tuple((headers or {}).items()))

    @classmethod
    def wrong_size(cls, delta: int = 1) -> Fault:
        """Handle the request normally, then report ``fileInfo.size`` off by ``delta``."""
        return cls("wrong-size", delta=delta)

    @classmethod
    def hold(cls, at: str, gate: Gate, after_bytes: int = 0) -> Fault:
        """Handle the request normally, stopping at step ``at`` until ``gate`` is released.

        ``at`` is one of HOLD_STEPS; for ``"body"``, the step is after ``after_bytes`` of it.
        """
        if at not in HOLD_STEPS:
            raise ValueError(f"hold at one of {HOLD_STEPS}, not {at!r}")
        return cls("hold", at=at, gate=gate, after_bytes=after_bytes)


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    user: str | None
    content_type: str | None
    content_length: int | None
    fault: Fault | None


@dataclass
class StoredAsset:
    name: str
    kind: str  # artifact | image
    logical_file_name: str
    size: int
    sha256: str
    uploader: str
    content_type: str | None = None
    image_type: str | None = None
    content: bytes | None = None


@dataclass
class _State:
    users: dict[str, str]
    max_upload_bytes: int | None
    file_info: bool = True
    hash_uploads: bool = True
    faults: deque[Fault] = field(default_factory=deque)
    requests: list[SeenRequest] = field(default_factory=list)
    assets: dict[str, StoredAsset] = field(default_factory=dict)
    remote_artifacts: dict[str, bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class StandInMarketplace:
    """Start with ``with StandInMarketplace() as server:``; ``server.base_url`` is the API root."""

    def __init__(
        self,
        users: Mapping[str, str] | None = None,
        max_upload_bytes: int | None = None,
        tls: ssl.SSLContext | None = None,
        file_info: bool = True,
        hash_uploads: bool = True,
    ) -> None:
        accounts = dict(users) if users is not None else {USER: TOKEN, OTHER_USER: OTHER_TOKEN}
        self.state = _State(
            users=accounts,
            max_upload_bytes=max_upload_bytes,
            file_info=file_info,
            hash_uploads=hash_uploads,
        )
        self._httpd = _Server(("127.0.0.1", 0), _Handler, self.state)
        self._scheme = "https" if tls is not None else "http"
        if tls is not None:
            # A failed handshake raises in accept(), which the server shrugs off per request.
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        # A short poll interval keeps shutdown (once per test) quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> StandInMarketplace:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    @property
    def origin(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"{self._scheme}://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return self.origin + API_ROOT

    @property
    def requests(self) -> list[SeenRequest]:
        with self.state.lock:
            return list(self.state.requests)

    @property
    def assets(self) -> dict[str, StoredAsset]:
        """Stored assets by name as their self link spells it (``artifact%2F<uuid>%2Fa.jar``)."""
        with self.state.lock:
            return dict(self.state.assets)

    def fail_next(self, *faults: Fault) -> None:
        """Queue faults; each coming request takes the next one."""
        with self.state.lock:
            self.state.faults.extend(faults)

    def serve_remote(self, uri: str, content: bytes) -> None:
        """Make ``uri`` fetchable by ``POST /assets/artifact/fetch``."""
        with self.state.lock:
            self.state.remote_artifacts[uri] = content

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests matched (``path`` relative to the API root, e.g. /assets/artifact)."""
        return sum(
            1
            for seen in self.requests
            if (method is None or seen.method == method)
            and (path is None or seen.path == API_ROOT + path)
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[_Handler], state: _State) -> None:
        super().__init__(address, handler)
        self.state = state

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out and hang up are part of the script, not news.
        pass


class MultipartError(ValueError):
    pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # -- dispatch ---------------------------------------------------------------------------

    def _handle(self, method: str) -> None:
        self.close_connection = True
        state = self.server.state
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        user = self._authenticated_user()
        with state.lock:
            fault = state.faults.popleft() if state.faults else None
            state.requests.append(
                SeenRequest(
                    method,
                    url.path,
                    query,
                    user if isinstance(user, str) else None,
                    self.headers.get("Content-Type"),
                    self._content_length(),
                    fault,
                )
            )
        if fault is not None and fault.kind == "reset":
            self._reset(fault.after_bytes)
            return
        if fault is not None and fault.kind == "error":
            if fault.drain:
                self._drain()
            self._send_error(fault)
            return
        gate = fault.gate if fault is not None and fault.kind == "hold" else None
        if gate is not None and fault is not None and fault.at == "headers":
            gate._arrive()
        elif gate is not None and fault is not None and fault.at == "body":
            self._read_ahead(fault.after_bytes)
            gate._arrive()
        status, payload = self._route(method, url.path, query, user)
        self._answer(status, payload, fault)
        if gate is not None and fault is not None:
            gate.answered.set()
            if fault.at == "answered":
                gate._arrive()

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], user: str | bool | None
    ) -> tuple[int, Any]:
        if user is False:
            self._drain()
            return 401, _error_body("Authentication failed: bad user or API token.")
        assets = API_ROOT + "/assets"
        if method == "GET" and path == assets:
            return 200, _links_body()
        if method == "GET" and path.startswith(assets + "/"):
            return self._show(path[len(assets) + 1 :])
        if not isinstance(user, str):
            self._drain()
            return 401, _error_body("This resource requires authentication.")
        if method == "POST" and path == assets + "/artifact":
            return self._upload_artifact(user, query)
        if method == "POST" and path == assets + "/artifact/fetch":
            return self._fetch(user, query)
        if method == "POST" and path.startswith(assets + "/image/"):
            return self._upload_image(user, unquote(path[len(assets) + 7 :]), query)
        if method == "DELETE" and path.startswith(assets + "/"):
            return self._delete(user, path[len(assets) + 1 :])
        self._drain()
        return 404, _error_body(f"No resource {method} {path}.")

    # -- operations -------------------------------------------------------------------------

    def _upload_artifact(self, user: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        too_big = self._refuse_if_too_big()
        if too_big is not None:
            return too_big
        content_type = self.headers.get("Content-Type", "")
        boundary = _boundary(content_type)
        sink = _Sink(self.server.state.hash_uploads)
        if boundary is None:
            # The raw body, named by ?file=, as Atlassian's own client sends it.
            names = query.get("file", [])
            if not names or not names[0]:
                self._drain()
                return 400, _error_body("Expected ?file=NAME with the file as the body.", "file")
            for chunk in self._body_chunks():
                sink.write(chunk)
            filename: str | None = names[0]
        else:
            try:
                filename = read_multipart_field(self._body_chunks(), boundary, "file", sink.write)
            except MultipartError as exc:
                return 400, _error_body(f"Bad multipart body: {exc}")
            if filename is None:
                return 400, _error_body("The form has no 'file' field.", "file")
        asset = self._store(sink, "artifact", filename or "artifact.jar", user, content_type)
        return 200, self._upload_answer(asset)

    def _upload_image(
        self, user: str, image_type: str, query: dict[str, list[str]]
    ) -> tuple[int, Any]:
        too_big = self._refuse_if_too_big()
        if too_big is not None:
            return too_big
        content_type = self.headers.get("Content-Type", "")
        names = query.get("file", [])
        if image_type not in IMAGE_TYPES:
            self._drain()
            return 400, _error_body(
                f"Unknown image type {image_type!r}: use one of {', '.join(IMAGE_TYPES)}.",
                "imageType",
            )
        if not names or not names[0]:
            self._drain()
            return 400, _error_body("Expected the image as the body and ?file=NAME.", "file")
        sink = _Sink(self.server.state.hash_uploads)
        for chunk in self._body_chunks():
            sink.write(chunk)
        asset = self._store(sink, "image", names[0], user, content_type, image_type)
        return 200, self._upload_answer(asset)

    def _upload_answer(self, asset: StoredAsset) -> dict[str, Any]:
        body = _asset_body(self._origin(), asset)
        if not self.server.state.file_info:
            del body["fileInfo"]
        return body

    def _fetch(self, user: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        self._drain()
        uri = query.get("uri", [""])[0]
        content = self.server.state.remote_artifacts.get(uri)
        if content is None:
            return 400, _error_body(f"Could not fetch the artifact from {uri}.")
        sink = _Sink(self.server.state.hash_uploads)
        sink.write(content)
        name = urlsplit(uri).path.rsplit("/", 1)[-1] or "artifact.jar"
        asset = self._store(sink, "artifact", name, user)
        return 200, _asset_body(self._origin(), asset)

    def _show(self, segment: str) -> tuple[int, Any]:
        name = _canonical(segment)
        with self.server.state.lock:
            asset = self.server.state.assets.get(name) if name else None
        if asset is None:
            return 404, _error_body(f"No asset named {segment}.")
        return 200, _asset_body(self._origin(), asset)

    def _delete(self, user: str, segment: str) -> tuple[int, Any]:
        self._drain()
        name = _canonical(segment)
        with self.server.state.lock:
            asset = self.server.state.assets.get(name) if name else None
            if asset is None:
                return 404, _error_body(f"No asset named {segment}.")
            if asset.uploader != user:
                return 403, _error_body("Only the user who uploaded an asset may delete it.")
            del self.server.state.assets[name]
        return 204, None

    def _store(
        self,
        sink: _Sink,
        kind: str,
        filename: str,
        user: str,
        content_type: str | None = None,
        image_type: str | None = None,
    ) -> StoredAsset:
        # The real names hold slashes; their self links hold them as one encoded segment.
        asset = StoredAsset(
            name=quote(f"{kind}/{uuid.uuid4()}/{filename}", safe=""),
            kind=kind,
            logical_file_name=filename,
            size=sink.size,
            sha256=sink.digest.hexdigest() if sink.hashing else "",
            uploader=user,
            content_type=content_type,
            image_type=image_type,
            content=sink.content(),
        )
        with self.server.state.lock:
            self.server.state.assets[asset.name] = asset
        return asset

    # -- request and response plumbing ------------------------------------------------------

    def _authenticated_user(self) -> str | bool | None:
        """The user name, None without an Authorization header, False for bad credentials."""
        header = self.headers.get("Authorization")
        if header is None:
            return None
        scheme, _, encoded = header.partition(" ")
        try:
            user, _, token = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        if scheme.lower() != "basic" or self.server.state.users.get(user) != token:
            return False
        return user

    def _content_length(self) -> int | None:
        value = self.headers.get("Content-Length")
        return int(value) if value is not None and value.isdigit() else None

    def _read_ahead(self, count: int) -> None:
        """Read up to ``count`` bytes of the body now; _body_chunks yields them first."""
        wanted = min(count, self._content_length() or 0)
        ahead = bytearray()
        while len(ahead) < wanted:
            chunk = self.rfile.read(min(_READ_CHUNK, wanted - len(ahead)))
            if not chunk:
                break
            ahead += chunk
        self._ahead = bytes(ahead)

    def _body_chunks(self) -> Iterator[bytes]:
        remaining = self._content_length() or 0
        ahead, self._ahead = getattr(self, "_ahead", b""), b""
        if ahead:
            remaining -= len(ahead)
            yield ahead
        while remaining > 0:
            chunk = self.rfile.read(min(_READ_CHUNK, remaining))
            if not chunk:
                # The client stopped before Content-Length: a real server discards the request.
                raise ConnectionAbortedError("the request body ended before its Content-Length")
            remaining -= len(chunk)
            yield chunk

    def _drain(self) -> None:
        for _ in self._body_chunks():
            pass

    def _refuse_if_too_big(self) -> tuple[int, Any] | None:
        limit = self.server.state.max_upload_bytes
        length = self._content_length() or 0
        if limit is None or length <= limit:
            return None
        self._drain()
        return 413, _error_body(f"The file is larger than {limit} bytes.")

    def _reset(self, after_bytes: int) -> None:
        remaining = min(after_bytes, self._content_length() or 0)
        while remaining > 0:
            chunk = self.rfile.read(min(_READ_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
        # Linger 0 makes close() send RST instead of FIN: a reset, not a tidy hang-up.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # drops the makefile reference, so close() really closes
        self.connection.close()

    def _answer(self, status: int, payload: Any, fault: Fault | None) -> None:
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "drip":
            self._drip(json.dumps(payload).encode(), fault.delay)
            return
        if fault is not None and fault.kind == "wrong-size" and status == 200:
            payload["fileInfo"]["size"] += fault.delta
        if fault is not None and fault.kind == "raw":
            self._send(200, fault.body, "application/json", dict(fault.headers))
            return
        body = b"" if payload is None else json.dumps(payload).encode()
        self._send(status, body, "application/json" if payload is not None else None)

    def _send_error(self, fault: Fault) -> None:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        body = _error_body(fault.message or "scripted failure", key=fault.details_key)
        self._send(fault.status, json.dumps(body).encode(), "application/json", headers)

    def _drip(self, body: bytes, interval: float) -> None:
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        stop = time.monotonic() + DRIP_LIMIT
        try:
            for index in range(len(head + body)):
                if time.monotonic() > stop:
                    return
                self.wfile.write((head + body)[index : index + 1])
                self.wfile.flush()
                time.sleep(interval)
        except OSError:
            pass  # the client gave up: that is the point

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        try:
            self.send_response(status)
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="Atlassian Marketplace"')
            if content_type is not None:
                self.send_header("Content-Type", content_type)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (a timeout test): nobody is listening

    def _origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"


class _Sink:
    """Counts, hashes (unless told not to) and, for small files, keeps what was uploaded."""

    def __init__(self, hashing: bool = True) -> None:
        self.size = 0
        self.digest = hashlib.sha256()
        self.hashing = hashing
        self._kept = bytearray()

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.hashing:
            self.digest.update(data)
        if self.size <= KEEP_CONTENT_BYTES:
            self._kept += data

    def content(self) -> bytes | None:
        return bytes(self._kept) if self.size <= KEEP_CONTENT_BYTES else None


def read_multipart_field(
    chunks: Iterator[bytes], boundary: bytes, field_name: str, sink: Callable[[bytes], None]
) -> str | None:
    """Stream a multipart/form-data body, feeding one field's bytes to ``sink``.

    Returns that field's filename ("" when the part has none), or None when the field is
    absent. Only a delimiter's worth of bytes is held back between chunks.
    """
    reader = _Buffer(chunks)
    delimiter = b"--" + boundary
    reader.skip_past(delimiter)
    found: str | None = None
    while True:
        if reader.peek(2) == b"--":
            return found
        reader.expect(b"\r\n")
        name, filename = _disposition(reader.take_until(b"\r\n\r\n", limit=16 * 1024))
        target = sink if name == field_name else _discard
        reader.stream_until(b"\r\n" + delimiter, target)
        if name == field_name:
            found = filename or ""


def _discard(data: bytes) -> None:
    pass


class _Buffer:
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._data = b""

    def _fill(self) -> None:
        chunk = next(self._chunks, None)
        if chunk is None:
            raise MultipartError("the body ended early")
        self._data += chunk

    def peek(self, size: int) -> bytes:
        while len(self._data) < size:
            self._fill()
        return self._data[:size]

    def expect(self, marker: bytes) -> None:
        if self.peek(len(marker)) != marker:
            raise MultipartError(f"expected {marker!r}")
        self._data = self._data[len(marker) :]

    def skip_past(self, marker: bytes) -> None:
        self.stream_until(marker, _discard)

    def take_until(self, marker: bytes, limit: int) -> bytes:
        while (index := self._data.find(marker)) < 0:
            if len(self._data) > limit:
                raise MultipartError("part headers too long")
            self._fill()
        taken, self._data = self._data[:index], self._data[index + len(marker) :]
        return taken

    def stream_until(self, marker: bytes, sink: Callable[[bytes], None]) -> None:
        keep = len(marker) - 1  # a marker may straddle two chunks
        while (index := self._data.find(marker)) < 0:
            if len(self._data) > keep:
                sink(self._data[:-keep])
                self._data = self._data[-keep:]
            self._fill()
        sink(self._data[:index])
        self._data = self._data[index + len(marker) :]


def _disposition(raw_headers: bytes) -> tuple[str | None, str | None]:
    headers = HeaderParser().parsestr(raw_headers.decode("utf-8", "replace"))
    if headers.get_content_disposition() != "form-data":
        raise MultipartError("a part is not form-data")
    name = headers.get_param("name", header="content-disposition")
    return (name if isinstance(name, str) else None), headers.get_filename()


def _boundary(content_type: str) -> bytes | None:
    headers = HeaderParser().parsestr(f"Content-Type: {content_type}\r\n\r\n")
    boundary = (
        headers.get_boundary() if headers.get_content_type() == "multipart/form-data" else None
    )
    return boundary.encode() if boundary else None


def _canonical(segment: str) -> str | None:
    """The stored name a request's path segment means; None when it is not one segment.

    A client that cut the name at its '/' sends several segments; one that encoded it twice
    sends ``%252F``, which names nothing here: both get a 404, as from the real server.
    """
    if not segment or "/" in segment:
        return None
    return quote(unquote(segment), safe="")


def _error_body(message: str, path: str | None = None, key: str = "errors") -> dict[str, Any]:
    return {key: [{"message": message, "code": "error", "path": path}]}


def _links_body() -> dict[str, Any]:
    assets = API_ROOT + "/assets"
    return {
        "_links": {
            "self": {"href": assets, "type": "application/json"},
            "artifact": {"href": assets + "/artifact", "type": "application/json"},
            "fetchArtifact": {"href": assets + "/artifact/fetch{?uri}", "templated": True},
            "imageByType": {"href": assets + "/image/{imageType}{?file}", "templated": True},
        }
    }


def _asset_body(origin: str, asset: StoredAsset) -> dict[str, Any]:
    files = f"{origin}/files/{asset.name}"
    links: dict[str, Any] = {"self": {"href": f"{API_ROOT}/assets/{asset.name}"}}
    if asset.kind == "artifact":
        links["binary"] = {"href": files, "type": "application/java-archive"}
        links["remote"] = {"href": f"{origin}/download/{asset.name}"}
    else:
        for name in ("image", "unscaled", "highRes", "smallImage", "smallHighResImage"):
            links[name] = {"href": f"{files}?variant={name}", "type": asset.content_type}
    # An internal property the client must ignore, as the seed says real answers carry.
    return {
        "_links": links,
        "fileInfo": {"logicalFileName": asset.logical_file_name, "size": asset.size},
        "internalKey": asset.name,
    }
