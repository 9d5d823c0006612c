"""A notebook's files: paths under the root, the ``.ipynb`` itself, and spilled stream text.

The ``.ipynb`` is loaded checked as nbformat 4 and saved atomically, and never
overwritten behind another program's back: if it changed on disk since it was
last read or written here, the shared version goes to
``<name>.interlace-conflict.ipynb`` beside it, for a person to merge.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path, PurePosixPath
from typing import Any

from interlace.errors import InvalidNotebook, NotFound
from interlace.store import atomic_write

__all__ = ["CELL_TYPES", "FileSpill", "NotebookFile", "resolve", "validate_notebook"]

log = logging.getLogger("interlace.notebooks")

CELL_TYPES = frozenset({"code", "markdown", "raw"})

SERVER_STATE = ".interlace"
"""The folder under the root where the server keeps its own state."""


def resolve(root: Path, path: str) -> Path:
    """The file for API path ``path`` under ``root``; NotFound if it would leave the root."""
    relative = PurePosixPath(path.strip("/"))
    if relative.is_absolute() or ".." in relative.parts:
        raise NotFound(f"no such path: {path}")
    target = (root / relative).resolve()
    if target != root and root not in target.parents:
        raise NotFound(f"no such path: {path}")
    return target


def validate_notebook(notebook: Any) -> None:
    """Raise InvalidNotebook unless ``notebook`` has the shape of an nbformat 4 notebook."""

    def refuse(why: str) -> InvalidNotebook:
        return InvalidNotebook(f"not a valid nbformat 4 notebook: {why}")

    if not isinstance(notebook, dict):
        raise refuse("not a JSON object")
    if notebook.get("nbformat") != 4 or not isinstance(notebook.get("nbformat_minor"), int):
        raise refuse("nbformat must be 4 with an integer nbformat_minor")
    if not isinstance(notebook.get("metadata"), dict) or not isinstance(
        notebook.get("cells"), list
    ):
        raise refuse("metadata must be an object and cells a list")
    for index, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in CELL_TYPES:
            raise refuse(f"cell {index} has no valid cell_type")
        if not isinstance(cell.get("source"), str | list) or not isinstance(
            cell.get("metadata"), dict
        ):
            raise refuse(f"cell {index} needs source and metadata")
        if cell["cell_type"] == "code" and not isinstance(cell.get("outputs"), list):
            raise refuse(f"code cell {index} needs an outputs list")


class NotebookFile:
    """The ``.ipynb`` behind an open notebook."""

    def __init__(self, target: Path, path: str) -> None:
        if target.suffix != ".ipynb":
            raise InvalidNotebook(f"{path} is not a notebook")
        self.target = target
        self.path = path
        self.seen = self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.target.stat()
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def load(self) -> dict[str, Any]:
        """The notebook on disk, checked; NotFound or InvalidNotebook."""
        try:
            notebook = json.loads(self.target.read_text("utf-8"))
        except FileNotFoundError:
            raise NotFound(f"no notebook {self.path}") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidNotebook(f"{self.path} is not valid JSON: {exc}") from exc
        validate_notebook(notebook)
        return dict(notebook)

    def save(self, notebook: dict[str, Any]) -> None:
        data = (json.dumps(notebook, indent=1) + "\n").encode("utf-8")
        if self._stamp() not in (self.seen, None):
            conflict = self.target.with_name(f"{self.target.stem}.interlace-conflict.ipynb")
            atomic_write(conflict, data)
            log.warning("%s changed on disk; the shared version went to %s", self.target, conflict)
            return
        atomic_write(self.target, data)
        self.seen = self._stamp()


class FileSpill:
    """Streams kept whole in ``.interlace/outputs/`` under the root, fetched through contents."""

    def __init__(self, root: Path, notebook: str) -> None:
        self.root = root
        self.folder = f"{SERVER_STATE}/outputs/{notebook.replace('/', '__')}"

    def _path(self, cell_id: str, name: str) -> str:
        return f"{self.folder}/{cell_id}-{name}.txt"

    def start(self, cell_id: str) -> None:
        for name in ("stdout", "stderr"):
            resolve(self.root, self._path(cell_id, name)).unlink(missing_ok=True)

    def append(self, cell_id: str, name: str, text: str) -> str:
        path = self._path(cell_id, name)
        target = resolve(self.root, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as file:
            file.write(text)
        return f"/api/contents/{path}"
