"""A room: one open notebook, its peers over the Yjs sync protocol, its log, saves and runs.

The server owns the document. Every change, from a peer or from a running cell,
is recorded (the notebook's one log, see ``interlace.record``) before anything
else happens, broadcast to every peer, and written back to the ``.ipynb``
shortly after (debounced, atomic).
Cells run on the server: their outputs go into the document as they arrive,
whether or not anyone is connected.

Nothing a peer sent is lost to a full disk: a peer's update is stored before it
is applied, and one the disk refuses is not applied; the peer keeps it, is
told, and is asked for it again once the disk takes writes. What the server
writes meanwhile (outputs) is held in memory and stored whole then. Everyone
sees a notice (the document's ``room.storage``) until then.

Nor is anything merged that should not be: a peer whose document has another
history (the log was lost and the room rebuilt from the file, while the peer
kept the old document) would duplicate or overwrite what the room holds. The
room tells it by its state vector, takes its document apart from the room's,
keeps what it had that the room lacks as a copy beside the notebook
(``keep_copy``), and tells it to start again from the room's document
(``RESYNC``).
"""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import anyio
from pycrdt import (
    YMessageType,
    YSyncMessageType,
    create_sync_message,
    create_update_message,
    handle_sync_message,
    write_message,
)

from interlace.collab._document import NotebookDocument
from interlace.collab._lines import Peer, PeerLine
from interlace.collab._presence import Presence
from interlace.collab._runs import CellRuns
from interlace.collab._schema import repair_cell, repair_meta
from interlace.collab._sync import (
    EMPTY_UPDATE,
    SyncMessage,
    check_update,
    read_sync,
    state_vector,
)
from interlace.errors import FileConflict, InterlaceError, MalformedUpdate, StorageError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from pycrdt import TransactionEvent

    from interlace.collab._runs import OutputSpill
    from interlace.protocol import JSONDict

__all__ = ["RESYNC", "Peer", "Room"]

log = logging.getLogger("interlace.collab")

AUTOSAVE_DELAY = 1.0
"""Seconds of quiet after a change before the notebook file is written."""

_CELL_CHANGES = ("created", "deleted", "moved")
"""Edits recorded under their own kind, in this order of precedence."""

FAREWELL_TIMEOUT = 10.0
"""Seconds the last message to a peer being let go may take to be sent."""

STORAGE_RETRY = 1.0
"""Seconds between tries to store what the disk refused."""

RESYNC = 101
"""The message type that tells a peer its document has another history than the room's:
it must drop its document and sync anew (Yjs uses 0 to 3, commands' replies 100). The
JSON after it says why and where its changes were kept (``recovered``, a path or null)."""

_ASK_EVERYTHING = bytes([YMessageType.SYNC, YSyncMessageType.SYNC_STEP1]) + write_message(b"\0")
"""Sync step 1 with an empty state vector: the peer answers with its whole document."""


class Recorder(Protocol):
    """Where a room's changes and history go (``interlace.record`` keeps them)."""

    behind: bool

    def record(
        self, kind: str, actor: str, data: JSONDict | None = None, change: bytes | None = None
    ) -> int | None: ...

    def store_ahead(self, actor: str, change: bytes) -> int: ...

    def relabel(self, seq: int, kind: str, data: JSONDict) -> None: ...

    def retract(self, seq: int) -> None: ...

    def catch_up(self) -> None: ...


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
        self._peers: dict[int, PeerLine] = {}
        self.recorder = log_.recorder(path, document.doc.get_update)
        self.presence = Presence(document.doc, self._broadcast, self.record)
        self._changed = anyio.Event()
        self._running = anyio.CancelScope()
        self._applying_from: int | None = None
        self._ahead: int | None = None
        """The seq of the peer's change being applied, stored before it was."""
        self._applied = False
        self.runs = CellRuns(document, spill, self.record, kernel_state)
        self._touched: dict[str, set[str]] = {}
        self._from_peer: set[str] = set()
        """Cells (and ``meta``) a peer's update touched: to be checked once it is applied."""
        self._writing: tuple[str, str] | None = None
        """(kind, actor) of a change the room itself makes now (a repair, a file's change)."""
        self._editor: str | None = None
        self._edited_by_editor: set[str] = set()
        """The cells the editor's changes touched (their marks may say "edited")."""
        """Who an edit the server makes now on someone's behalf is by (``edited_by``)."""
        self.from_log = False
        """Whether the document came from the log (else from the file)."""
        self.dirty = False
        """Whether the document changed since it was last saved (or loaded from its file)."""
        self.notice: Callable[[str], bytes] | None = None
        """Makes the message that tells a peer what was wrong with its update."""
        self.autosave_delay = AUTOSAVE_DELAY
        """Seconds of quiet after a change before the file is written."""
        self.keep_copy: Callable[[JSONDict], str] | None = None
        """Keeps a notebook beside this one (a peer's unmergeable document); its path."""
        self.storage_problem: str | None = None
        """What the disk refused last, while something of it is not stored yet."""
        self._save_failed = False
        self._storage_trouble = anyio.Event()
        self._kept_copies: set[str] = set()
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
        if self._applying_from is not None:
            kind, cells = _edit_kind(touched)
            if self._ahead is not None:  # stored already: only its kind is known now
                self._applied = True
                self._quietly(self.recorder.relabel, self._ahead, kind, {"cells": cells})
        elif self._editor is not None:
            kind, cells = _edit_kind(touched)
            self._store(kind, self._editor, update, {"cells": cells})
            self._edited_by_editor.update(*touched.values())
        elif self._writing is not None:
            self._store(*self._writing, update)
        else:
            self._store(*self.runs.writing(), update)
        self._broadcast(create_update_message(update), skip=self._applying_from)
        self._changed.set()
        if self._writing != _FROM_FILE:
            self.dirty = True

    def _store(self, kind: str, actor: str, update: bytes, data: JSONDict | None = None) -> None:
        """Record a change the server made; a refusal is held (see the module's doc)."""
        try:
            self.recorder.record(kind, actor, data, change=update)
        except StorageError as exc:
            self._storage_failed(exc)

    def _quietly(self, write: Callable[..., None], *arguments: Any) -> None:
        """A write whose failure loses nothing (a label): logged, never raised."""
        try:
            write(*arguments)
        except StorageError as exc:
            log.warning("%s: %s", self.path, exc)

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
        """Record an event that is not a document change (a run, a kernel event, a visit);
        one the disk refuses is logged and lost (the document is not)."""
        try:
            self.recorder.record(kind, actor, data)
        except StorageError as exc:
            self._storage_failed(exc)

    def _broadcast(self, message: bytes, skip: int | None = None) -> None:
        """Queue ``message`` for every peer but ``skip``; a peer on its way out is passed over."""
        for key, line in list(self._peers.items()):
            if key != skip:
                self._queue(line, message)

    # Running the room (in the server's task group).

    async def run(self) -> None:
        """Autosave, run queued cells, keep presence and store what the disk refused, until
        the room is closed."""
        with self._running:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._autosave)
                tasks.start_soon(self._keep_storing)
                tasks.start_soon(self.runs.run)
                tasks.start_soon(self.presence.awareness.start)

    async def _autosave(self) -> None:
        while True:
            await self._changed.wait()
            self._changed = anyio.Event()
            await anyio.sleep(self.autosave_delay)
            if self.dirty:  # not when a save or the file's own content came meanwhile
                self.save()

    def save(self) -> None:
        try:
            self._save(self.document.to_notebook())
        except FileConflict as exc:  # its owner shows it; the log keeps every change
            log.info("not saved: %s", exc)
        except (OSError, InterlaceError) as exc:
            log.error("could not save %s: %s", self.path, exc)
            self._save_failed = True
            self._storage_failed(exc)
        else:
            self.dirty = False
            self._save_failed = False

    # What the disk refused.

    def _storage_failed(self, exc: Exception) -> None:
        """The disk refused a write: show it to everyone, and try again until it is stored.

        Called from within document changes, so the notice itself is written by
        ``_keep_storing``."""
        if self.storage_problem is None:
            log.error(
                "%s: the disk refuses writes; holding changes until it takes them: %s",
                self.path,
                exc,
            )
        self.storage_problem = str(exc)
        self._storage_trouble.set()

    async def _keep_storing(self) -> None:
        while True:
            await self._storage_trouble.wait()
            self.document.set_notice("storage", self.storage_problem)
            while True:  # nothing tells when the disk has room again: look now and then
                if self._stored_everything():
                    break
                await anyio.sleep(STORAGE_RETRY)
            self._storage_trouble = anyio.Event()
            self.storage_problem = None
            log.warning("%s: the disk takes writes again; everything held is stored", self.path)
            self.document.set_notice("storage", None)
            self._ask_owing_peers()

    def _stored_everything(self) -> bool:
        """Store what is held (the document whole, the file); whether all of it went."""
        try:
            if self.recorder.behind:
                self.recorder.catch_up()
        except StorageError as exc:
            self.storage_problem = str(exc)
            return False
        if self._save_failed:
            self.save()
        return not self._save_failed

    def _ask_owing_peers(self) -> None:
        """Ask each peer whose change was refused for what it has that the room lacks."""
        for line in self._peers.values():
            if line.owes:
                line.owes = False
                line.queue(create_sync_message(self.document.doc))

    # Peers.

    async def serve(self, peer: Peer) -> None:
        """Sync with one peer until it goes, is dropped, or the room closes: step 1 both
        ways, then updates and awareness."""
        key = id(peer)
        line = self._peers[key] = PeerLine()
        try:
            with line.scope:
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(line.forward, peer)
                    line.queue(create_sync_message(self.document.doc))
                    if (greeting := self.presence.greeting()) is not None:
                        line.queue(greeting)
                    while (message := await peer.receive()) is not None:
                        self._handle(key, message, line)
                        if line.leaving:
                            await line.sent_all(FAREWELL_TIMEOUT)
                            break
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

    def _queue(self, line: PeerLine, message: bytes) -> None:
        if not line.queue(message):
            log.warning("%s: dropped a peer %d bytes behind", self.path, line.backlog)

    def _handle(self, key: int, message: bytes, line: PeerLine) -> None:
        if not message:
            return
        if message[0] == YMessageType.SYNC:
            try:
                sync = read_sync(message)
            except MalformedUpdate as exc:
                log.warning("%s: dropped a malformed sync message: %s", self.path, exc)
                return
            if line.foreign is not None:
                if sync.is_update:
                    self._recover_foreign(key, sync, line)
            elif sync.is_update:
                self._accept(key, sync.payload, line)
            else:
                self._answer_step1(sync.payload, message, line)
        elif message[0] == YMessageType.AWARENESS:
            try:
                self.presence.apply(key, message)
            except MalformedUpdate as exc:
                log.warning("%s: dropped an awareness message: %s", self.path, exc)

    def _answer_step1(self, payload: bytes, message: bytes, line: PeerLine) -> None:
        """Send the peer what it lacks, unless its document has another history: then ask
        it for the whole of it, to keep apart (``_recover_foreign``)."""
        try:
            clocks = state_vector(payload)
        except MalformedUpdate as exc:
            log.warning("%s: dropped a malformed sync message: %s", self.path, exc)
            return
        base = self.document.base()
        if clocks and base is not None and base not in clocks:
            log.warning("%s: a peer's document has another history; keeping it apart", self.path)
            line.keep_apart()
            line.queue(_ASK_EVERYTHING)
            return
        reply = handle_sync_message(message[1:], self.document.doc)
        if reply is not None:
            line.queue(reply)

    def _accept(self, key: int, update: bytes, line: PeerLine) -> None:
        """Store a peer's update, then apply it; refused (and the peer told) if the disk
        refuses it, dropped if it is malformed."""
        if update == EMPTY_UPDATE or line.owes:  # an owing peer is asked again later
            return
        try:
            check_update(update)
        except MalformedUpdate as exc:
            log.warning("%s: dropped a malformed update: %s", self.path, exc)
            return
        try:
            seq = self.recorder.store_ahead(self.presence.name_of(key), update)
        except StorageError as exc:
            self._refuse(line, exc)
            return
        self._applying_from, self._ahead, self._applied = key, seq, False
        try:
            self.document.doc.apply_update(update)
        finally:
            self._applying_from = self._ahead = None
        if not self._applied:  # it held nothing new
            self._quietly(self.recorder.retract, seq)
        self._repair(line)

    def _refuse(self, line: PeerLine, exc: StorageError) -> None:
        line.owes = True
        self._storage_failed(exc)
        if self.notice is not None:
            line.queue(
                self.notice(
                    "the server's disk refused your change, so it was not applied; it is kept "
                    f"in your page and taken once the disk takes writes again ({exc})"
                )
            )

    def _recover_foreign(self, key: int, sync: SyncMessage, line: PeerLine) -> None:
        """Keep a peer's document of another history apart; once it sent it whole (its
        step 2), keep what it has that the room lacks as a copy and tell it to resync."""
        try:
            kept = line.take_foreign(sync.payload)
        except (ValueError, RuntimeError) as exc:
            log.warning("%s: dropped a malformed update: %s", self.path, exc)
            kept = False
        if kept and sync.step != YSyncMessageType.SYNC_STEP2:
            return  # an update typed meanwhile: its whole document comes in its step 2
        copy = self._keep_foreign(line) if kept else None
        who = self.presence.name_of(key)
        self.record("resynced", who, {"recovered": copy})
        reason = "the notebook's history on the server is not the one your document has"
        reply = {"reason": reason, "recovered": copy}
        line.say_last(bytes([RESYNC]) + json.dumps(reply).encode("utf-8"))

    def _keep_foreign(self, line: PeerLine) -> str | None:
        """A copy beside the notebook of the peer's document, if it holds cells or sources
        the room's lacks (and no equal copy was kept already); its path."""
        theirs = line.foreign_document().to_notebook()
        ours = {cell["id"]: cell["source"] for cell in self.document.to_notebook()["cells"]}
        if all(ours.get(cell["id"]) == cell["source"] for cell in theirs["cells"]):
            return None
        digest = json.dumps(theirs["cells"], sort_keys=True)
        if digest in self._kept_copies or self.keep_copy is None:
            return None
        self._kept_copies.add(digest)
        try:
            path = self.keep_copy(theirs)
        except (OSError, InterlaceError) as exc:
            log.error("%s: could not keep a peer's unmergeable document: %s", self.path, exc)
            return None
        log.warning("%s: a peer's unmergeable changes were kept in %s", self.path, path)
        at = datetime.now(UTC).isoformat()
        self.document.set_notice("recovered", {"path": path, "at": at})
        return path

    @contextlib.contextmanager
    def _written_as(self, kind: str, actor: str) -> Iterator[None]:
        self._writing = (kind, actor)
        try:
            yield
        finally:
            self._writing = None

    @contextlib.contextmanager
    def edited_by(self, actor: str) -> Iterator[None]:
        """Edits the server makes in here for ``actor``, a collaborator that speaks no Yjs
        (an agent), are recorded as that actor's, as a peer's edits are: created, deleted,
        moved or edited, with the cells they touched."""
        self._editor = actor
        try:
            yield
        finally:
            self._editor = None
            edited, self._edited_by_editor = self._edited_by_editor, set()
            self.runs.edited(edited)

    def load_changed_file(self, notebook: JSONDict) -> None:
        """The file changed outside the server: the document becomes what it holds, as one
        change recorded as ``external`` by ``disk`` and sent to every peer."""
        with self._written_as(*_FROM_FILE):
            self.document.replace_with(notebook)
        self.runs.edited()

    def _repair(self, sender: PeerLine) -> None:
        """Repair what a peer's update wrote off the notebook schema; tell that peer."""
        touched, self._from_peer = self._from_peer, set()
        if not touched:
            return
        self._repair_cells(sender, touched)
        self.runs.edited(touched - {_META})

    def _repair_cells(self, sender: PeerLine, touched: set[str]) -> None:
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


def _edit_kind(touched: dict[str, set[str]]) -> tuple[str, list[str]]:
    """How an edit is recorded (created, deleted, moved or edit), and the cells it did that to."""
    kind = next((k for k in _CELL_CHANGES if k in touched), "edit")
    return kind, sorted(touched.get(kind, ()))


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
