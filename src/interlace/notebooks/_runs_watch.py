"""Following an agent's run of cells in the shared document until each one is done.

A cell's run record (``metadata.interlace``) says where its run is. A run is
known as this caller's by the time it was queued; it is done once it finished,
was cancelled or failed, or once someone queued the cell again (that run's
record is then the cell's). The moment a cell starts running, the watch notes
the hash of the source it starts with: a person may have typed in it between
the request and its turn in the queue, and the caller is told.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import anyio

from interlace.notebooks._cells import FINISHED, CellRun, cell_view, run_record, source_hash

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from interlace.collab import NotebookDocument

__all__ = ["RunWatch"]


class RunWatch:
    """Changes to the notebook's cells, and the runs of ``refs`` (cell id -> hash asked)."""

    def __init__(self, document: NotebookDocument, refs: dict[str, str]) -> None:
        self.document = document
        self.refs = refs
        self.tokens: dict[str, str | None] = {}
        """When each cell was queued by this run (None for a cell that was only rendered)."""
        self.ran: dict[str, str] = {}
        """The hash of the source each cell started running with."""
        self._changed = anyio.Event()
        self._subscription: Any = None

    def __enter__(self) -> RunWatch:
        self._subscription = self.document.cells.observe_deep(self._on_change)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.document.cells.unobserve(self._subscription)

    def queued(self) -> None:
        """The cells were just queued: note when, to know their runs from later ones."""
        for cell_id in self.refs:
            self.tokens[cell_id] = (run_record(self.document, cell_id) or {}).get("queued")

    def _on_change(self, events: list[Any]) -> None:
        touched = {str(path[0]) for event in events if (path := list(event.path))}
        for cell_id, token in self.tokens.items():
            if cell_id in self.ran or cell_id not in touched or cell_id not in self.document.cells:
                continue
            record = run_record(self.document, cell_id) or {}
            if record.get("status") == "running" and record.get("queued") == token:
                self.ran[cell_id] = source_hash(self.document.source(cell_id))
        self._changed.set()

    async def until(self, check: Callable[[], bool], timeout: float) -> None:
        """Wait until ``check()`` holds after a change, or ``timeout`` seconds."""
        with anyio.move_on_after(timeout):
            while not check():
                self._changed = anyio.Event()
                await self._changed.wait()

    async def wait(self, timeout: float) -> None:
        await self.until(self.all_done, timeout)

    def _superseded(self, cell_id: str) -> bool:
        record = run_record(self.document, cell_id) or {}
        token = self.tokens.get(cell_id)
        return token is not None and "queued" in record and record.get("queued") != token

    def done(self, cell_id: str) -> bool:
        if cell_id not in self.document.cells:
            return True
        status = (run_record(self.document, cell_id) or {}).get("status")
        if self._superseded(cell_id) or status in ("cancelled", "failed"):
            return True
        if self.document.cell(cell_id)["cell_type"] != "code":
            return status == "ok"  # rendered
        return status in FINISHED and cell_id in self.ran

    def all_done(self) -> bool:
        return all(self.done(cell_id) for cell_id in self.refs)

    def results(self) -> list[CellRun]:
        """Each cell as it is now, whether its run is done, and what the caller should know."""
        return [self._result(cell_id) for cell_id in self.refs]

    def _result(self, cell_id: str) -> CellRun:
        if cell_id not in self.document.cells:
            gone = CellRun(id=cell_id, cell_type="", source="", hash="", done=True)
            gone["note"] = "the cell was deleted"
            return gone
        result = cast("CellRun", {**cell_view(self.document, cell_id)})
        result["done"] = self.done(cell_id)
        ran = self.ran.get(cell_id)
        if self._superseded(cell_id):
            by = (run_record(self.document, cell_id) or {}).get("by")
            result["note"] = f"{by} queued the cell again before it finished: this is that run"
        elif ran is not None and ran != self.refs[cell_id]:
            result["note"] = (
                "someone changed the source after you asked to run it: the cell ran the "
                f"source with hash {ran!r}, not the one you saw"
            )
        return result
