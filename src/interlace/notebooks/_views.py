"""Each open notebook's cells as agents read them, kept cell by cell as the document changes.

Reading a cell out of the shared document costs far more than keeping what was
read (every shared text and map read is a call into the CRDT), and an agent
reads the same notebook again and again while few cells change in between. So
each cell's view is kept until a change touches that cell (its source, outputs,
run record, position), and a read rebuilds only those: cost follows what changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from interlace.notebooks._cells import CellView, cell_view

if TYPE_CHECKING:
    from collections.abc import Container

    from interlace.collab import NotebookDocument

__all__ = ["CellViews"]


class _Kept:
    """The views of one document's cells, each dropped when a change touches its cell."""

    def __init__(self, document: NotebookDocument) -> None:
        self.document = document
        self.views: dict[str, CellView] = {}
        self._subscription = document.cells.observe_deep(self._changed)

    def _changed(self, events: list[Any]) -> None:
        for event in events:
            path = list(event.path)
            touched = [path[0]] if path else list(getattr(event, "keys", None) or {})
            for cell_id in touched:
                self.views.pop(str(cell_id), None)

    def view(self, cell_id: str) -> CellView:
        found = self.views.get(cell_id)
        if found is None:
            found = self.views[cell_id] = cell_view(self.document, cell_id)
        return found

    def close(self) -> None:
        self.document.cells.unobserve(self._subscription)


class CellViews:
    """Cell views of the open notebooks, by path."""

    def __init__(self) -> None:
        self._kept: dict[str, _Kept] = {}

    def cells(self, path: str, document: NotebookDocument, outputs: bool = True) -> list[CellView]:
        """Every cell of ``document`` (the notebook at ``path``) in order, as agents read it."""
        kept = self._kept.get(path)
        if kept is None or kept.document is not document:  # first read, or opened anew
            if kept is not None:
                kept.close()
            kept = self._kept[path] = _Kept(document)
        with document.doc.transaction():
            views = [kept.view(cell_id) for cell_id in document.cell_ids()]
        copies = [CellView(**view) for view in views]  # a caller may add to its own
        if not outputs:
            for copy in copies:
                copy.pop("outputs", None)
        return copies

    def prune(self, open_paths: Container[str]) -> None:
        """Forget the views of notebooks that are no longer open."""
        for path in [path for path in self._kept if path not in open_paths]:
            self._kept.pop(path).close()
