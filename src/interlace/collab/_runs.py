"""Cells run by the server, in order, with their outputs written into the document.

Runs are queued per notebook and executed one at a time on the notebook's
kernel. Each cell's metadata keeps a record of its last run under
``metadata.interlace``: who asked, when it was queued, started and finished,
how long it took, and its status, one of ``queued``, ``running``, ``ok``,
``error``, ``interrupted``, ``restarted``, ``died``, ``cancelled`` or ``failed``
(its kernel could not start). As in Jupyter, an error, an interrupt or a restart
drops the cells still queued.

Each run also records what its outputs were computed from (see ``_staleness``):
the source's hash, the kernel session, the run's number in it, the names it
read and assigned, and the runs it depended on; after each run every cell's
mark (fresh, edited, stale, never ran) is brought up to date. In reactive mode
(the notebook's ``metadata.interlace.reactive``) a run that succeeds queues the
cells it made stale.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import anyio

from interlace.collab._outputs import as_output
from interlace.collab._staleness import Marks
from interlace.collab._streams import held_back
from interlace.errors import InterlaceError, KernelDied, NotFound, NotWaiting
from interlace.protocol import names_of_source

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from anyio.streams.memory import MemoryObjectSendStream

    from interlace.collab._document import NotebookDocument
    from interlace.protocol import CellNames, JSONDict, Message

__all__ = ["CellRuns", "OutputSpill", "RunningCell", "Start"]

log = logging.getLogger("interlace.collab")

STREAM_FLUSH_INTERVAL = 0.1
"""Stream text reaches the document in batches, at most this many seconds apart."""

STREAM_BATCH_CHARS = 4 << 20
"""Stream text waiting for the next batch at most: a kernel printing faster than the
document takes it is written in batches this large, never held whole."""


class OutputSpill(Protocol):
    """Where the whole text of a cell's streams is kept while the document keeps a tail."""

    def start(self, cell_id: str) -> None:
        """A run of ``cell_id`` begins: forget its previous streams."""

    def append(self, cell_id: str, name: str, text: str) -> str:
        """Keep ``text``; returns where the whole stream can be fetched."""


class RunningCell(Protocol):
    """What running code looks like to a room (the client's Execution is one)."""

    def __aiter__(self) -> AsyncIterator[Message]: ...

    async def wait(self, timeout: float | None = None) -> Any: ...


Start = Callable[[str], Awaitable[RunningCell]]
"""Sends a cell's source to the notebook's kernel."""


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class _Run:
    """The cell running now, and what happened to it while it ran."""

    cell_id: str
    who: str
    source: str = ""
    begun: JSONDict = field(default_factory=dict)
    """What its record says it is computed from, once it started (``Marks.begin``)."""
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    interrupted: JSONDict | None = None
    restarted: JSONDict | None = None


class CellRuns:
    """The run queue of one notebook and the writing of outputs into its document."""

    def __init__(
        self,
        document: NotebookDocument,
        spill: OutputSpill | None = None,
        record: Callable[[str, str, JSONDict | None], None] | None = None,
        kernel_state: Callable[[str], None] | None = None,
    ) -> None:
        self.document = document
        self._kernel_state = kernel_state or (lambda state: None)
        """Told the kernel is busy or done; its owner writes that into the document."""
        self.spill = spill
        self._recorder = record
        self.running: _Run | None = None
        self._queued: list[str] = []
        self._generation = 0
        self._clear_on_output: set[str] = set()
        self._pending_streams: dict[str, tuple[list[str], str | None]] = {}
        self._pending_chars = 0
        self._answer: MemoryObjectSendStream[str] | None = None
        self._send, self._receive = anyio.create_memory_object_stream[
            tuple[list[str], Start, str, int]
        ](math.inf)
        self.marks = Marks(document)
        """Whether each cell's outputs still match (fresh, edited, stale, never ran)."""

    @property
    def session(self) -> str | None:
        """The kernel session runs go to now: a restart or another kernel starts a new one."""
        return self.marks.session

    def start_session(self, session: str | None) -> None:
        """A new kernel session (None: no kernel): no cell has run in it yet."""
        self.document.kernel["session"] = session
        self.marks.start_session(session)

    def edited(self, cell_ids: set[str] | None = None) -> None:
        """These cells changed (None: any may have): a source changed since its run
        makes the cell "edited"."""
        self.marks.edited(cell_ids)

    def states(self) -> list[JSONDict]:
        """Every code cell's mark (fresh, edited, stale, never_ran) and why."""
        return self.marks.describe()

    def stale_cells(self, only_stale: bool = False) -> list[str]:
        """The cells "Run stale" runs (``only_stale``: starting from stale cells alone)."""
        return self.marks.to_refresh(only_stale=only_stale)

    # History.

    def writing(self) -> tuple[str, str]:
        """Who a change the server makes now is on behalf of: (kind, actor) for the record."""
        if self.running is not None:
            return "output", self.running.who
        return "kernel", "server"

    def _event(self, kind: str, actor: str, data: JSONDict | None = None) -> None:
        if self._recorder is not None:
            self._recorder(kind, actor, data)

    # Asking.

    def check(self, cell_ids: list[str]) -> None:
        """NotFound naming the cells that are not in the notebook, if any."""
        unknown = [cid for cid in cell_ids if cid not in self.document.cells]
        if unknown:
            raise NotFound(f"no cells {unknown}")

    def execute(self, cell_ids: list[str], start: Start, who: str, kernel: str = "") -> None:
        """Queue cells to run in order on ``start``'s kernel (id ``kernel``); NotFound for
        unknown cells."""
        self.check(cell_ids)
        queued = _now()
        for cell_id in cell_ids:
            self._mark_cell(cell_id, {"by": who, "queued": queued, "status": "queued"})
        self._queued.extend(cell_ids)
        self._send.send_nowait((cell_ids, start, who, self._generation))
        self._event("queued", who, {"cells": cell_ids, "kernel": kernel})

    def could_not_start(self, cell_ids: list[str], who: str, exc: InterlaceError) -> None:
        """The kernel to run ``cell_ids`` on could not start: the first code cell shows why,
        each one's run record says so, and the history has it."""
        code = [c for c in cell_ids if self.document.cell(c)["cell_type"] == "code"]
        self._event("failed", who, {"cells": code, "reason": str(exc)})
        for cell_id in code:
            self._mark_cell(cell_id, {"by": who, "status": "failed", "finished": _now()})
        if code:
            self.document.clear_outputs(code[0])
            self._write_failure(code[0], exc)

    def render(self, cell_ids: list[str], who: str) -> None:
        """Markdown (or raw) cells were run: nothing for the kernel, but recorded."""
        for cell_id in cell_ids:
            if cell_id in self.document.cells:
                self._event("rendered", who, {"cell_id": cell_id})
                self._mark_cell(cell_id, {"by": who, "status": "ok", "started": _now()})

    async def ask(self, prompt: str, password: bool) -> str:
        """The running cell called ``input()``: wait for ``answer`` (a stdin handler)."""
        cell_id = self.running.cell_id if self.running is not None else None
        self._answer, answers = anyio.create_memory_object_stream[str](1)
        request = {"cell_id": cell_id, "prompt": prompt, "password": password}
        self.document.set_input_request(request)
        try:
            return await answers.receive()
        finally:
            self._answer = None
            answers.close()
            self.document.set_input_request(None)

    def answer(self, value: str) -> None:
        """The text typed at the pending ``input()``; NotWaiting if nothing is asking."""
        if self._answer is None:
            raise NotWaiting("no cell is waiting for input")
        self._answer.send_nowait(value)
        self._answer = None

    def interrupt(self, who: str) -> None:
        """The kernel is being interrupted: note it on the running cell, drop the queue."""
        mark = self._stopping("interrupted", who)
        if self.running is not None:
            self.running.interrupted = mark

    def restart(self, who: str) -> None:
        """The kernel is being restarted: stop following the running cell, drop the queue."""
        mark = self._stopping("restarted", who)
        if self.running is not None:
            self.running.restarted = mark
            self.running.scope.cancel()

    def _stopping(self, kind: str, who: str) -> JSONDict:
        """Record an interrupt or restart, drop the queue, end a pending ``input()``; the mark
        the running cell keeps."""
        self._event(kind, who)
        self._drop_queued()
        if self._answer is not None:
            self.answer("")
        return {"by": who, "at": _now()}

    def _drop_queued(self) -> None:
        self._generation += 1
        for cell_id in dict.fromkeys(self._queued):
            if cell_id in self.document.cells:
                self._mark_cell(
                    cell_id, {"status": "cancelled", "cancelled": _now()}, replace=False
                )
        self._queued.clear()

    def _mark_cell(self, cell_id: str, fields: JSONDict, replace: bool = True) -> None:
        """Write the cell's run record (``metadata.interlace``), anew or over the earlier one."""
        cell = self.document.cell(cell_id)
        metadata = dict(cell.get("metadata") or {})
        earlier = {} if replace else dict(metadata.get("interlace") or {})
        metadata["interlace"] = {**earlier, **fields}
        cell["metadata"] = metadata

    # Running (in the room's task group).

    async def run(self) -> None:
        async with self._receive:
            async for cell_ids, start, who, generation in self._receive:
                for cell_id in cell_ids:
                    if generation != self._generation:
                        break
                    self._queued.remove(cell_id)
                    if cell_id in self.document.cells:
                        await self._run_cell(_Run(cell_id, who), start)

    def close(self) -> None:
        self._send.close()

    async def _run_cell(self, run: _Run, start: Start) -> None:
        if self.document.cell(run.cell_id)["cell_type"] != "code":
            self.render([run.cell_id], run.who)
            return
        run.source = self.document.source(run.cell_id)
        self._begin(run)
        status, names = "error", None
        with run.scope:
            status, names = await self._follow(run.cell_id, run.source, start)
        outcome = self._outcome(run, status)
        self._finish(run, outcome, names)
        if outcome == "ok" and self.document.reactive():
            self._react(run, start)  # queued before the kernel shows idle: one busy stretch
        if outcome != "restarted":
            self._kernel_state("dead" if outcome == "died" else "idle")

    def _react(self, run: _Run, start: Start) -> None:
        """Reactive mode: queue the cells this run made stale, and those after them."""
        stale = [c for c in self.stale_cells(only_stale=True) if c not in self._queued]
        if stale:
            self.execute(stale, start, run.who)

    def _begin(self, run: _Run) -> None:
        """The cell starts: its record, its outputs cleared, the kernel busy."""
        document, cell_id = self.document, run.cell_id
        self._event("started", run.who, {"cell_id": cell_id})
        self.running = run
        run.begun = self.marks.begin(run.source)
        started = {"status": "running", "started": run.started.isoformat(), **run.begun}
        self._mark_cell(cell_id, started, False)
        if self.spill is not None:
            self.spill.start(cell_id)
        document.clear_outputs(cell_id)
        document.set_execution_count(cell_id, None)
        self._kernel_state("busy")

    @staticmethod
    def _outcome(run: _Run, status: str) -> str:
        """The run's status, as the kernel gave it or as an interrupt or restart made it."""
        if run.restarted is not None:
            return "restarted"
        if run.interrupted is not None and status == "error":
            return "interrupted"
        return status

    def _finish(self, run: _Run, status: str, names: CellNames | None = None) -> None:
        """The cell is done: its record, every cell's mark, the history; a failure drops
        the queue, as in Jupyter."""
        document, cell_id = self.document, run.cell_id
        self._flush_streams(cell_id)
        if status not in ("ok", "restarted", "interrupted"):
            self._drop_queued()
        if status == "died":
            self._event("died", "kernel", {"cell_id": cell_id})
        seconds = round((datetime.now(UTC) - run.started).total_seconds(), 3)
        count = None
        if cell_id in document.cells:
            mark: JSONDict = {"status": status, "finished": _now(), "seconds": seconds}
            for stop in ("interrupted", "restarted"):
                if getattr(run, stop) is not None:
                    mark[stop] = getattr(run, stop)
            self._mark_cell(cell_id, {**mark, **self._computed_from(run, names)}, replace=False)
            self.marks.mark()
            count = document.cell(cell_id).get("execution_count")
        finished = {"cell_id": cell_id, "status": status, "execution_count": count}
        self._event("finished", run.who, {**finished, "seconds": seconds})
        self.running = None

    def _computed_from(self, run: _Run, names: CellNames | None) -> JSONDict:
        """What the run's outputs were computed from: the names it read and assigned (as
        the kernel reported them, else as its source shows them) and the runs it read."""
        origin = "kernel" if names is not None else "source"
        if names is None:
            names = names_of_source(run.source)
        return self.marks.finish(run.cell_id, run.begun, names, origin)

    async def _follow(
        self, cell_id: str, source: str, start: Start
    ) -> tuple[str, CellNames | None]:
        """Run ``source`` as the cell, writing what it sends; its status, and the names
        the kernel says it read and assigned (None if it does not say)."""
        failure: InterlaceError | None = None
        try:
            running = await start(source)
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._flush_streams_every, cell_id, STREAM_FLUSH_INTERVAL)
                async for message in running:
                    self._write(cell_id, message)
                tasks.cancel_scope.cancel()
            result = await running.wait()
        except* InterlaceError as failures:
            failure = failures.exceptions[0]  # type: ignore[assignment]
        self._flush_streams(cell_id)
        if failure is not None:
            self._write_failure(cell_id, failure)
            return ("died" if isinstance(failure, KernelDied) else "error"), None
        if cell_id in self.document.cells:
            self.document.set_execution_count(cell_id, result.execution_count)
        return str(result.status), _reported_names(result)

    def _write_failure(self, cell_id: str, exc: InterlaceError) -> None:
        """The kernel could not run the cell (it died, say): the cell shows why."""
        if cell_id in self.document.cells:
            name = type(exc).__name__
            self.document.add_output(
                cell_id,
                {
                    "output_type": "error",
                    "ename": name,
                    "evalue": str(exc),
                    "traceback": [f"{name}: {exc}"],
                },
            )

    # Outputs.

    async def _flush_streams_every(self, cell_id: str, interval: float) -> None:
        while True:
            await anyio.sleep(interval)
            self._flush_streams(cell_id)

    def _flush_streams(self, cell_id: str) -> None:
        """Write the stream text gathered since the last flush as one document change.

        A ``\\r`` that ends a stream's text waits for the text after it (``held_back``);
        one left when the run ends starts the next stream, where it changes nothing.
        """
        pending, self._pending_streams = self._pending_streams, {}
        self._pending_chars = 0
        if not pending or cell_id not in self.document.cells:
            return
        with self.document.doc.transaction():
            for name, (pieces, link) in pending.items():
                text, later = held_back("".join(pieces))
                if later:
                    self._pending_streams[name] = ([later], link)
                if text:
                    output = {"output_type": "stream", "name": name, "text": text}
                    self.document.add_output(cell_id, output, full_output=link)

    def _spill(self, cell_id: str, name: str, text: str) -> str | None:
        """Keep the stream's whole text; where it is, or None (the document keeps its tail)."""
        if self.spill is None:
            return None
        try:
            return self.spill.append(cell_id, name, text)
        except OSError as exc:
            log.warning("could not keep the whole %s of cell %s: %s", name, cell_id, exc)
            return None

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
            link = self._spill(cell_id, name, text)
            pieces, _ = self._pending_streams.get(name, ([], None))
            pieces.append(text)  # joined once at the flush: many small messages stay linear
            self._pending_streams[name] = (pieces, link)
            self._pending_chars += len(text)
            if self._pending_chars >= STREAM_BATCH_CHARS:
                self._flush_streams(cell_id)
            return
        self._flush_streams(cell_id)
        if message.msg_type == "update_display_data":
            display_id = (output.get("transient") or {}).get("display_id")
            if display_id:
                document.update_display(str(display_id), output)
            return
        document.add_output(cell_id, output)


def _reported_names(result: Any) -> CellNames | None:
    """The names our kernel reported in the execute_reply's metadata, if it did."""
    metadata = getattr(result, "reply_metadata", None)
    names = metadata.get("interlace") if isinstance(metadata, dict) else None
    if not isinstance(names, dict):
        return None
    reads, writes = names.get("reads"), names.get("writes")
    if not isinstance(reads, list) or not isinstance(writes, list):
        return None
    return {"reads": [str(n) for n in reads], "writes": [str(n) for n in writes]}
