"""Proxies on loopback for tests: they relay bytes and record what they were asked.

``ConnectProxy`` is an HTTP CONNECT proxy (``tls=`` makes it an https proxy, TLS to the proxy
itself); ``Socks5Proxy`` a SOCKS5 one (RFC 1928, with RFC 1929 user/password). Both listen on
127.0.0.1 only, connect only to loopback addresses, and keep what the client sent through the
tunnel (``relayed``), so a test can show the credentials never reached the proxy in clear.
"""

from __future__ import annotations

import ipaddress
import select
import socket
import socketserver
import ssl
import struct
import threading
from types import TracebackType

_RELAY_KEEP = 256 * 1024  # bytes of the client's side of a tunnel kept for assertions


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        handler: type[socketserver.BaseRequestHandler],
        password: str | None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.relayed = bytearray()
        self.password = password
        self.tls = tls

    def get_request(self) -> tuple[socket.socket, object]:
        sock, address = super().get_request()
        if self.tls is not None:
            sock.settimeout(10)
            sock = self.tls.wrap_socket(sock, server_side=True)
            sock.settimeout(None)
        return sock, address


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


class _ConnectHandler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            head += chunk
        request_line, *header_lines = head.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")
        headers = dict(line.split(": ", 1) for line in header_lines if ": " in line)
        self.server.seen.append((request_line, headers))
        method, target, _ = request_line.split(" ", 2)
        if method != "CONNECT":
            self.request.sendall(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
            return
        if self.server.password and headers.get("Proxy-Authorization") != self.server.password:
            self.request.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
            return
        host, port = target.rsplit(":", 1)
        if not _loopback(host):
            self.request.sendall(b"HTTP/1.1 403 Forbidden\r\n\r\n")
            return
        with socket.create_connection((host.strip("[]"), int(port)), timeout=10) as upstream:
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _relay(self.request, upstream, self.server.relayed)


class _SocksHandler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock = self.request
        version, count = _exactly(sock, 2)
        methods = _exactly(sock, count)
        if version != 5:
            return
        wanted = 2 if self.server.password is not None else 0
        if wanted not in methods:
            sock.sendall(b"\x05\xff")
            return
        sock.sendall(bytes([5, wanted]))
        user = ""
        if wanted == 2:
            _, size = _exactly(sock, 2)
            user = _exactly(sock, size).decode()
            (size,) = _exactly(sock, 1)
            password = _exactly(sock, size).decode()
            ok = f"{user}:{password}" == self.server.password
            sock.sendall(b"\x01\x00" if ok else b"\x01\x01")
            if not ok:
                return
        _, command, _, kind = _exactly(sock, 4)
        if kind == 1:
            host = socket.inet_ntop(socket.AF_INET, _exactly(sock, 4))
        elif kind == 4:
            host = socket.inet_ntop(socket.AF_INET6, _exactly(sock, 16))
        else:
            (size,) = _exactly(sock, 1)
            host = _exactly(sock, size).decode()
        (port,) = struct.unpack("!H", _exactly(sock, 2))
        self.server.seen.append((f"CONNECT {host}:{port}", {"user": user}))
        if command != 1 or not _loopback(host):
            sock.sendall(b"\x05\x02\x00\x01\x00\x00\x00\x00\x00\x00")  # not allowed
            return
        with socket.create_connection((host, port), timeout=10) as upstream:
            sock.sendall(b"\x05\x00\x00\x01\x7f\x00\x00\x01" + struct.pack("!H", port))
            _relay(sock, upstream, self.server.relayed)


def _exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the client hung up")
        data += chunk
    return data


def _relay(client: socket.socket, upstream: socket.socket, kept: bytearray) -> None:
    sockets = [client, upstream]
    while True:
        readable, _, _ = select.select(sockets, [], [], 10)
        if not readable:
            return
        for source in readable:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            if source is client and len(kept) < _RELAY_KEEP:
                kept += data[: _RELAY_KEEP - len(kept)]
            (upstream if source is client else client).sendall(data)


class _Proxy:
    scheme = "http"
    handler: type[socketserver.BaseRequestHandler] = _ConnectHandler

    def __init__(self, password: str | None = None, tls: ssl.SSLContext | None = None) -> None:
        self._server = _Server(self.handler, password, tls)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._secure = tls is not None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        scheme = "https" if self._secure and self.scheme == "http" else self.scheme
        return f"{scheme}://{host}:{port}"

    @property
    def seen(self) -> list[tuple[str, dict[str, str]]]:
        return self._server.seen

    @property
    def relayed(self) -> bytes:
        """What the client sent through the tunnel (its first 256 KiB)."""
        return bytes(self._server.relayed)

    def __enter__(self) -> _Proxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


class ConnectProxy(_Proxy):
    """``with ConnectProxy() as proxy:``; ``proxy.url`` goes into HTTPS_PROXY.

    ``password_header`` is the Proxy-Authorization value it requires; ``tls`` a server
    context, which makes it an https proxy.
    """

    def __init__(
        self, password_header: str | None = None, tls: ssl.SSLContext | None = None
    ) -> None:
        super().__init__(password_header, tls)


class Socks5Proxy(_Proxy):
    """``with Socks5Proxy() as proxy:``; ``proxy.url`` (socks5://) goes into ALL_PROXY.

    ``password`` (``user:password``) makes it require RFC 1929 authentication.
    """

    scheme = "socks5"
    handler = _SocksHandler
