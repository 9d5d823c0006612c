"""Whether each cell's outputs still match: fresh, edited, stale, or never ran.

Each run's record (the cell's ``metadata.interlace``) says what it was computed
from: the ``source_hash`` of the source that ran, the kernel ``session``, its
``run`` number in that session, the global names it ``reads`` and ``writes``
(from our kernel, or from the source for other kernels: ``names`` is then
``"source"``), and ``depends_on``: for each name it read, the run of another
cell that had last assigned it. From these records alone:

- **never ran**: the cell has no run in the kernel session running now (a
  restart, or a kernel change, starts a new session);
- **edited**: its source changed since the run that made its outputs;
- **stale**: a name it read was assigned again by a later run, or came from
  a run that is itself stale (``stale_because`` lists the names and cells);
- **fresh**: none of these.

Only runs of the session now count, and each went through ``Marks``: it keeps
what the marks need in memory, so marking reads nothing back from the document
and writes only the cells whose mark changed, into the document's small
``marks`` map rather than into each cell's metadata (a thousand-cell chain made
stale by one run is a few milliseconds, not tens); the file has each mark in its
cell's ``metadata.interlace``, where the page also finds it for a cell with none.
Edits (by peers, agents, or a file changed on disk) are told to it, so that
"edited" is known without hashing every source on every question.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from interlace.protocol import names_of_source

if TYPE_CHECKING:
    from collections.abc import Iterable

    from interlace.collab._document import NotebookDocument
    from interlace.protocol import CellNames, JSONDict

__all__ = ["Marks", "State", "source_hash"]

State = Literal["fresh", "edited", "stale", "never_ran"]

Writer = tuple[str, int]
"""A run that assigned a name: (cell id, run number)."""


def source_hash(source: str) -> str:
    """What identifies a cell's source in its run record."""
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _stored_state(document: NotebookDocument, cell_id: str) -> Any:
    """The mark the cell's run record has from its file (``never_ran`` if none)."""
    metadata: Any = document.cell(cell_id).get("metadata")
    record = metadata.get("interlace") if isinstance(metadata, dict) else None
    return record.get("state", "never_ran") if isinstance(record, dict) else "never_ran"


@dataclass
class _Ran:
    """A cell's last run in the kernel session now, as the marks need it."""

    run: int
    source_hash: str
    reads: list[str]
    writes: list[str]
    origin: str
    """Where the names came from: "kernel" (reported) or "source" (read from it)."""
    depends_on: list[JSONDict]
    edited: bool = False
    shown: tuple[State, list[JSONDict]] | None = None
    """The mark last written into the cell (None: not yet)."""


class Marks:
    """The marks of one notebook's cells, kept from the runs of the kernel session now.

    Only runs in this session count, and every one of them went through here, so
    marking needs nothing from the document but to write the marks that changed.
    """

    def __init__(self, document: NotebookDocument) -> None:
        self.document = document
        self.session: str | None = None
        self._ran: dict[str, _Ran] = {}
        """By cell, in run order (a cell run again moves to the end)."""
        self._count = 0

    def start_session(self, session: str | None) -> None:
        """A new kernel session: no cell has run in it, every mark says so."""
        self.session, self._count = session, 0
        self._ran.clear()
        document = self.document
        with document.doc.transaction():
            marked = set(document.marks.keys())
            document.marks.clear()
            for cell_id in document.cell_ids():
                if cell_id in marked or _stored_state(document, cell_id) != "never_ran":
                    document.marks[cell_id] = {"state": "never_ran", "stale_because": []}

    def begin(self, source: str) -> JSONDict:
        """A run starts: what its record says it is computed from, so far."""
        self._count += 1
        return {"source_hash": source_hash(source), "session": self.session, "run": self._count}

    def finish(self, cell_id: str, begun: JSONDict, names: CellNames, origin: str) -> JSONDict:
        """A run ended: what else its record says it was computed from (nothing for a
        run of a session that has ended meanwhile: a restart)."""
        if begun.get("session") != self.session or "run" not in begun:
            return {}
        writers = self._writers(cell_id)
        depends: list[JSONDict] = []
        for name in names["reads"]:
            writer = writers.get(name)
            cell, run = writer if writer is not None else (None, None)
            depends.append({"name": name, "cell_id": cell, "run": run})
        self._ran.pop(cell_id, None)
        run = int(begun["run"])
        self._ran[cell_id] = _Ran(
            run, str(begun["source_hash"]), names["reads"], names["writes"], origin, depends
        )
        return {
            "reads": names["reads"],
            "writes": names["writes"],
            "names": origin,
            "depends_on": depends,
        }

    def _writers(self, skip: str | None = None) -> dict[str, Writer]:
        writers: dict[str, Writer] = {}
        for cell_id, ran in self._ran.items():
            if cell_id != skip:
                for name in ran.writes:
                    writers[name] = (cell_id, ran.run)
        return writers

    def mark(self) -> None:
        """Bring every mark up to date; only the cells whose mark changed are written."""
        document, writers = self.document, self._writers()
        because: dict[str, list[JSONDict]] = {}
        present = set(document.cells.keys())
        with document.doc.transaction():
            for cell_id, ran in list(self._ran.items()):
                if cell_id not in present:
                    del self._ran[cell_id]
                    document.marks.pop(cell_id, None)
                    continue
                reasons = because[cell_id] = _reasons(cell_id, ran, writers, because)
                if ran.shown != (_state(ran, reasons), reasons):
                    self._show(cell_id, ran, reasons)

    def edited(self, cell_ids: Iterable[str] | None = None) -> None:
        """These cells changed (None: any may have): a source that differs from its
        run's makes it edited; one changed back is what it was before."""
        for cell_id in self._ran if cell_ids is None else cell_ids:
            ran = self._ran.get(cell_id)
            if ran is None or ran.shown is None or cell_id not in self.document.cells:
                continue
            edited = source_hash(self.document.source(cell_id)) != ran.source_hash
            if edited != ran.edited:
                ran.edited = edited
                self._show(cell_id, ran, ran.shown[1])

    def state(self, cell_id: str) -> State:
        """The cell's mark now (never_ran for a cell with no run in this session)."""
        ran = self._ran.get(cell_id)
        return "never_ran" if ran is None or ran.shown is None else ran.shown[0]

    def _show(self, cell_id: str, ran: _Ran, reasons: list[JSONDict]) -> None:
        """Show the run's mark (the file has it in the cell's run record)."""
        state = _state(ran, reasons)
        self.document.marks[cell_id] = {"state": state, "stale_because": reasons}
        ran.shown = (state, reasons)

    def to_refresh(self, only_stale: bool = False) -> list[str]:
        """The code cells "Run stale" runs, in notebook order: those stale, edited or
        never run in this session (``only_stale``: those stale), and after them every
        cell that reads what they assign."""
        starting = ("stale",) if only_stale else ("stale", "edited", "never_ran")
        chosen: list[str] = []
        assigned: set[str] = set()
        for cell_id in self._code_cells():
            names = self._names_of(cell_id)
            if self.state(cell_id) in starting or assigned & set(names["reads"]):
                chosen.append(cell_id)
                assigned.update(names["writes"])
        return chosen

    def _names_of(self, cell_id: str) -> CellNames:
        """What the cell reads and assigns: as its run found, unless edited since."""
        ran = self._ran.get(cell_id)
        if ran is not None and not ran.edited:
            return {"reads": ran.reads, "writes": ran.writes}
        return names_of_source(self.document.source(cell_id))

    def describe(self) -> list[JSONDict]:
        """Every code cell's mark, and why, in notebook order (for REST and RPC)."""
        cells: list[JSONDict] = []
        for cell_id in self._code_cells():
            ran = self._ran.get(cell_id)
            cell: JSONDict = {"id": cell_id, "state": self.state(cell_id)}
            if ran is not None and ran.shown is not None:
                cell["stale_because"] = ran.shown[1]
                cell["reads"] = ran.reads
                cell["writes"] = ran.writes
                cell["names"] = ran.origin
            cells.append(cell)
        return cells

    def _code_cells(self) -> list[str]:
        document = self.document
        return [c for c in document.cell_ids() if document.cell(c).get("cell_type") == "code"]


def _state(ran: _Ran, reasons: list[JSONDict]) -> State:
    return "edited" if ran.edited else "stale" if reasons else "fresh"


def _reasons(
    cell_id: str, ran: _Ran, writers: dict[str, Writer], because: dict[str, list[JSONDict]]
) -> list[JSONDict]:
    """Why a run is stale: a name it read was assigned again by a later run of another
    cell, or came from a run that is itself stale (``because`` holds the runs before)."""
    reasons: list[JSONDict] = []
    for dependency in ran.depends_on:
        name = str(dependency["name"])
        writer = writers.get(name)
        source = dependency["cell_id"]
        if writer is not None and writer[1] > ran.run and writer[0] != cell_id:
            reasons.append({"name": name, "cell_id": writer[0], "why": "assigned again"})
        elif isinstance(source, str) and because.get(source):
            reasons.append({"name": name, "cell_id": source, "why": "from a stale cell"})
    return reasons
