"""What waits to be sent to one peer of a room, and what the room knows about that peer."""

from __future__ import annotations

import contextlib
import math
from typing import Any, Protocol

import anyio
from pycrdt import Doc

from interlace.collab._document import NotebookDocument

__all__ = ["MAX_PEER_BACKLOG", "Peer", "PeerLine"]

MAX_PEER_BACKLOG = 64 << 20
"""Bytes queued for one peer that does not read; beyond it the peer is dropped (it
reconnects and syncs what it missed in one message). Also the most a peer whose document
has another history may send of it (see ``PeerLine.foreign``)."""


class Peer(Protocol):
    """A connected client, e.g. a websocket, carrying Yjs protocol messages."""

    async def send(self, message: bytes) -> None: ...

    async def receive(self) -> bytes | None:
        """The next message, or None once the peer has gone."""


class PeerLine:
    """One peer's outgoing queue, bounded in bytes (``MAX_PEER_BACKLOG``), and its state."""

    def __init__(self) -> None:
        self._send, self._receive = anyio.create_memory_object_stream[bytes](math.inf)
        self.backlog = 0
        self.scope = anyio.CancelScope()
        """Cancelled to drop the peer."""
        self.owes = False
        """Whether the disk refused one of its changes: it is asked again (sync step 1)
        once the disk takes writes, and until then its changes are not applied."""
        self.leaving = False
        """Whether the room told the peer to go (``say_last``): its next messages are unread."""
        self._sent_all = anyio.Event()
        self.foreign: Doc[Any] | None = None
        """The peer's document, when its history is not the room's (``Room`` recovers it)."""
        self.foreign_bytes = 0

    def queue(self, message: bytes) -> bool:
        """Queue ``message``; False if that drops the peer for being too far behind.

        One message alone (the first sync of a large notebook) always goes.
        """
        if self.scope.cancel_called:
            return True
        if self.backlog and self.backlog + len(message) > MAX_PEER_BACKLOG:
            self.scope.cancel()
            return False
        with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
            self._send.send_nowait(message)
            self.backlog += len(message)
        return True

    def keep_apart(self) -> None:
        """From now on the peer's updates go into a document of their own (``take_foreign``)."""
        self.foreign = Doc()

    def take_foreign(self, update: bytes) -> bool:
        """Keep an update of a peer whose history is not the room's, apart from the room's
        document; False once it sent more than the bound (then nothing more is kept)."""
        if self.foreign is None:
            self.keep_apart()
        assert self.foreign is not None
        self.foreign_bytes += len(update)
        if self.foreign_bytes > MAX_PEER_BACKLOG:
            return False
        self.foreign.apply_update(update)
        return True

    def foreign_document(self) -> NotebookDocument:
        return NotebookDocument(self.foreign if self.foreign is not None else Doc())

    def say_last(self, message: bytes) -> None:
        """Queue ``message`` as the last one: the peer is let go once it was sent."""
        self.queue(message)
        self.leaving = True
        self._send.close()

    async def sent_all(self, timeout: float) -> None:
        """Wait (at most ``timeout`` seconds) until everything queued was sent."""
        with anyio.move_on_after(timeout):
            await self._sent_all.wait()

    async def forward(self, peer: Peer) -> None:
        async with self._receive:
            async for message in self._receive:
                await peer.send(message)
                self.backlog -= len(message)
        self._sent_all.set()

    def close(self) -> None:
        self._send.close()
        self._receive.close()
