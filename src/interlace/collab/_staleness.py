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

Marking reads every record once and writes only the cells whose mark changed.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, Literal

from interlace.collab._schema import is_count
from interlace.protocol import names_of_source

if TYPE_CHECKING:
    from collections.abc import Iterable

    from interlace.collab._document import NotebookDocument
    from interlace.protocol import CellNames, JSONDict

__all__ = [
    "State",
    "cells_to_refresh",
    "depends_on",
    "describe",
    "mark_cells",
    "mark_edited",
    "source_hash",
    "state_of",
]

State = Literal["fresh", "edited", "stale", "never_ran"]

Writer = tuple[str, int]
"""A run that assigned a name: (cell id, run number)."""


def source_hash(source: str) -> str:
    """What identifies a cell's source in its run record."""
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _record(document: NotebookDocument, cell_id: str) -> JSONDict:
    metadata: Any = document.cell(cell_id).get("metadata")
    record = metadata.get("interlace") if isinstance(metadata, dict) else None
    return dict(record) if isinstance(record, dict) else {}


def _runs(document: NotebookDocument, session: str | None) -> list[tuple[str, JSONDict]]:
    """The code cells whose last finished run was in ``session``, in run order."""
    if session is None:
        return []
    found = []
    for cell_id in document.cell_ids():
        record = _record(document, cell_id)
        ran = is_count(record.get("run")) and "finished" in record
        if ran and record.get("session") == session:
            found.append((cell_id, record))
    found.sort(key=lambda item: int(item[1]["run"]))
    return found


def _names(record: JSONDict, key: str) -> list[str]:
    names = record.get(key)
    return [str(n) for n in names] if isinstance(names, list) else []


def _last_writers(runs: Iterable[tuple[str, JSONDict]]) -> dict[str, Writer]:
    writers: dict[str, Writer] = {}
    for cell_id, record in runs:
        for name in _names(record, "writes"):
            writers[name] = (cell_id, int(record["run"]))
    return writers


def depends_on(
    document: NotebookDocument, cell_id: str, session: str | None, reads: list[str]
) -> list[JSONDict]:
    """For each name in ``reads``, the run of another cell that last assigned it
    (``cell_id`` None when no run in this session did)."""
    others = [(c, r) for c, r in _runs(document, session) if c != cell_id]
    writers = _last_writers(others)
    found: list[JSONDict] = []
    for name in reads:
        writer = writers.get(name)
        found.append(
            {"name": name, "cell_id": writer[0], "run": writer[1]}
            if writer
            else {"name": name, "cell_id": None, "run": None}
        )
    return found


def _staleness(runs: list[tuple[str, JSONDict]]) -> dict[str, list[JSONDict]]:
    """Why each run of ``runs`` (in run order) is stale; empty lists for those that are not."""
    writers = _last_writers(runs)
    because: dict[str, list[JSONDict]] = {}
    for cell_id, record in runs:
        run = int(record["run"])
        reasons: list[JSONDict] = []
        dependencies = record.get("depends_on")
        for dependency in dependencies if isinstance(dependencies, list) else []:
            if not isinstance(dependency, dict):
                continue
            name = str(dependency.get("name"))
            writer = writers.get(name)
            if writer is not None and writer[1] > run and writer[0] != cell_id:
                reasons.append({"name": name, "cell_id": writer[0], "why": "assigned again"})
            elif dependency.get("cell_id") in because and because[str(dependency["cell_id"])]:
                source = str(dependency["cell_id"])
                reasons.append({"name": name, "cell_id": source, "why": "from a stale cell"})
        because[cell_id] = reasons
    return because


def state_of(document: NotebookDocument, cell_id: str, session: str | None) -> State:
    """The cell's mark now (a code cell's; other cells are never marked)."""
    record = _record(document, cell_id)
    if session is None or record.get("session") != session or "finished" not in record:
        return "never_ran"
    if record.get("source_hash") != source_hash(document.source(cell_id)):
        return "edited"
    return "stale" if record.get("stale_because") else "fresh"


def mark_cells(document: NotebookDocument, session: str | None) -> list[str]:
    """Write every code cell's mark into its run record; the cells whose mark changed."""
    because = _staleness(_runs(document, session))
    changed = []
    with document.doc.transaction():
        for cell_id in document.cell_ids():
            record = _record(document, cell_id)
            if not record:
                continue
            marked = {**record, "stale_because": because.get(cell_id, [])}
            marked["state"] = "never_ran"
            if cell_id in because:
                marked["state"] = "edited"
                if record.get("source_hash") == source_hash(document.source(cell_id)):
                    marked["state"] = "stale" if marked["stale_because"] else "fresh"
            if not marked["stale_because"]:
                del marked["stale_because"]
            if marked != record:
                _write(document, cell_id, marked)
                changed.append(cell_id)
    return changed


def mark_edited(document: NotebookDocument, cell_ids: Iterable[str], session: str | None) -> None:
    """Cells whose source changed: each is edited, or back to what its record says."""
    for cell_id in cell_ids:
        if cell_id not in document.cells:
            continue
        record = _record(document, cell_id)
        if record.get("state") not in ("fresh", "stale", "edited"):
            continue
        state = state_of(document, cell_id, session)
        if state != record.get("state"):
            _write(document, cell_id, {**record, "state": state})


def _write(document: NotebookDocument, cell_id: str, record: JSONDict) -> None:
    cell = document.cell(cell_id)
    metadata: Any = cell.get("metadata")
    cell["metadata"] = {**(metadata if isinstance(metadata, dict) else {}), "interlace": record}


def cells_to_refresh(
    document: NotebookDocument, session: str | None, only_stale: bool = False
) -> list[str]:
    """The code cells "Run stale" runs, in notebook order: those stale, edited or never
    run in this session (``only_stale``: those stale), and after them every cell that
    reads what they assign."""
    starting: tuple[State, ...] = ("stale",) if only_stale else ("stale", "edited", "never_ran")
    chosen: list[str] = []
    assigned: set[str] = set()
    for cell_id in document.cell_ids():
        if document.cell(cell_id).get("cell_type") != "code":
            continue
        names = _cell_names(document, cell_id)
        if state_of(document, cell_id, session) in starting or assigned & set(names["reads"]):
            chosen.append(cell_id)
            assigned.update(names["writes"])
    return chosen


def _cell_names(document: NotebookDocument, cell_id: str) -> CellNames:
    """What the cell reads and assigns: from its last run if its source is the same,
    else from its source."""
    record = _record(document, cell_id)
    source = document.source(cell_id)
    if record.get("source_hash") == source_hash(source) and "reads" in record:
        return {"reads": _names(record, "reads"), "writes": _names(record, "writes")}
    return names_of_source(source)


def describe(document: NotebookDocument, session: str | None) -> list[JSONDict]:
    """Every code cell's mark, and why, in notebook order (for REST and RPC)."""
    cells: list[JSONDict] = []
    for cell_id in document.cell_ids():
        if document.cell(cell_id).get("cell_type") != "code":
            continue
        record = _record(document, cell_id)
        state = state_of(document, cell_id, session)
        cell: JSONDict = {"id": cell_id, "state": state}
        if state != "never_ran":
            cell["stale_because"] = record.get("stale_because") or []
            cell["reads"] = _names(record, "reads")
            cell["writes"] = _names(record, "writes")
            cell["names"] = record.get("names", "source")
        cells.append(cell)
    return cells
