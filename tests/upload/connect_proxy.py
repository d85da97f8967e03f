"""A CONNECT proxy on loopback for tests: it relays bytes and records what it was asked."""

from __future__ import annotations

import select
import socket
import socketserver
import threading
from types import TracebackType


class _Handler(socketserver.BaseRequestHandler):
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
        with socket.create_connection((host, int(port)), timeout=10) as upstream:
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _relay(self.request, upstream)


def _relay(a: socket.socket, b: socket.socket) -> None:
    sockets = [a, b]
    while True:
        readable, _, _ = select.select(sockets, [], [], 10)
        if not readable:
            return
        for source in readable:
            data = source.recv(65536)
            if not data:
                return
            (b if source is a else a).sendall(data)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, password: str | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.password = password


class ConnectProxy:
    """``with ConnectProxy() as proxy:``; ``proxy.url`` goes into HTTPS_PROXY."""

    def __init__(self, password_header: str | None = None) -> None:
        self._server = _Server(password_header)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def seen(self) -> list[tuple[str, dict[str, str]]]:
        return self._server.seen

    def __enter__(self) -> ConnectProxy:
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
