"""/api/collab/{path}: notebooks the server owns, shared over the Yjs sync protocol.

A notebook's room opens on first use and stays open while the server runs, so
its cells keep running and writing outputs with no browser connected.
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

import anyio
from starlette.websockets import WebSocketDisconnect

from interlace.collab import NotebookDocument, Room
from interlace.errors import InterlaceError
from interlace.record import Recordings
from interlace.server._contents import ContentsError, validate_notebook
from interlace.store import UpdateLog, atomic_write

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    from anyio.abc import TaskGroup
    from starlette.websockets import WebSocket

    from interlace.collab import RunningCell
    from interlace.protocol import JSONDict
    from interlace.server._contents import Contents
    from interlace.server._kernels import KernelRegistry, ServedKernel

__all__ = ["Rooms"]

log = logging.getLogger("interlace.server")

REPLY_TIMEOUT = 10.0
"""Seconds a notebook's completion or inspection waits for its kernel."""


def cells_to_run(document: NotebookDocument, request: dict[str, Any]) -> list[str]:
    """The cells a run request names: ``cells`` (ids), ``all``, or ``below`` (an id, inclusive).

    ValueError for a request naming none of these, KeyError for an unknown cell.
    """
    order = document.cell_ids()
    if request.get("all") is True:
        return order
    below = request.get("below")
    if isinstance(below, str):
        if below not in order:
            raise KeyError(f"no cells {[below]}")
        return order[order.index(below) :]
    cells = request.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, str) for c in cells):
        raise ValueError('name the cells to run: "cells": [ids], "all": true or "below": id')
    return cells


class _WebSocketPeer:
    """Binary frames are the Yjs protocol; text frames are JSON commands (run cells, save)."""

    def __init__(self, websocket: WebSocket, commands: Callable[[str], Awaitable[None]]) -> None:
        self.websocket = websocket
        self.commands = commands

    async def send(self, message: bytes) -> None:
        await self.websocket.send_bytes(message)

    async def receive(self) -> bytes | None:
        while True:
            event = await self.websocket.receive()
            if event["type"] == "websocket.disconnect":
                return None
            if event.get("bytes") is not None:
                return bytes(event["bytes"])
            await self.commands(str(event.get("text", "")))


class _NotebookFile:
    """The ``.ipynb`` behind a room, never overwritten behind another program's back.

    If the file changed on disk since the room last read or wrote it, the room's
    version goes to ``<name>.interlace-conflict.ipynb`` beside it, and the file
    is left as the other program wrote it, to be merged by a person.
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        self.seen = self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.target.stat()
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def save(self, data: bytes) -> None:
        if self._stamp() not in (self.seen, None):
            conflict = self.target.with_name(f"{self.target.stem}.interlace-conflict.ipynb")
            atomic_write(conflict, data)
            log.warning("%s changed on disk; the shared version went to %s", self.target, conflict)
            return
        atomic_write(self.target, data)
        self.seen = self._stamp()


class _FileSpill:
    """Streams kept whole in ``.interlace/outputs/`` under the root, fetched through contents."""

    def __init__(self, contents: Contents, notebook: str) -> None:
        self.contents = contents
        self.folder = f".interlace/outputs/{notebook.replace('/', '__')}"

    def _path(self, cell_id: str, name: str) -> str:
        return f"{self.folder}/{cell_id}-{name}.txt"

    def start(self, cell_id: str) -> None:
        for name in ("stdout", "stderr"):
            self.contents.resolve(self._path(cell_id, name)).unlink(missing_ok=True)

    def append(self, cell_id: str, name: str, text: str) -> str:
        path = self._path(cell_id, name)
        target = self.contents.resolve(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as file:
            file.write(text)
        return f"/api/contents/{path}"


class Rooms:
    """Every open notebook room, by path, with the kernel each one runs its cells on."""

    def __init__(
        self,
        contents: Contents,
        kernels: KernelRegistry,
        tasks: TaskGroup,
        keep_history_days: float | None = None,
    ) -> None:
        self.contents = contents
        self.kernels = kernels
        self.tasks = tasks
        self.log = UpdateLog(contents.root / ".interlace" / "collab.sqlite")
        self.recordings = Recordings(contents.root / ".interlace" / "recordings.sqlite")
        self.keep_history_days = keep_history_days
        if keep_history_days is not None:
            forgotten = self.recordings.forget_all_before(time.time() - keep_history_days * 86400)
            log.info("forgot %d recorded events older than %s days", forgotten, keep_history_days)
        self.rooms: dict[str, Room] = {}
        self.room_kernels: dict[str, ServedKernel] = {}
        self._restarting: dict[str, anyio.Event] = {}

    def open(self, path: str) -> Room:
        path = path.strip("/")
        room = self.rooms.get(path)
        if room is None:
            target = self.contents.resolve(path)
            if target.suffix != ".ipynb":
                raise ContentsError(400, f"{path} is not a notebook")

            file = _NotebookFile(target)

            def load() -> dict[str, Any]:
                if not target.exists():
                    raise ContentsError(404, f"no notebook {path}")
                notebook = json.loads(target.read_text("utf-8"))
                validate_notebook(notebook)
                return dict(notebook)

            def save(notebook: dict[str, Any]) -> None:
                file.save((json.dumps(notebook, indent=1) + "\n").encode("utf-8"))

            spill = _FileSpill(self.contents, path)
            room = Room.open(path, load, self.log, save, spill)
            if self.keep_history_days is not None:
                cutoff = time.time() - self.keep_history_days * 86400
                self.recordings.forget_before(path, cutoff)
            room.recorder = self.recordings.recorder(path, room.document.doc.get_update)
            room.document.set_kernel_state("none")
            self.rooms[path] = room
            self.tasks.start_soon(room.run)
        return room

    async def serve(self, websocket: WebSocket, path: str) -> None:
        try:
            room = self.open(path)
        except ContentsError as exc:
            await websocket.close(code=1008, reason=str(exc))
            return
        await websocket.accept()

        async def command(text: str) -> None:
            await self._command(path, text, websocket)

        try:
            await room.serve(_WebSocketPeer(websocket, command))
        except* WebSocketDisconnect:
            log.info("collab peer of %s left", path)

    async def _command(self, path: str, text: str, websocket: WebSocket) -> None:
        """A JSON command: execute (``cells``), interrupt, restart or save; errors answered."""
        try:
            command = json.loads(text)
            if not isinstance(command, dict):
                raise ValueError("a command is a JSON object")
            action, who = command.get("action"), str(command.get("who") or "websocket")
            if action == "execute":
                await self.execute(path, command, who)
            elif action == "interrupt":
                await self.interrupt(path, who)
            elif action == "restart":
                await self.restart(path, who)
            elif action == "save":
                self.open(path).save()
            else:
                raise ValueError(f"unknown action {action!r}")
        except (ValueError, KeyError, InterlaceError) as exc:
            reason = str(exc.args[0]) if isinstance(exc, KeyError) else str(exc)
            log.warning("collab %s: refused a command: %s", path, reason)
            await websocket.send_text(json.dumps({"error": reason}))

    async def _kernel(self, path: str) -> ServedKernel:
        """The room's kernel, started on first need; a dead one is replaced."""
        if (restarting := self._restarting.get(path)) is not None:
            await restarting.wait()
        kernel = self.room_kernels.get(path)
        if kernel is not None and kernel.client.death is not None:
            await self.kernels.stop_kernel(kernel.id)
            kernel = None
        if kernel is None or kernel.id not in self.kernels.kernels:
            document = self.open(path).document
            document.set_kernel_state("starting")
            try:
                kernel = await self.kernels.start(self.kernels.default_kernel)
            except InterlaceError:
                document.set_kernel_state("none")
                raise
            document.set_kernel_state("idle")
            self.room_kernels[path] = kernel
        return kernel

    async def execute(self, path: str, request: dict[str, Any], who: str) -> list[str]:
        """Queue the cells ``request`` names (see ``cells_to_run``); their ids."""
        path = path.strip("/")
        room = self.open(path)
        cell_ids = cells_to_run(room.document, request)
        room.runs.check(cell_ids)
        if all(room.document.cell(c)["cell_type"] != "code" for c in cell_ids):
            room.runs.render(cell_ids, who)
            return cell_ids
        kernel = await self._kernel(path)

        async def start(code: str) -> RunningCell:
            return await kernel.client.execute(code, stdin=room.runs.ask)

        room.runs.execute(cell_ids, start, who, kernel.id)
        return cell_ids

    async def interrupt(self, path: str, who: str) -> None:
        """Interrupt the notebook's kernel; the running cell records it, queued cells drop."""
        path = path.strip("/")
        self.open(path).runs.interrupt(who)
        kernel = self.room_kernels.get(path)
        if kernel is not None and kernel.client.death is None:
            await kernel.interrupt()

    async def restart(self, path: str, who: str) -> None:
        """Restart the notebook's kernel; the running cell records it, queued cells drop."""
        path = path.strip("/")
        room = self.open(path)
        room.runs.restart(who)
        kernel = self.room_kernels.get(path)
        if kernel is not None and kernel.id in self.kernels.kernels:
            room.document.set_kernel_state("restarting")
            self._restarting[path] = done = anyio.Event()
            try:
                await kernel.manager.restart()
            finally:
                room.document.set_kernel_state("idle" if kernel.manager.alive else "dead")
                del self._restarting[path]
                done.set()

    async def complete(self, path: str, code: str, cursor_pos: int) -> JSONDict:
        """The notebook's kernel's complete_reply content."""
        kernel = await self._kernel(path.strip("/"))
        return await kernel.client.complete(code, cursor_pos, timeout=REPLY_TIMEOUT)

    async def inspect(self, path: str, code: str, cursor_pos: int, detail_level: int) -> JSONDict:
        """The notebook's kernel's inspect_reply content."""
        kernel = await self._kernel(path.strip("/"))
        return await kernel.client.inspect(code, cursor_pos, detail_level, timeout=REPLY_TIMEOUT)

    def answer_input(self, path: str, value: str) -> None:
        """Answer the running cell's ``input()``; LookupError if it is not waiting."""
        self.open(path).runs.answer(value)

    def close(self) -> None:
        for room in self.rooms.values():
            room.close()
        self.log.close()
        self.recordings.close()
