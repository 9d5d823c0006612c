"""Attacks on a real server in a subprocess: raw sockets, other client addresses, its memory."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from tests.server.conftest import TOKEN

if TYPE_CHECKING:
    from tests.server.conftest import RunningServer

__all__ = ["TOKEN", "ChunkedSender", "client_from", "rss", "send_declared", "websocket_status"]


def rss(server: RunningServer) -> int:
    """The server process's resident memory, in bytes (Linux's /proc)."""
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


def client_from(server: RunningServer, address: str, **options: object) -> httpx.Client:
    """An HTTP client whose connections come from ``address`` (any of 127.0.0.0/8)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=server.url, transport=transport, timeout=60, **options)  # type: ignore[arg-type]


def _status_line(sock: socket.socket) -> str:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n", 1)[0].decode("latin-1")


def send_declared(server: RunningServer, head: str, declared: int, sent: int) -> str:
    """Declare a body of ``declared`` bytes, send ``sent`` of them, and read the status line."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(f"{head}Content-Length: {declared}\r\n\r\n".encode() + b"a" * sent)
        return _status_line(sock)


class ChunkedSender:
    """Streams a chunked body until the server answers (read by a thread as it comes)."""

    def __init__(self, server: RunningServer, head: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
        self.sock.sendall(f"{head}Transfer-Encoding: chunked\r\n\r\n".encode())
        self.status = ""
        self._reader = threading.Thread(target=self._read, name="chunked-response-reader")
        self._reader.start()

    def _read(self) -> None:
        try:
            self.status = _status_line(self.sock)
        except OSError as exc:
            self.status = f"error {exc}"

    def stream(self, first: bytes, up_to: int, chunk: int = 2**16) -> int:
        """Send ``first`` then filler until answered or ``up_to`` bytes; how many were sent."""
        sent, piece = 0, first
        try:
            while self._reader.is_alive() and sent < up_to:
                self.sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
                piece = b"a" * chunk
            if self._reader.is_alive():
                self.sock.sendall(b"0\r\n\r\n")  # the end: a server that took it all answers
        except OSError:
            pass  # the server closed the connection after answering
        self._reader.join(timeout=60)
        self.sock.close()
        return sent


def websocket_status(server: RunningServer, path: str, host: str, origin: str | None) -> str:
    """The status line answering a websocket handshake with these Host and Origin headers."""
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
        *([f"Origin: {origin}"] if origin else []),
    ]
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall("".join(f"{line}\r\n" for line in [*lines, ""]).encode())
        return _status_line(sock)
