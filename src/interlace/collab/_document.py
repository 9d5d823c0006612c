"""A notebook as a pycrdt (Yjs) document, shaped so concurrent edits cannot duplicate a cell.

Cells live in one map keyed by cell id, so a cell exists at most once whatever
people do at the same time; each cell carries a ``position`` number and the
order is by (position, id). Moving a cell changes its position; two people
moving the same cell at once end with it in one place, not two
(JupyterLab's array of cells turns a concurrent move into a duplicate,
jupyter-collaboration#594). Sources are shared text. Outputs are written by the
server, the single writer of outputs: a stream output is a map whose ``text`` is
shared text (as in jupyter_ydoc), so new stream text is an insert at its end and
costs what it adds; every other output is a JSON value.
"""

from __future__ import annotations

import copy
import math
import random
import uuid
from typing import TYPE_CHECKING, Any

from pycrdt import Array, Assoc, Doc, Map, Text

from interlace.collab._nbformat import (
    fit_attachments,
    fit_cell_metadata,
    fit_notebook_metadata,
    fit_output,
)
from interlace.collab._schema import is_cell_type, is_count, is_position
from interlace.collab._streams import MAX_STREAM_CHARS, stream_edit
from interlace.errors import BadCommand

if TYPE_CHECKING:
    from interlace.protocol import JSONDict

__all__ = ["NotebookDocument"]

_SPACING = 1024.0
_NOTEBOOK_KEYS = ("nbformat", "nbformat_minor", "metadata")


def _source(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _count(value: Any) -> int | None:
    """Yjs keeps every number as a float; nbformat wants its counts as integers (anything
    else a peer wrote is no count)."""
    return int(value) if is_count(value) else None


def _plain(output: Any) -> JSONDict:
    """An output of the document as plain JSON (a stream's shared text as a string)."""
    return (output.to_py() or {}) if isinstance(output, Map) else dict(output)


def _json(value: Any) -> Any:
    """A value of the document as plain JSON (shared text, maps and arrays converted)."""
    if isinstance(value, Text):
        return str(value)
    return value.to_py() if isinstance(value, Map | Array) else copy.deepcopy(value)


def _position(cell: Map[Any]) -> float:
    """Where a cell sorts; one a peer gave no number sorts last, until it is repaired."""
    value: Any = cell.get("position")
    return float(value) if is_position(value) else math.inf


def _persisted(output: Any) -> JSONDict | None:
    """An output as nbformat stores it (``fit_output``): plain JSON, without the transient
    display id, a count as an integer; a stream without what its bound dropped (nbformat
    gives streams no metadata: the document alone keeps the count and the link)."""
    plain = copy.deepcopy(_plain(output))
    if "execution_count" in plain:
        plain["execution_count"] = _count(plain["execution_count"])
    return fit_output(plain)


def _is_stream(output: Any, name: Any) -> bool:
    return (
        isinstance(output, dict | Map)
        and output.get("output_type") == "stream"
        and output.get("name") == name
    )


def _shared_output(output: JSONDict) -> Any:
    """An output as the document holds it: a stream as a map around shared text."""
    if output.get("output_type") != "stream":
        return copy.deepcopy(output)
    fields = {key: copy.deepcopy(value) for key, value in output.items() if key != "text"}
    fields["text"] = Text(_writable(_source(output.get("text"))))
    return Map(fields)


def _utf8_length(text: str) -> int:
    """Shared text counts its length and positions in UTF-8 bytes."""
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def _writable(text: str) -> str:
    """``text`` as shared text can hold it: a lone surrogate (broken bytes) becomes ``?``."""
    return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")


def _extend(text: Text, new: str) -> int:
    """Write ``new`` into a stream's shared text; how many characters its bound dropped.

    Only the end changes (an insert, or an edit within the last line for ``\\r``
    and ``\\b``) and the head, when a cut is due: the change is the size of ``new``.
    """
    size = len(text)  # bytes, never fewer than characters: within the bound, no cut is due
    if "\r" not in new and "\b" not in new and size + _utf8_length(new) <= MAX_STREAM_CHARS:
        if new:
            text.insert(size, new)  # the common case: nothing of the old text is read
        return 0
    existing = str(text)
    edit = stream_edit(existing, new)
    start = _utf8_length(existing[: edit.keep])
    if start < size:
        del text[start:size]
    if edit.insert:
        text.insert(start, edit.insert)
    if edit.head:
        del text[: _utf8_length(existing[: edit.head])]
    return edit.dropped


def _dropped_metadata(earlier: Any, dropped: int, full_output: str | None) -> JSONDict:
    """A stream's metadata once its bound dropped ``dropped`` more characters: their
    count, and where the whole text is kept."""
    before = int((earlier or {}).get("interlace_dropped", 0))
    metadata: JSONDict = {"interlace_dropped": before + dropped}
    if full_output is not None:
        metadata["interlace_full_output"] = full_output
    return metadata


_MARKS = ("fresh", "edited", "stale", "never_ran")


def _with_mark(metadata: JSONDict, mark: Any) -> JSONDict:
    """The cell's metadata with its mark (from the marks map) in its run record; a cell
    with no run record (never run, or its outputs cleared with it) has no mark to keep."""
    earlier = metadata.get("interlace")
    state = mark.get("state") if isinstance(mark, dict) else None
    if not isinstance(earlier, dict) or state not in _MARKS:
        return metadata
    record: JSONDict = {**earlier, "state": state}
    because = mark.get("stale_because")
    if isinstance(because, list) and because:
        record["stale_because"] = because
    else:
        record.pop("stale_because", None)
    return {**metadata, "interlace": record}


def _as_nbformat(cell_id: str, cell: Any) -> JSONDict:
    """One cell as nbformat, from the document (a shared map) or from a file (a dict): valid
    whatever a peer wrote (``_schema`` repairs the document itself), and the same for a
    file's cell and that cell once put in a document."""
    kind = cell.get("cell_type")
    metadata = cell.get("metadata")
    exported: JSONDict = {
        "id": cell_id,
        "cell_type": kind if is_cell_type(kind) else "raw",
        "metadata": fit_cell_metadata(copy.deepcopy(metadata)),
        "source": _source(cell.get("source")),
    }
    if kind == "code":
        outputs = cell.get("outputs")
        listed = outputs if isinstance(outputs, Array | list) else []
        persisted = (_persisted(o) for o in listed if isinstance(o, dict | Map))
        exported["outputs"] = [o for o in persisted if o is not None]
        exported["execution_count"] = _count(cell.get("execution_count"))
    elif (attachments := fit_attachments(_json(cell.get("attachments")))) is not None:
        exported["attachments"] = attachments  # nbformat gives code cells none
    return exported


def _client_id() -> int:
    """The server's Yjs client id: random, as Yjs makes one for every browser, but below
    2**28, where its variable-length encoding takes four bytes instead of five.

    Every update names its writer twice, so each appended stream line is two bytes
    smaller (eight against pycrdt's 53-bit default); the chance that another writer of
    the same notebook drew the same id stays below one in 250 million per writer.
    """
    return random.randrange(1 << 21, 1 << 28)


class NotebookDocument:
    """The shared document of one notebook, and the operations on it."""

    def __init__(self, doc: Doc[Any] | None = None) -> None:
        self.doc = doc if doc is not None else Doc(client_id=_client_id())
        self.cells: Map[Any] = self.doc.get("cells", type=Map)
        self.meta: Map[Any] = self.doc.get("meta", type=Map)
        self.kernel: Map[Any] = self.doc.get("kernel", type=Map)
        """What the notebook's kernel is doing, for the page: not part of the notebook file."""
        self.room: Map[Any] = self.doc.get("room", type=Map)
        """What the server tells everyone about the notebook (not part of the file): the
        writer its history started with (``base``), and notices: a disk that refuses
        writes (``storage``), a file changed on disk meanwhile (``conflict``), a peer's
        unmergeable changes kept as a copy (``recovered``)."""
        self.marks: Map[Any] = self.doc.get("marks", type=Map)
        """Each code cell's mark now (``{"state", "stale_because"}``, by cell id), kept
        beside its run record so that marking a large notebook writes little: the file
        has it in the cell's ``metadata.interlace`` (see ``_export``)."""

    # nbformat.

    @classmethod
    def from_notebook(cls, notebook: JSONDict) -> NotebookDocument:
        """Load an nbformat 4 notebook; cell ids are kept (made for cells that have none)."""
        document = cls()
        with document.doc.transaction():
            document.room["base"] = document.doc.client_id
            for key in _NOTEBOOK_KEYS:
                document.meta[key] = copy.deepcopy(
                    notebook.get(key, {} if key == "metadata" else 4)
                )
            for index, cell in enumerate(notebook.get("cells", [])):
                document._put(cell, (index + 1) * _SPACING)
        return document

    def to_notebook(self) -> JSONDict:
        """The notebook as nbformat 4, cells in order, everything the document holds."""
        notebook: JSONDict = {key: _json(self.meta.get(key)) for key in _NOTEBOOK_KEYS}
        notebook["nbformat"] = 4
        notebook["nbformat_minor"] = max(_count(notebook["nbformat_minor"]) or 5, 5)
        notebook["metadata"] = fit_notebook_metadata(notebook["metadata"])
        notebook["cells"] = [self._export(cell_id) for cell_id in self.cell_ids()]
        return notebook

    def _put(self, cell: JSONDict, position: float) -> str:
        cell_id = str(cell.get("id") or uuid.uuid4().hex[:12])
        fields: dict[str, Any] = {
            "id": cell_id,
            "cell_type": cell.get("cell_type", "code"),
            "source": Text(_source(cell.get("source"))),
            "metadata": copy.deepcopy(cell.get("metadata") or {}),
            "position": position,
        }
        if fields["cell_type"] == "code":
            fields["outputs"] = Array([_shared_output(o) for o in cell.get("outputs") or []])
            fields["execution_count"] = cell.get("execution_count")
        if "attachments" in cell:
            fields["attachments"] = copy.deepcopy(cell["attachments"])
        self.cells[cell_id] = Map(fields)
        return cell_id

    def replace_with(self, notebook: JSONDict) -> None:
        """Make the document hold ``notebook`` (a changed file), changing only what differs:
        cells by id, so a cell the file kept keeps its shared text and who is typing in it."""
        wanted = [cell for cell in notebook.get("cells", []) if isinstance(cell, dict)]
        ids = {str(cell.get("id")) for cell in wanted}
        with self.doc.transaction():
            for key in _NOTEBOOK_KEYS:
                value = notebook.get(key, {} if key == "metadata" else 4)
                if self.meta.get(key) != value:
                    self.meta[key] = copy.deepcopy(value)
            for cell_id in [cid for cid in list(self.cells.keys()) if cid not in ids]:
                del self.cells[cell_id]
            for index, cell in enumerate(wanted):
                self._replace_cell(cell, (index + 1) * _SPACING)

    def _replace_cell(self, cell: JSONDict, position: float) -> None:
        cell_id = str(cell.get("id"))
        if cell_id in self.cells and self._export(cell_id) == _as_nbformat(cell_id, cell):
            if self.cells[cell_id].get("position") != position:
                self.cells[cell_id]["position"] = position
            return
        current = self.cells.get(cell_id)
        if not isinstance(current, Map) or current.get("cell_type") != cell.get("cell_type"):
            self._put(cell, position)
            return
        source, text = _source(cell.get("source")), current["source"]
        if str(text) != source:
            del text[:]
            text.insert(0, source)
        current["metadata"] = copy.deepcopy(cell.get("metadata") or {})
        current["position"] = position
        if cell.get("cell_type") == "code":
            current["outputs"] = Array([_shared_output(o) for o in cell.get("outputs") or []])
            current["execution_count"] = cell.get("execution_count")

    def _export(self, cell_id: str) -> JSONDict:
        exported = _as_nbformat(cell_id, self.cells[cell_id])
        mark = self.marks.get(cell_id)
        if mark is not None:
            exported["metadata"] = _with_mark(exported["metadata"], mark)
        return exported

    # Cells.

    def cell_ids(self) -> list[str]:
        """Cell ids in notebook order (a value that is not a cell is no cell)."""
        cells = [(cid, cell) for cid, cell in self.cells.items() if isinstance(cell, Map)]
        return [cid for _, cid in sorted((_position(cell), cid) for cid, cell in cells)]

    def renew_id(self, cell_id: str) -> str:
        """Give cell ``cell_id`` a new id, keeping everything else; the new id."""
        cell = self._export(cell_id)
        position: Any = self.cells[cell_id].get("position")
        renewed = cell["id"] = uuid.uuid4().hex[:12]
        with self.doc.transaction():
            del self.cells[cell_id]
            self._put(cell, float(position) if is_position(position) else self.end_position())
        return renewed

    def end_position(self) -> float:
        """A position after every cell."""
        positions = [_position(cell) for cell in self.cells.values() if isinstance(cell, Map)]
        return max(positions, default=0.0) + _SPACING

    def cell(self, cell_id: str) -> Map[Any]:
        return self.cells[cell_id]  # type: ignore[no-any-return]

    def source(self, cell_id: str) -> str:
        return str(self.cell(cell_id)["source"])

    def _position_at(self, index: int, moving: str | None = None) -> float:
        order = [cid for cid in self.cell_ids() if cid != moving]
        positions = [float(self.cells[cid]["position"]) for cid in order]
        index = max(0, min(index, len(order)))
        before = (
            positions[index - 1]
            if index > 0
            else (positions[0] - 2 * _SPACING if positions else 0.0)
        )
        after = positions[index] if index < len(positions) else before + 2 * _SPACING
        middle = (before + after) / 2
        if not before < middle < after:
            self._renumber(order)
            return self._position_at(index, moving)
        return middle

    def _renumber(self, order: list[str]) -> None:
        for number, cell_id in enumerate(order, start=1):
            self.cells[cell_id]["position"] = number * _SPACING

    def insert_cell(
        self, index: int, cell_type: str = "code", source: str = "", cell_id: str | None = None
    ) -> str:
        """A new cell at ``index`` (with ``cell_id``, or a new id); returns its id."""
        with self.doc.transaction():
            position = self._position_at(index)
            return self._put({"id": cell_id, "cell_type": cell_type, "source": source}, position)

    def move_cell(self, cell_id: str, index: int) -> None:
        with self.doc.transaction():
            self.cell(cell_id)["position"] = self._position_at(index, moving=cell_id)

    def delete_cell(self, cell_id: str) -> None:
        del self.cells[cell_id]

    # Edits the server makes for a collaborator that speaks no Yjs (an agent).

    def _text(self, cell_id: str) -> Text:
        source: Any = self.cell(cell_id).get("source")
        if not isinstance(source, Text):  # repaired as soon as a peer writes one
            raise BadCommand(f"cell {cell_id!r} has no shared source to edit")
        return source

    def edit_source(self, cell_id: str, start: int, end: int, text: str) -> None:
        """Replace characters ``start:end`` of the cell's source with ``text``, as one edit
        of its shared text: what others type elsewhere in it meanwhile is kept."""
        source = self._text(cell_id)
        current = str(source)
        begin = _utf8_length(current[:start])
        stop = begin + _utf8_length(current[start:end])
        with self.doc.transaction():
            if stop > begin:
                del source[begin:stop]
            if text:
                source.insert(begin, _writable(text))

    def set_cell_type(self, cell_id: str, cell_type: str) -> None:
        """Make the cell a code, markdown or raw cell, keeping its source (and outputs, as
        the page does: the file leaves them out of other cells)."""
        cell = self.cell(cell_id)
        with self.doc.transaction():
            cell["cell_type"] = cell_type
            if cell_type == "code":
                if not isinstance(cell.get("outputs"), Array):
                    cell["outputs"] = Array([])
                if "execution_count" not in cell:
                    cell["execution_count"] = None

    def cursor_at(self, cell_id: str, index: int) -> JSONDict:
        """A Yjs relative position of character ``index`` of the cell's source, as pages put
        one in their awareness ``cursor``: it stays put while others type around it."""
        source = self._text(cell_id)
        offset = _utf8_length(str(source)[:index])
        return dict(source.sticky_index(offset, Assoc.BEFORE).to_json())

    # The notebook's kernel, as its metadata names it.

    def kernelspec(self) -> JSONDict:
        """The notebook's ``metadata.kernelspec`` ({} when it names none)."""
        metadata = _json(self.meta.get("metadata"))
        spec = metadata.get("kernelspec") if isinstance(metadata, dict) else None
        return dict(spec) if isinstance(spec, dict) else {}

    def set_kernelspec(self, name: str, display_name: str, language: str) -> None:
        """Name the notebook's kernel, as JupyterLab does when one is chosen; the
        ``language_info`` of another language goes (the kernel's own fills it again)."""
        metadata = _json(self.meta.get("metadata"))
        if not isinstance(metadata, dict):
            metadata = {}
        metadata["kernelspec"] = {"name": name, "display_name": display_name, "language": language}
        info = metadata.get("language_info")
        if not isinstance(info, dict) or info.get("name") != language:
            metadata["language_info"] = {"name": language}
        self.meta["metadata"] = metadata

    def reactive(self) -> bool:
        """Whether a run that succeeds runs the cells it made stale (the notebook's
        ``metadata.interlace.reactive``)."""
        metadata = self.meta.get("metadata")
        settings = metadata.get("interlace") if isinstance(metadata, dict) else None
        return isinstance(settings, dict) and settings.get("reactive") is True

    # The kernel, as the server sees it.

    def set_kernel_state(self, state: str) -> None:
        """One of none, starting, idle, busy, restarting, dead."""
        if self.kernel.get("state") != state:
            self.kernel["state"] = state

    def set_input_request(self, request: JSONDict | None) -> None:
        """The running cell waits for ``input()``: its id, the prompt, whether it is a password."""
        self.kernel["input"] = request

    # What the server tells everyone.

    def base(self) -> int | None:
        """The writer that made this document from its file: every peer that shares the
        document's history has its changes (None in documents from before it was noted)."""
        value: Any = self.room.get("base")
        return int(value) if is_count(value) else None

    def notice(self, key: str) -> Any:
        value = self.room.get(key)
        return value.to_py() if isinstance(value, Map | Array) else value

    def set_notice(self, key: str, value: JSONDict | str | None) -> None:
        """Show ``value`` to everyone under ``key`` (None takes it away)."""
        if self.notice(key) != value:
            self.room[key] = copy.deepcopy(value)

    # Outputs, written by the server as the kernel sends them.

    def set_execution_count(self, cell_id: str, count: int | None) -> None:
        self.cell(cell_id)["execution_count"] = count

    def shown_outputs(self, cell_id: str) -> list[JSONDict]:
        """A code cell's outputs as plain JSON, as pages show them: with what the file leaves
        out (a stream's count of dropped characters and the link to its whole text)."""
        outputs: Any = self.cell(cell_id).get("outputs")
        listed: list[Any] = list(outputs) if isinstance(outputs, Array) else []
        return [copy.deepcopy(_plain(o)) for o in listed if isinstance(o, dict | Map)]

    def clear_outputs(self, cell_id: str) -> None:
        outputs = self.cell(cell_id)["outputs"]
        with self.doc.transaction():
            del outputs[:]

    def add_output(self, cell_id: str, output: JSONDict, full_output: str | None = None) -> None:
        """Append an nbformat output; a stream continues the previous one of its name.

        A stream that outgrows its bound keeps its tail; its metadata counts what
        was dropped and names ``full_output``, where the whole text is kept.
        """
        outputs = self.cell(cell_id)["outputs"]
        with self.doc.transaction():
            if output.get("output_type") == "stream":
                self._add_stream(outputs, output, full_output)
            else:
                outputs.append(copy.deepcopy(output))

    def _add_stream(self, outputs: Array[Any], output: JSONDict, full_output: str | None) -> None:
        name, new = output.get("name"), _writable(str(output.get("text", "")))
        last: Any = outputs[len(outputs) - 1] if len(outputs) else None
        if _is_stream(last, name) and isinstance(last.get("text"), Text):
            if dropped := _extend(last["text"], new):
                last["metadata"] = _dropped_metadata(last.get("metadata"), dropped, full_output)
            return
        # A new stream, or one of another shape (plain JSON in an older document): written
        # whole once, within its bound, as shared text that later text extends.
        earlier = last if _is_stream(last, name) else None
        fields = _plain(earlier) if earlier is not None else {"output_type": "stream", "name": name}
        existing = _source(fields.get("text"))
        edit = stream_edit(existing, new)
        fields["text"] = (existing[: edit.keep] + edit.insert)[edit.head :]
        if edit.dropped:
            fields["metadata"] = _dropped_metadata(
                fields.get("metadata"), edit.dropped, full_output
            )
        if earlier is not None:
            del outputs[len(outputs) - 1]
        outputs.append(_shared_output(fields))

    def update_display(self, display_id: str, output: JSONDict) -> int:
        """Replace every output shown under ``display_id``, in every cell; how many."""
        updated = 0
        with self.doc.transaction():
            for cell_id in self.cell_ids():
                cell = self.cells[cell_id]
                if cell["cell_type"] != "code":
                    continue
                outputs = cell["outputs"]
                for index, existing in enumerate(list(outputs)):
                    shown = existing.get("transient", {}) if isinstance(existing, dict) else {}
                    if shown.get("display_id") == display_id:
                        del outputs[index]
                        outputs.insert(
                            index,
                            {
                                **existing,
                                "data": output.get("data", {}),
                                "metadata": output.get("metadata", {}),
                            },
                        )
                        updated += 1
        return updated
