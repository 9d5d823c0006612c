"""What a notebook's shared document may hold, and the repair of what a peer wrote off it.

Any collaborator can write a value that is valid Yjs but not a notebook: a cell
that is a string, a position that is not a number, outputs that are not a
list. The room repairs such values as soon as the update that brought them is
applied — only in the cells that update touched, so the cost follows the change
— and tells that peer. What a repair sets is always a valid nbformat value.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from pycrdt import Array, Map, Text

if TYPE_CHECKING:
    from interlace.collab._document import NotebookDocument

__all__ = [
    "CELL_ID",
    "CELL_TYPES",
    "OUTPUT_TYPES",
    "is_cell_type",
    "is_count",
    "is_output_type",
    "is_position",
    "repair_cell",
    "repair_meta",
]

CELL_TYPES = frozenset({"code", "markdown", "raw"})
CELL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
"""nbformat 4.5's cell id: never a path."""
OUTPUT_TYPES = frozenset({"stream", "display_data", "execute_result", "error"})


def is_position(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def is_count(value: Any) -> bool:
    """An execution count as Yjs carries one: a whole, non-negative number."""
    return is_position(value) and float(value).is_integer() and value >= 0


def is_cell_type(value: Any) -> bool:
    """One of nbformat's cell types (a peer or a file may put any value there, lists too)."""
    return isinstance(value, str) and value in CELL_TYPES


def is_output_type(value: Any) -> bool:
    return isinstance(value, str) and value in OUTPUT_TYPES


def _is_output(value: Any) -> bool:
    return isinstance(value, dict | Map) and is_output_type(value.get("output_type"))


def _repair_outputs(cell: Map[Any]) -> list[str]:
    outputs = cell.get("outputs")
    if not isinstance(outputs, Array):
        cell["outputs"] = Array([])
        return ["outputs that are not a list"]
    bad = [index for index, output in enumerate(outputs) if not _is_output(output)]
    for index in reversed(bad):
        del outputs[index]
    return [f"{len(bad)} outputs that are not outputs"] if bad else []


def _repair_code(cell: Map[Any]) -> list[str]:
    problems = _repair_outputs(cell)
    count = cell.get("execution_count")
    if count is not None and not is_count(count):
        cell["execution_count"] = None
        problems.append(f"an execution count of {count!r}")
    return problems


def _repair_fields(document: NotebookDocument, cell_id: str, cell: Map[Any]) -> list[str]:
    problems: list[str] = []
    if cell.get("id") != cell_id:
        cell["id"] = cell_id
        problems.append("an id that is not its key")
    if not is_cell_type(cell.get("cell_type")):
        problems.append(f"a cell type of {cell.get('cell_type')!r}")
        cell["cell_type"] = "raw"
    source = cell.get("source")
    if not isinstance(source, Text):
        cell["source"] = Text(source if isinstance(source, str) else "")
        problems.append("a source that is not text")
    metadata = cell.get("metadata")
    if not isinstance(metadata, dict):
        # A shared map is kept as the object it holds; anything else cannot be metadata.
        cell["metadata"] = metadata.to_py() or {} if isinstance(metadata, Map) else {}
        problems.append("metadata that is not an object")
    if not is_position(cell.get("position")):
        cell["position"] = document.end_position()
        problems.append("a position that is not a number")
    if "attachments" in cell and not isinstance(cell["attachments"], dict):
        del cell["attachments"]
        problems.append("attachments that are not an object")
    if cell["cell_type"] == "code":
        problems.extend(_repair_code(cell))
    return problems


def repair_cell(document: NotebookDocument, cell_id: str) -> list[str]:
    """Make cell ``cell_id`` a valid cell again, or remove what cannot be one; what was wrong."""
    if cell_id not in document.cells:
        return []
    cell = document.cells[cell_id]
    if not isinstance(cell, Map):
        del document.cells[cell_id]
        return [f"cell {cell_id!r} was not a cell and was removed"]
    if not CELL_ID.match(cell_id):
        renewed = document.renew_id(cell_id)
        return [f"cell {cell_id!r} had an id that is not an nbformat id; it is now {renewed!r}"]
    return [
        f"cell {cell_id!r} had {problem}" for problem in _repair_fields(document, cell_id, cell)
    ]


def repair_meta(document: NotebookDocument) -> list[str]:
    """Make the notebook's own fields valid again; what was wrong."""
    meta, problems = document.meta, []
    if meta.get("nbformat") != 4:
        meta["nbformat"] = 4
        problems.append("the notebook had an nbformat other than 4")
    if not is_count(meta.get("nbformat_minor")):
        meta["nbformat_minor"] = 5
        problems.append("the notebook had an nbformat_minor that is not a number")
    if not isinstance(meta.get("metadata"), dict):
        meta["metadata"] = {}
        problems.append("the notebook had metadata that is not an object")
    return problems
