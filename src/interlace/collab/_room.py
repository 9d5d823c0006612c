"""A room: one open notebook, its peers over the Yjs sync protocol, its log, saves and runs.

The server owns the document. Every change, from a peer or from a running cell,
is appended to the update log before anything else happens, broadcast to every
peer, and written back to the ``.ipynb`` shortly after (debounced, atomic).
Cells run on the server: their outputs go into the document as they arrive,
whether or not anyone is connected.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import anyio
from pycrdt import (
    YMessageType,
    create_sync_message,
    create_update_message,
    handle_sync_message,
)

from interlace.collab._document import NotebookDocument
from interlace.collab._outputs import as_output
from interlace.errors import InterlaceError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from anyio.streams.memory import MemoryObjectSendStream
    from pycrdt import TransactionEvent

    from interlace.protocol import JSONDict, Message
    from interlace.store import UpdateLog

__all__ = ["OutputSpill", "Peer", "Room", "RunningCell"]

log = logging.getLogger("interlace.collab")

AUTOSAVE_DELAY = 1.0
"""Seconds of quiet after a change before the notebook file is written."""

STREAM_FLUSH_INTERVAL = 0.1
"""Stream text reaches the document in batches, at most this many seconds apart."""

COMPACT_AFTER_BYTES = 16 << 20
"""Once this much was logged since the last compaction, the log becomes one snapshot."""


class OutputSpill(Protocol):
    """Where the whole text of a cell's streams is kept while the document keeps a tail."""

    def start(self, cell_id: str) -> None:
        """A run of ``cell_id`` begins: forget its previous streams."""

    def append(self, cell_id: str, name: str, text: str) -> str:
        """Keep ``text``; returns where the whole stream can be fetched."""


class Peer(Protocol):
    """A connected client, e.g. a websocket, carrying Yjs protocol messages."""

    async def send(self, message: bytes) -> None: ...

    async def receive(self) -> bytes | None:
        """The next message, or None once the peer has gone."""


class RunningCell(Protocol):
    """What running code looks like to a room (the client's Execution is one)."""

    def __aiter__(self) -> AsyncIterator[Message]: ...

    async def wait(self, timeout: float | None = None) -> Any: ...


class Room:
    """One notebook shared by its peers and owned by the server."""

    def __init__(
        self,
        path: str,
        document: NotebookDocument,
        log_: UpdateLog,
        save: Callable[[JSONDict], None],
        spill: OutputSpill | None = None,
    ) -> None:
        self.path = path
        self.spill = spill
        self._logged_bytes = 0
        self.document = document
        self._log = log_
        self._save = save
        self._peers: dict[int, MemoryObjectSendStream[bytes]] = {}
        self._awareness: dict[int, bytes] = {}
        self._changed = anyio.Event()
        self._clear_on_output: set[str] = set()
        self._pending_streams: dict[str, tuple[str, str | None]] = {}
        self._queue_send, self._queue = anyio.create_memory_object_stream[
            tuple[list[str], Callable[[str], Awaitable[RunningCell]], str]
        ](math.inf)
        self._subscription = document.doc.observe(self._on_change)

    @classmethod
    def open(
        cls,
        path: str,
        load: Callable[[], JSONDict],
        log_: UpdateLog,
        save: Callable[[JSONDict], None],
        spill: OutputSpill | None = None,
    ) -> Room:
        """The room of ``path``: its logged state if it has one, else the file's."""
        updates = log_.read(path)
        if updates:
            document = NotebookDocument()
            for update in updates:
                document.doc.apply_update(update)
        else:
            document = NotebookDocument.from_notebook(load())
            log_.append(path, document.doc.get_update())
        return cls(path, document, log_, save, spill)

    def _on_change(self, event: TransactionEvent) -> None:
        update = event.update
        self._log.append(self.path, update)
        self._logged_bytes += len(update)
        if self._logged_bytes > COMPACT_AFTER_BYTES:
            self._log.replace(self.path, self.document.doc.get_update())
            self._logged_bytes = 0
        self._broadcast(create_update_message(update))
        self._changed.set()

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
            tasks.start_soon(self._execute_queue)

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
                for state in self._awareness.values():
                    send.send_nowait(state)
                while (message := await peer.receive()) is not None:
                    self._handle(key, message, send)
                tasks.cancel_scope.cancel()
        finally:
            self._peers.pop(key, None)
            send.close()
            gone = self._awareness.pop(key, None)
            if gone is not None:
                log.debug("%s: a peer left", self.path)

    async def _forward(self, peer: Peer, outgoing: Any) -> None:
        async with outgoing:
            async for message in outgoing:
                await peer.send(message)

    def _handle(self, key: int, message: bytes, reply_to: MemoryObjectSendStream[bytes]) -> None:
        if not message:
            return
        if message[0] == YMessageType.SYNC:
            try:
                reply = handle_sync_message(message[1:], self.document.doc)
            except (ValueError, RuntimeError) as exc:
                log.warning("%s: dropped a malformed sync message: %s", self.path, exc)
                return
            if reply is not None:
                reply_to.send_nowait(reply)
        elif message[0] == YMessageType.AWARENESS:
            self._awareness[key] = message
            self._broadcast(message, skip=key)

    # Execution.

    def execute(
        self, cell_ids: list[str], start: Callable[[str], Awaitable[RunningCell]], who: str
    ) -> None:
        """Queue cells to run in order on ``start``'s kernel; outputs land in the document."""
        unknown = [cid for cid in cell_ids if cid not in self.document.cells]
        if unknown:
            raise KeyError(f"no cells {unknown}")
        self._queue_send.send_nowait((cell_ids, start, who))

    async def _execute_queue(self) -> None:
        async with self._queue:
            async for cell_ids, start, who in self._queue:
                for cell_id in cell_ids:
                    if cell_id in self.document.cells:
                        await self._run_cell(cell_id, start, who)

    async def _run_cell(
        self, cell_id: str, start: Callable[[str], Awaitable[RunningCell]], who: str
    ) -> None:
        document = self.document
        if document.cell(cell_id)["cell_type"] != "code":
            return
        started = datetime.now(UTC)
        if self.spill is not None:
            self.spill.start(cell_id)
        document.clear_outputs(cell_id)
        document.set_execution_count(cell_id, None)
        status = "error"
        try:
            running = await start(document.source(cell_id))
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._flush_streams_every, cell_id, STREAM_FLUSH_INTERVAL)
                async for message in running:
                    self._write(cell_id, message)
                tasks.cancel_scope.cancel()
            self._flush_streams(cell_id)
            result = await running.wait()
            status = str(result.status)
            document.set_execution_count(cell_id, result.execution_count)
        except* InterlaceError as failures:
            exc = failures.exceptions[0]
            self._flush_streams(cell_id)
            document.add_output(
                cell_id,
                {
                    "output_type": "error",
                    "ename": type(exc).__name__,
                    "evalue": str(exc),
                    "traceback": [f"{type(exc).__name__}: {exc}"],
                },
            )
        record = {
            "by": who,
            "started": started.isoformat(),
            "status": status,
            "seconds": round((datetime.now(UTC) - started).total_seconds(), 3),
        }
        if cell_id in document.cells:
            metadata = dict(document.cell(cell_id).get("metadata") or {})
            metadata["interlace"] = record
            document.cell(cell_id)["metadata"] = metadata

    async def _flush_streams_every(self, cell_id: str, interval: float) -> None:
        while True:
            await anyio.sleep(interval)
            self._flush_streams(cell_id)

    def _flush_streams(self, cell_id: str) -> None:
        """Write the stream text gathered since the last flush as one document change."""
        pending, self._pending_streams = self._pending_streams, {}
        for name, (text, link) in pending.items():
            if cell_id in self.document.cells:
                output = {"output_type": "stream", "name": name, "text": text}
                self.document.add_output(cell_id, output, full_output=link)

    def _write(self, cell_id: str, message: Message) -> None:
        document = self.document
        if cell_id not in document.cells:
            return
        if message.msg_type == "clear_output":
            if message.content.get("wait"):
                self._clear_on_output.add(cell_id)
            else:
                document.clear_outputs(cell_id)
            return
        output = as_output(message)
        if output is None:
            return
        if cell_id in self._clear_on_output:
            self._clear_on_output.discard(cell_id)
            document.clear_outputs(cell_id)
        if output["output_type"] == "stream":
            name, text = str(output["name"]), str(output["text"])
            link = self.spill.append(cell_id, name, text) if self.spill is not None else None
            gathered, _ = self._pending_streams.get(name, ("", None))
            self._pending_streams[name] = (gathered + text, link)
            return
        self._flush_streams(cell_id)
        if message.msg_type == "update_display_data":
            display_id = (output.get("transient") or {}).get("display_id")
            if display_id:
                document.update_display(str(display_id), output)
            return
        document.add_output(cell_id, output)

    def close(self) -> None:
        self.document.doc.unobserve(self._subscription)
        self._queue_send.close()
        self.save()
