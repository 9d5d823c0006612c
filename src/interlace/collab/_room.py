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
from interlace.collab._schema import repair_cell, repair_meta
from interlace.errors import InterlaceError, MalformedUpdate

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from pycrdt import TransactionEvent

    from interlace.collab._runs import OutputSpill
    from interlace.protocol import JSONDict

__all__ = ["Peer", "Room"]

log = logging.getLogger("interlace.collab")

AUTOSAVE_DELAY = 1.0
"""Seconds of quiet after a change before the notebook file is written."""

_CELL_CHANGES = ("created", "deleted", "moved")
"""Edits recorded under their own kind, in this order of precedence."""

MAX_PEER_BACKLOG = 64 << 20
"""Bytes queued for one peer that does not read; beyond it the peer is dropped (it
reconnects and syncs what it missed in one message)."""


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
        self._peers: dict[int, _PeerLine] = {}
        self.recorder = log_.recorder(path, document.doc.get_update)
        self.presence = Presence(document.doc, self._broadcast, self.record)
        self._changed = anyio.Event()
        self._running = anyio.CancelScope()
        self._applying_from: int | None = None
        self.runs = CellRuns(document, spill, self.record, kernel_state)
        self._touched: dict[str, set[str]] = {}
        self._from_peer: set[str] = set()
        """Cells (and ``meta``) a peer's update touched: to be checked once it is applied."""
        self._writing: tuple[str, str] | None = None
        """(kind, actor) of a change the room itself makes now (a repair, a file's change)."""
        self.from_log = False
        """Whether the document came from the log (else from the file)."""
        self.dirty = False
        """Whether the document changed since it was last saved (or loaded from its file)."""
        self.notice: Callable[[str], bytes] | None = None
        """Makes the message that tells a peer what was wrong with its update."""
        self._cells_subscription = document.cells.observe_deep(self._on_cells)
        self._meta_subscription = document.meta.observe_deep(self._on_meta)
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
        room = cls(path, document, log_, save, spill, kernel_state)
        room.from_log = state is not None
        return room

    def _on_change(self, event: TransactionEvent) -> None:
        """Record the change (who made it, which cells it touched), then broadcast it."""
        update = event.update
        touched, self._touched = self._touched, {}
        if self._writing is not None:
            kind, actor = self._writing
            self.recorder.record(kind, actor, change=update)
        elif self._applying_from is not None:
            kind = next((k for k in _CELL_CHANGES if k in touched), "edit")
            cells = sorted(touched.get(kind, ()))
            actor = self.presence.name_of(self._applying_from)
            self.recorder.record(kind, actor, {"cells": cells}, change=update)
        else:
            kind, actor = self.runs.writing()
            self.recorder.record(kind, actor, change=update)
        self._broadcast(create_update_message(update), skip=self._applying_from)
        self._changed.set()
        if self._writing != _FROM_FILE:
            self.dirty = True

    def _on_meta(self, events: list[Any]) -> None:
        if self._applying_from is not None:
            self._from_peer.add(_META)

    def _on_cells(self, events: list[Any]) -> None:
        """Note which cells a change created, deleted, moved or edited (before it is
        recorded), and which of them a peer's update left to be checked."""
        for event in events:
            for kind, cell_id in _touches(event):
                self._touched.setdefault(kind, set()).add(cell_id)
                if self._applying_from is not None and kind != "deleted":
                    self._from_peer.add(cell_id)

    def record(self, kind: str, actor: str, data: JSONDict | None = None) -> None:
        """Record an event that is not a document change (a run, a kernel event, a visit)."""
        self.recorder.record(kind, actor, data)

    def _broadcast(self, message: bytes, skip: int | None = None) -> None:
        """Queue ``message`` for every peer but ``skip``; a peer on its way out is passed over."""
        for key, line in list(self._peers.items()):
            if key != skip:
                self._queue(line, message)

    # Running the room (in the server's task group).

    async def run(self) -> None:
        """Autosave, run queued cells and keep presence, until the room is closed."""
        with self._running:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._autosave)
                tasks.start_soon(self.runs.run)
                tasks.start_soon(self.presence.awareness.start)

    async def _autosave(self) -> None:
        while True:
            await self._changed.wait()
            self._changed = anyio.Event()
            await anyio.sleep(AUTOSAVE_DELAY)
            if self.dirty:  # not when a save or the file's own content came meanwhile
                self.save()

    def save(self) -> None:
        try:
            self._save(self.document.to_notebook())
        except (OSError, InterlaceError) as exc:
            log.error("could not save %s: %s", self.path, exc)
        else:
            self.dirty = False

    # Peers.

    async def serve(self, peer: Peer) -> None:
        """Sync with one peer until it goes, is dropped, or the room closes: step 1 both
        ways, then updates and awareness."""
        key = id(peer)
        line = self._peers[key] = _PeerLine()
        try:
            with line.scope:
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(line.forward, peer)
                    line.queue(create_sync_message(self.document.doc))
                    if (greeting := self.presence.greeting()) is not None:
                        line.queue(greeting)
                    while (message := await peer.receive()) is not None:
                        self._handle(key, message, line)
                    tasks.cancel_scope.cancel()
        finally:
            self._peers.pop(key, None)
            line.close()
            self.presence.leave(key)

    def send_to(self, peer: Peer, message: bytes) -> None:
        """Queue ``message`` for ``peer`` alone (a reply to it), after what is queued already.

        Everything a peer is sent goes through its one line, so its connection is only
        ever written by one task. Nothing is sent if the peer has gone.
        """
        if (line := self._peers.get(id(peer))) is not None:
            self._queue(line, message)

    def _queue(self, line: _PeerLine, message: bytes) -> None:
        if not line.queue(message):
            log.warning("%s: dropped a peer %d bytes behind", self.path, line.backlog)

    def _handle(self, key: int, message: bytes, reply_to: _PeerLine) -> None:
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
                reply_to.queue(reply)
            self._repair(reply_to)
        elif message[0] == YMessageType.AWARENESS:
            try:
                self.presence.apply(key, message)
            except MalformedUpdate as exc:
                log.warning("%s: dropped an awareness message: %s", self.path, exc)

    @contextlib.contextmanager
    def _written_as(self, kind: str, actor: str) -> Iterator[None]:
        self._writing = (kind, actor)
        try:
            yield
        finally:
            self._writing = None

    def load_changed_file(self, notebook: JSONDict) -> None:
        """The file changed outside the server: the document becomes what it holds, as one
        change recorded as ``external`` by ``disk`` and sent to every peer."""
        with self._written_as(*_FROM_FILE):
            self.document.replace_with(notebook)

    def _repair(self, sender: _PeerLine) -> None:
        """Repair what a peer's update wrote off the notebook schema; tell that peer."""
        touched, self._from_peer = self._from_peer, set()
        if not touched:
            return
        problems: list[str] = []
        with self._written_as("repaired", "server"), self.document.doc.transaction():
            for cell_id in sorted(touched - {_META}):
                problems.extend(repair_cell(self.document, cell_id))
            if _META in touched:
                problems.extend(repair_meta(self.document))
        if problems:
            text = "; ".join(problems)
            log.warning("%s: repaired what a peer wrote: %s", self.path, text)
            if self.notice is not None:
                sender.queue(self.notice(f"the notebook was repaired: {text}"))

    def close(self, save: bool = True) -> None:
        """Stop: every peer is let go (to reconnect to the room opened next), then the
        document is saved (unless its file was deleted or moved)."""
        for line in list(self._peers.values()):
            line.scope.cancel()
        self._running.cancel()
        self.document.doc.unobserve(self._subscription)
        self.document.cells.unobserve(self._cells_subscription)
        self.document.meta.unobserve(self._meta_subscription)
        self.runs.close()
        if save:
            self.save()


_FROM_FILE = ("external", "disk")
"""How a change that loads the notebook's file is recorded."""

_META = "\0meta"
"""Stands for the notebook's own fields among the cells a peer touched."""


_TOP_LEVEL = {"add": "created", "delete": "deleted", "update": "edit"}
"""What a change to the cells map itself (not inside a cell) does to the cell it names."""


def _touches(event: Any) -> Iterator[tuple[str, str]]:
    """(kind, cell id) for each cell a deep event on the cells map created, deleted, moved
    or edited."""
    path = list(event.path)
    keys = getattr(event, "keys", None) or {}
    if path:
        yield ("moved" if len(path) == 1 and "position" in keys else "edit"), str(path[0])
        return
    for cell_id, change in keys.items():
        if (kind := _TOP_LEVEL.get(change.get("action"))) is not None:
            yield kind, str(cell_id)


class _PeerLine:
    """What waits to be sent to one peer, bounded in bytes (``MAX_PEER_BACKLOG``)."""

    def __init__(self) -> None:
        self._send, self._receive = anyio.create_memory_object_stream[bytes](math.inf)
        self.backlog = 0
        self.scope = anyio.CancelScope()
        """Cancelled to drop the peer."""

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

    async def forward(self, peer: Peer) -> None:
        async with self._receive:
            async for message in self._receive:
                await peer.send(message)
                self.backlog -= len(message)

    def close(self) -> None:
        self._send.close()
        self._receive.close()
