"""Running the server: bind (trying the next ports if taken), print the URL, serve."""

from __future__ import annotations

import ctypes
import dataclasses
import logging
import socket
import sys
import webbrowser
from typing import TYPE_CHECKING
from urllib.parse import quote

import uvicorn

from interlace.errors import ChannelError
from interlace.server._app import create_app

if TYPE_CHECKING:
    from interlace.server._config import ServerConfig

__all__ = ["bind", "serve"]

PORT_RETRIES = 50

MMAP_THRESHOLD = 128 * 1024
"""Bytes from which glibc gives each allocation its own mapping (its initial default)."""

_M_MMAP_THRESHOLD = -3


def keep_large_buffers_returnable() -> None:
    """Freed large buffers (a kernel's output messages) go back to the system at once.

    glibc raises its mmap threshold to the largest block freed so far (32 MiB at
    most): after a kernel printed a gigabyte in messages of a mebibyte, the next
    ones come from the heap, and the heap keeps its size once they are freed (a
    1 GiB print left the server at 1.4 GB). A fixed threshold stops the raise.
    """
    if not sys.platform.startswith("linux"):
        return
    try:  # the process's own symbols: no library search (find_library runs ldconfig)
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        logging.getLogger("interlace.server").debug("mallopt unavailable", exc_info=True)


def bind(ip: str, port: int) -> socket.socket:
    """A listening socket on ``port`` or, like Jupyter, the next free one after it.

    Connections accepted on it send without delay (TCP_NODELAY): a websocket
    reply must not wait 40 ms for the client's delayed ACK, as Jupyter's does.
    Declaring the protocol also lets asyncio set TCP_NODELAY on each connection.
    """
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    last_error: OSError | None = None
    for candidate in range(port, port + PORT_RETRIES) if port else [0]:
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            sock.bind((ip, candidate))
        except OSError as exc:
            sock.close()
            last_error = exc
            continue
        sock.listen(128)
        return sock
    raise ChannelError(f"no free port on {ip} from {port}: {last_error}")


def url_of(config: ServerConfig, sock: socket.socket, page: str = "") -> str:
    """The URL of ``page`` (``notebooks/a.ipynb``; the file browser if empty), with the
    token that logs a browser in."""
    host = f"[{config.ip}]" if ":" in config.ip else config.ip
    port = sock.getsockname()[1]
    query = f"?token={config.token}" if config.token else ""
    return f"http://{host}:{port}/{quote(page)}{query}"


def serve(config: ServerConfig, open_browser: bool = False, page: str = "") -> None:
    """Serve until interrupted; the URL with its token goes to stdout for the user (and
    to the browser, on ``page`` if one is given)."""
    keep_large_buffers_returnable()
    sock = bind(config.ip, config.port)
    config = dataclasses.replace(config, port=sock.getsockname()[1])  # the one it got
    logging.basicConfig(format="[interlace server] %(levelname)s %(message)s", level=logging.INFO)
    logging.getLogger("interlace.client").setLevel(logging.WARNING)
    url = url_of(config, sock)
    print(f"interlace server {config.root_dir}\n    {url}", file=sys.stdout, flush=True)
    if page:
        print(f"    {url_of(config, sock, page)}", file=sys.stdout, flush=True)
    if open_browser:
        webbrowser.open(url_of(config, sock, page))
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            log_level="warning",
            access_log=False,
            ws="websockets-sansio",
            lifespan="on",
            timeout_graceful_shutdown=5,
            # The client's address is the socket's: X-Forwarded-For from a local process
            # must not let it dodge the login throttle (uvicorn trusts 127.0.0.1's).
            proxy_headers=False,
        )
    )
    server.run(sockets=[sock])
