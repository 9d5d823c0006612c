"""Jupyter channels over ZeroMQ: the only module of interlace that imports zmq.

A ``Channel`` is an asyncio ZeroMQ socket that sends and receives whole Jupyter
messages. Incoming frames that are not a valid, correctly signed message are
logged and dropped here, so consumers only ever see good messages.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import TYPE_CHECKING, Any, Literal, final

import zmq
import zmq.asyncio

from interlace.errors import ChannelClosed, ChannelError, ProtocolError
from interlace.protocol import Message, ReplayGuard, Signer, decode, encode

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Channel", "Context", "Heartbeat", "SocketKind"]

log = logging.getLogger("interlace.transport")

RECONNECT_INTERVAL_MS = 10
"""How soon a connecting socket retries: a kernel that is still starting is joined at once."""

SUBSCRIBER_QUEUE = 100
"""Messages a subscriber holds unread at most (ZeroMQ's receive high-water mark).

Past it the subscriber stops reading the connection and the backlog waits in the
publisher: our kernel never drops (its queue is unbounded) and sends stream text
in messages of 1 MiB at most, so a server slower than a kernel printing a
gigabyte holds about 100 MiB of it, not the gigabyte. A publisher that drops
past its own mark (ipykernel's is ZeroMQ's default, 1,000) drops as it would
for jupyter_client, whose mark is 1,000.
"""

SocketKind = Literal["ROUTER", "DEALER", "XPUB", "SUB", "REQ", "REP", "PUB", "PAIR"]


@final
class Channel:
    """One ZeroMQ socket carrying signed Jupyter messages (or raw frames)."""

    __slots__ = ("_guard", "_signer", "_socket", "name")

    def __init__(self, socket: zmq.asyncio.Socket, signer: Signer, name: str) -> None:
        self._socket = socket
        self._signer = signer
        self._guard = ReplayGuard()
        self.name = name

    def __repr__(self) -> str:
        return f"<Channel {self.name}>"

    @property
    def endpoint(self) -> str:
        endpoint = self._socket.getsockopt(zmq.LAST_ENDPOINT)
        return endpoint.decode() if isinstance(endpoint, bytes) else str(endpoint)

    async def send(self, message: Message, identities: Sequence[bytes] = ()) -> None:
        await self.send_frames(encode(message, self._signer, identities))

    async def send_frames(self, frames: Sequence[bytes]) -> None:
        try:
            await self._socket.send_multipart(frames, copy=len(frames[-1]) < 65536)
        except zmq.ZMQError as exc:
            raise _translate(exc, self.name) from exc

    async def recv_frames(self) -> list[bytes]:
        try:
            return await self._socket.recv_multipart()
        except zmq.ZMQError as exc:
            raise _translate(exc, self.name) from exc

    async def recv(self) -> tuple[list[bytes], Message]:
        """The next valid message; bad ones are logged and dropped, never raised."""
        while True:
            frames = await self.recv_frames()
            try:
                return decode(frames, self._signer, self._guard)
            except ProtocolError as exc:
                log.warning("%s: dropped a message: %s", self.name, exc)

    def close(self) -> None:
        self._socket.close(linger=0)


def _translate(exc: zmq.ZMQError, name: str) -> ChannelError:
    if exc.errno in (zmq.ENOTSOCK, zmq.ETERM):
        return ChannelClosed(f"{name} channel is closed")
    return ChannelError(f"{name} channel: {exc}")


@final
class Context:
    """Owns the ZeroMQ context and creates channels; terminate it to close them all."""

    def __init__(self) -> None:
        self._context = zmq.asyncio.Context()

    def _socket(self, kind: SocketKind) -> zmq.asyncio.Socket:
        socket = self._context.socket(getattr(zmq, kind))
        socket.setsockopt(zmq.LINGER, 1000)
        return socket

    def bind(self, kind: SocketKind, url: str, signer: Signer, name: str) -> Channel:
        """A channel listening on ``url``; port 0 (``tcp://ip:0``) binds a free port."""
        socket = self._socket(kind)
        if kind == "XPUB":
            socket.setsockopt(zmq.XPUB_VERBOSE, 1)
            socket.setsockopt(zmq.SNDHWM, 0)
        if kind == "ROUTER":
            socket.setsockopt(zmq.ROUTER_HANDOVER, 1)
        try:
            socket.bind(_any_port(url))
        except zmq.ZMQError as exc:
            socket.close(linger=0)
            raise ChannelError(f"cannot bind the {name} channel to {url}: {exc}") from exc
        return Channel(socket, signer, name)

    def connect(
        self,
        kind: SocketKind,
        url: str,
        signer: Signer,
        name: str,
        *,
        identity: bytes | None = None,
        subscribe: bytes | None = None,
    ) -> Channel:
        """A channel connected to ``url`` (ZeroMQ connects lazily, so this does not block)."""
        socket = self._socket(kind)
        socket.setsockopt(zmq.RECONNECT_IVL, RECONNECT_INTERVAL_MS)
        if identity is not None:
            socket.setsockopt(zmq.IDENTITY, identity)
        if subscribe is not None:
            socket.setsockopt(zmq.SUBSCRIBE, subscribe)
        if kind == "SUB":
            socket.setsockopt(zmq.RCVHWM, SUBSCRIBER_QUEUE)
        try:
            socket.connect(url)
        except zmq.ZMQError as exc:
            socket.close(linger=0)
            raise ChannelError(f"cannot connect the {name} channel to {url}: {exc}") from exc
        return Channel(socket, signer, name)

    def heartbeat(self, url: str) -> Heartbeat:
        return Heartbeat(self._context, url)

    def close(self) -> None:
        self._context.destroy(linger=0)


def _any_port(url: str) -> str:
    """ZeroMQ's spelling of 'any free port' is ``*``; Jupyter files say port 0."""
    return url[:-2] + ":*" if url.startswith("tcp://") and url.endswith(":0") else url


@final
class Heartbeat:
    """The heartbeat echo: a named thread relaying pings back inside libzmq.

    It is the one thread the protocol demands: the echo must answer while user code
    holds the interpreter, and ``zmq.proxy`` runs without the GIL. It blocks SIGINT,
    so that an interrupt reaches the main thread. It ends when the context is closed.
    """

    def __init__(self, context: zmq.Context[Any], url: str) -> None:
        self._socket = zmq.Context(shadow=context).socket(zmq.ROUTER)
        self._socket.setsockopt(zmq.LINGER, 0)
        try:
            self._socket.bind(_any_port(url))
        except zmq.ZMQError as exc:
            self._socket.close()
            raise ChannelError(f"cannot bind the heartbeat to {url}: {exc}") from exc
        self.endpoint = self._socket.getsockopt_string(zmq.LAST_ENDPOINT)
        self._thread = threading.Thread(target=self._echo, name="interlace-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _echo(self) -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            zmq.proxy(self._socket, self._socket)
        except zmq.ContextTerminated:
            pass
        except zmq.ZMQError as exc:
            log.error("heartbeat stopped: %s", exc)
        finally:
            self._socket.close(linger=0)
