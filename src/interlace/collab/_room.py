"""A room: one open notebook, its peers over the Yjs sync protocol, its log, saves and runs.

The server owns the document. Every change, from a peer or from a running cell,
is recorded (the notebook's one log, see ``interlace.record``) before anything
else happens, broadcast to every peer, and written back to the ``.ipynb``
shortly after (debounced, atomic).
Cells run on the server: their outputs go into the document as they arrive,
whether or not anyone is connected.
"""

from __future__ import annotations

import contextlib
import logging
import math
from typing import TYPE_CHECKING, Any, Protocol

import anyio
from pycrdt import (
    YMessageType,
    create_sync_message,
    create_update_message,
    handle_sync_message,
)

from interlace.collab._document import NotebookDocument
from interlace.collab._presence import Presence
from interlace.collab._runs import CellRuns
from interlace.errors import InterlaceError, MalformedUpdate

if TYPE_CHECKING:
    from collections.abc import Callable

    from anyio.streams.memory import MemoryObjectSendStream
    from pycrdt import TransactionEvent

    from interlace.collab._runs import OutputSpill
    from interlace.protocol import JSONDict

__all__ = ["Peer", "Room"]

log = logging.getLogger("interlace.collab")

AUTOSAVE_DELAY = 1.0
"""Seconds of quiet after a change before the notebook file is written."""

_CELL_CHANGES = ("created", "deleted", "moved")
"""Edits recorded under their own kind, in this order of precedence."""


class Peer(Protocol):
    """A connected client, e.g. a websocket, carrying Yjs protocol messages."""

    async def send(self, message: bytes) -> None: ...

    async def receive(self) -> bytes | None:
        """The next message, or None once the peer has gone."""


class Recorder(Protocol):
    """Where a room's changes and history go (``interlace.record`` keeps them)."""

    def record(
        self, kind: str, actor: str, data: JSONDict | None = None, change: bytes | None = None
    ) -> int | None: ...


class NotebookLog(Protocol):
    """The store rooms open from and record into (``interlace.record.Recordings``)."""

    def current_state(self, path: str) -> bytes | None: ...

    def recorder(self, path: str, state: Callable[[], bytes]) -> Recorder: ...


class Room:
    """One notebook shared by its peers and owned by the server.

    Every document change is recorded with who made it (a peer's name from its
    presence, or whoever ran the cell writing an output), and so is everything
    that happens around it: runs, kernel events, people joining and leaving.
    """

    def __init__(
        self,
        path: str,
        document: NotebookDocument,
        log_: NotebookLog,
        save: Callable[[JSONDict], None],
        spill: OutputSpill | None = None,
        kernel_state: Callable[[str], None] | None = None,
    ) -> None:
        self.path = path
        self.document = document
        self._save = save
        self._peers: dict[int, MemoryObjectSendStream[bytes]] = {}
        self.recorder = log_.recorder(path, document.doc.get_update)
        self.presence = Presence(document.doc, self._broadcast, self.record)
        self._changed = anyio.Event()
        self._applying_from: int | None = None
        self.runs = CellRuns(document, spill, self.record, kernel_state)
        self._touched: dict[str, set[str]] = {}
        self._cells_subscription = document.cells.observe_deep(self._on_cells)
        self._subscription = document.doc.observe(self._on_change)

    @classmethod
    def open(
        cls,
        path: str,
        load: Callable[[], JSONDict],
        log_: NotebookLog,
        save: Callable[[JSONDict], None],
        spill: OutputSpill | None = None,
        kernel_state: Callable[[str], None] | None = None,
    ) -> Room:
        """The room of ``path``: its logged state if it has one, else the file's."""
        state = log_.current_state(path)
        if state is not None:
            document = NotebookDocument()
            document.doc.apply_update(state)
        else:
            document = NotebookDocument.from_notebook(load())
        return cls(path, document, log_, save, spill, kernel_state)

    def _on_change(self, event: TransactionEvent) -> None:
        """Record the change (who made it, which cells it touched), then broadcast it."""
        update = event.update
        touched, self._touched = self._touched, {}
        if self._applying_from is not None:
            kind = next((k for k in _CELL_CHANGES if k in touched), "edit")
            cells = sorted(touched.get(kind, ()))
            actor = self.presence.name_of(self._applying_from)
            self.recorder.record(kind, actor, {"cells": cells}, change=update)
        else:
            kind, actor = self.runs.writing()
            self.recorder.record(kind, actor, change=update)
        self._broadcast(create_update_message(update), skip=self._applying_from)
        self._changed.set()

    def _on_cells(self, events: list[Any]) -> None:
        """Note which cells a change created, deleted, moved or edited (before it is recorded)."""
        for event in events:
            path = list(event.path)
            keys = getattr(event, "keys", None) or {}
            if not path:
                for cell_id, change in keys.items():
                    kind = {"add": "created", "delete": "deleted"}.get(change.get("action"))
                    if kind is not None:
                        self._touched.setdefault(kind, set()).add(str(cell_id))
            else:
                kind = "moved" if len(path) == 1 and "position" in keys else "edit"
                self._touched.setdefault(kind, set()).add(str(path[0]))

    def record(self, kind: str, actor: str, data: JSONDict | None = None) -> None:
        """Record an event that is not a document change (a run, a kernel event, a visit)."""
        self.recorder.record(kind, actor, data)

    def _broadcast(self, message: bytes, skip: int | None = None) -> None:
        """Queue ``message`` for every peer but ``skip``; a peer on its way out is passed over."""
        for key, peer in list(self._peers.items()):
            if key != skip:
                with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                    peer.send_nowait(message)

    # Running the room (in the server's task group).

    async def run(self) -> None:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(self._autosave)
            tasks.start_soon(self.runs.run)
            tasks.start_soon(self.presence.awareness.start)

    async def _autosave(self) -> None:
        while True:
            await self._changed.wait()
            self._changed = anyio.Event()
            await anyio.sleep(AUTOSAVE_DELAY)
            self.save()

    def save(self) -> None:
        try:
            self._save(self.document.to_notebook())
        except (OSError, InterlaceError) as exc:
            log.error("could not save %s: %s", self.path, exc)

    # Peers.

    async def serve(self, peer: Peer) -> None:
        """Sync with one peer until it goes: step 1 both ways, then updates and awareness."""
        send, outgoing = anyio.create_memory_object_stream[bytes](math.inf)
        key = id(peer)
        self._peers[key] = send
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._forward, peer, outgoing)
                send.send_nowait(create_sync_message(self.document.doc))
                if (greeting := self.presence.greeting()) is not None:
                    send.send_nowait(greeting)
                while (message := await peer.receive()) is not None:
                    self._handle(key, message, send)
                tasks.cancel_scope.cancel()
        finally:
            self._peers.pop(key, None)
            send.close()
            self.presence.leave(key)

    async def _forward(self, peer: Peer, outgoing: Any) -> None:
        async with outgoing:
            async for message in outgoing:
                await peer.send(message)

    def _handle(self, key: int, message: bytes, reply_to: MemoryObjectSendStream[bytes]) -> None:
        if not message:
            return
        if message[0] == YMessageType.SYNC:
            self._applying_from = key
            try:
                reply = handle_sync_message(message[1:], self.document.doc)
            except (ValueError, RuntimeError) as exc:
                log.warning("%s: dropped a malformed sync message: %s", self.path, exc)
                return
            finally:
                self._applying_from = None
            if reply is not None:
                reply_to.send_nowait(reply)
        elif message[0] == YMessageType.AWARENESS:
            try:
                self.presence.apply(key, message)
            except MalformedUpdate as exc:
                log.warning("%s: dropped an awareness message: %s", self.path, exc)

    def close(self) -> None:
        self.document.doc.unobserve(self._subscription)
        self.document.cells.unobserve(self._cells_subscription)
        self.runs.close()
        self.save()
