"""What differs between a notebook's shared document and its file, when both changed.

When another program changes the ``.ipynb`` (a ``git pull``) while the shared
document has changes not yet saved, neither is written over the other: the
notebook holds a conflict, shown to everyone, until someone chooses which to
keep. These are the pure functions that tell, cell by cell, what differs.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Literal, TypedDict

if TYPE_CHECKING:
    from interlace.protocol import JSONDict

__all__ = ["MAX_DIFF_CHARS", "CellDifference", "Differences", "differences"]

MAX_DIFF_CHARS = 200_000
"""Characters of diff text at most in one answer; the rest is left out (``truncated``)."""

Change = Literal["only on disk", "only here", "changed"]


class CellDifference(TypedDict):
    id: str
    change: Change
    cell_type: str
    diff: str
    """A unified diff of the cell's source, from the file's to the shared one's."""


class Differences(TypedDict):
    cells: list[CellDifference]
    order_differs: bool
    """Whether the cells both have stand in another order."""
    truncated: bool


def _sources(notebook: JSONDict) -> dict[str, tuple[str, str]]:
    """cell id -> (cell type, source) in notebook order."""
    found: dict[str, tuple[str, str]] = {}
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        found[str(cell.get("id"))] = (str(cell.get("cell_type")), text)
    return found


def _diff(on_disk: str, shared: str) -> str:
    lines = difflib.unified_diff(
        on_disk.splitlines(keepends=True),
        shared.splitlines(keepends=True),
        "on disk",
        "shared",
        lineterm="",
    )
    return "".join(line if line.endswith("\n") else f"{line}\n" for line in lines)


def _difference(
    cell_id: str, disk: tuple[str, str] | None, shared: tuple[str, str] | None
) -> CellDifference | None:
    if disk == shared:
        return None
    kind = (shared or disk or ("code", ""))[0]
    change: Change = "changed"
    if disk is None or shared is None:
        change = "only here" if disk is None else "only on disk"
    diff = _diff(disk[1] if disk else "", shared[1] if shared else "")
    return CellDifference(id=cell_id, change=change, cell_type=kind, diff=diff)


def differences(shared: JSONDict, on_disk: JSONDict) -> Differences:
    """Cell by cell, what the shared document has that the file has not, and the other way."""
    ours, theirs = _sources(shared), _sources(on_disk)
    found: list[CellDifference] = []
    budget, truncated = MAX_DIFF_CHARS, False
    for cell_id in [*ours, *(c for c in theirs if c not in ours)]:
        difference = _difference(cell_id, theirs.get(cell_id), ours.get(cell_id))
        if difference is None:
            continue
        if len(difference["diff"]) > budget:
            difference["diff"], truncated = difference["diff"][:budget], True
        budget -= len(difference["diff"])
        found.append(difference)
    common = [c for c in ours if c in theirs]
    order_differs = common != [c for c in theirs if c in ours]
    return Differences(cells=found, order_differs=order_differs, truncated=truncated)
