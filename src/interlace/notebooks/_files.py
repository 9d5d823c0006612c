"""A notebook's files: paths under the root, the ``.ipynb`` itself, and spilled stream text.

The ``.ipynb`` is loaded checked as nbformat 4 and saved atomically, and never
overwritten behind another program's back: if it changed on disk since it was
last read or written here, saving it is a ``FileConflict`` (see
``interlace.notebooks._conflict``) until someone chooses which version to keep.

A notebook is refused only when its shape cannot be a notebook; values that
tools write off the schema (two cells with one id, a count that is not a
number, an output that is not an object) are repaired on load, each repair
logged, as nbformat repairs duplicate ids.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Protocol
from urllib.parse import quote

from interlace.collab import CELL_ID, CELL_TYPES, fit_output, is_cell_type, is_count
from interlace.errors import FileConflict, InvalidNotebook, NotFound, StorageError
from interlace.store import atomic_write

__all__ = [
    "CELL_TYPES",
    "FileDigests",
    "FileSpill",
    "NotebookFile",
    "remove_stale_temporaries",
    "repair_notebook",
    "resolve",
    "sweep_temporaries",
    "validate_notebook",
]

log = logging.getLogger("interlace.notebooks")

_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.tmp$")
"""``atomic_write``'s temporary file beside its target."""

SERVER_STATE = ".interlace"
"""The folder under the root where the server keeps its own state."""


def resolve(root: Path, path: str) -> Path:
    """The file for API path ``path`` under ``root``; NotFound if it would leave the root."""
    relative = PurePosixPath(path.strip("/"))
    if relative.is_absolute() or ".." in relative.parts or "\0" in path:
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
        if not isinstance(cell, dict) or not is_cell_type(cell.get("cell_type")):
            raise refuse(f"cell {index} has no valid cell_type")
        if not isinstance(cell.get("source"), str | list) or not isinstance(
            cell.get("metadata"), dict
        ):
            raise refuse(f"cell {index} needs source and metadata")
        if cell["cell_type"] == "code" and not isinstance(cell.get("outputs"), list):
            raise refuse(f"code cell {index} needs an outputs list")


def _repair_code_cell(cell: dict[str, Any], where: str, repairs: list[str]) -> None:
    count = cell.get("execution_count")
    if count is not None and not is_count(count):
        repairs.append(f"{where}: execution_count {count!r} is not a number; cleared")
        cell["execution_count"] = None
    outputs = [fit_output(output) for output in cell["outputs"]]
    if None in outputs:
        repairs.append(f"{where}: dropped {outputs.count(None)} outputs that are not outputs")
    cell["outputs"] = [output for output in outputs if output is not None]


def repair_notebook(notebook: dict[str, Any]) -> list[str]:
    """Repair, in place, what a valid-looking notebook holds off the schema; what was done.

    A cell without an id, or with one that is not an nbformat id or that an
    earlier cell already has, gets a new one.
    """
    repairs: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(notebook["cells"]):
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or not CELL_ID.match(cell_id) or cell_id in seen:
            if cell_id is not None:
                repairs.append(f"cell {index}: id {cell_id!r} is not unique or not an id; renewed")
            cell_id = cell["id"] = uuid.uuid4().hex[:12]
        seen.add(cell_id)
        if cell["cell_type"] == "code":
            _repair_code_cell(cell, f"cell {index}", repairs)
    return repairs


def remove_stale_temporaries(folder: Path) -> int:
    """Remove the temporary files that interrupted atomic saves left in ``folder``."""
    removed = 0
    try:
        entries = list(folder.iterdir())
    except OSError:
        return 0
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match is None or _alive(int(match["pid"])) or not entry.is_file():
            continue
        try:
            entry.unlink()
        except OSError as exc:
            log.warning("could not remove the stale temporary file %s: %s", entry, exc)
            continue
        log.info("removed %s, left by an interrupted save", entry)
        removed += 1
    return removed


MAX_SWEPT_FOLDERS = 10_000
"""Folders the start-up sweep looks in at most (a root may be a whole home directory)."""


def sweep_temporaries(root: Path, max_folders: int = MAX_SWEPT_FOLDERS) -> int:
    """Remove the temporaries interrupted saves left anywhere under ``root`` (in at most
    ``max_folders`` folders, dot-folders and the server's own state passed over); how many."""
    removed, folders = 0, [root]
    for _ in range(max_folders):
        if not folders:
            break
        folder = folders.pop()
        removed += remove_stale_temporaries(folder)
        with contextlib.suppress(OSError):
            folders.extend(
                entry
                for entry in folder.iterdir()
                if not entry.name.startswith(".") and entry.is_dir() and not entry.is_symlink()
            )
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class FileDigests(Protocol):
    """Where the digest of what a notebook's file last held is kept (the recordings)."""

    def file_digests(self, path: str) -> set[str]: ...

    def writing_file(self, path: str, digest: str) -> None: ...

    def file_is(self, path: str, digest: str) -> None: ...


def _serialized(notebook: dict[str, Any]) -> bytes:
    """A notebook as Jupyter writes it (one space of indent, a final new line)."""
    return (json.dumps(notebook, indent=1) + "\n").encode("utf-8")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class NotebookFile:
    """The ``.ipynb`` behind an open notebook.

    With ``digests``, what it last read or wrote is remembered across restarts, so
    a file changed by someone else while the server was down is told from the
    server's own last save (``changed_elsewhere``). The digest of a save is noted
    before the file is written, so a crash in between still recognises it.
    """

    def __init__(self, target: Path, path: str, digests: FileDigests | None = None) -> None:
        if target.suffix != ".ipynb":
            raise InvalidNotebook(f"{path} is not a notebook")
        self.target = target
        self.path = path
        self.digests = digests
        self.seen = self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.target.stat()
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def seen_changed(self) -> bool:
        """Whether the file's time or size differs from when it was last read or written
        here (cheap: a look at its stat)."""
        stamp = self._stamp()
        return stamp is not None and stamp != self.seen

    def changed_elsewhere(self) -> bool:
        """Whether the file holds content the server neither read nor wrote last. With
        nothing remembered yet (a log from before digests), what is there now becomes
        what was seen."""
        if self.digests is None:
            return False
        try:
            current = _digest(self.target.read_bytes())
        except FileNotFoundError:
            return False
        known = self.digests.file_digests(self.path)
        if not known:
            self.digests.file_is(self.path, current)
        changed = bool(known) and current not in known
        if not changed:  # touched, not changed: no need to read it again until it is
            self.seen = self._stamp()
        return changed

    def load(self) -> dict[str, Any]:
        """The notebook on disk, checked; NotFound or InvalidNotebook."""
        try:
            data = self.target.read_bytes()
            notebook = json.loads(data.decode("utf-8"))
        except FileNotFoundError:
            raise NotFound(f"no notebook {self.path}") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidNotebook(f"{self.path} is not valid JSON: {exc}") from exc
        validate_notebook(notebook)
        for repair in repair_notebook(notebook):
            log.warning("%s: %s", self.path, repair)
        self.seen = self._stamp()
        if self.digests is not None:
            try:
                self.digests.file_is(self.path, _digest(data))
            except StorageError as exc:  # then it looks changed elsewhere, and is read again
                log.warning("%s: %s", self.path, exc)
        return dict(notebook)

    def keep_copy(self, notebook: dict[str, Any] | bytes, label: str = "recovered") -> str:
        """Write ``notebook`` (or a file's bytes) beside this one as
        ``<name>.<label>-<time>.ipynb``, never over a file; its API path."""
        data = notebook if isinstance(notebook, bytes) else _serialized(notebook)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        for attempt in range(1, 100):
            suffix = "" if attempt == 1 else f"-{attempt}"
            name = f"{self.target.stem}.{label}-{stamp}{suffix}.ipynb"
            target = self.target.with_name(name)
            if target.exists():
                continue
            atomic_write(target, data)
            parent = PurePosixPath(self.path).parent
            return name if str(parent) == "." else f"{parent}/{name}"
        raise InvalidNotebook(f"no free name for a copy of {self.path}")

    def saved_as(self, notebook: dict[str, Any]) -> bool:
        """Whether ``notebook`` is what the server last wrote to the file (so a document
        that exports as it has no unsaved changes)."""
        if self.digests is None:
            return False
        return _digest(_serialized(notebook)) in self.digests.file_digests(self.path)

    def save(self, notebook: dict[str, Any], over_changes: bool = False) -> None:
        """Write ``notebook`` to the file; FileConflict if another program changed the file
        since it was last read or written here (unless ``over_changes``)."""
        data = _serialized(notebook)
        if not over_changes and self.seen_changed() and self.changed_elsewhere():
            raise FileConflict(f"{self.path} changed on disk since it was last saved")
        digest = _digest(data)
        if self.digests is not None:
            self.digests.writing_file(self.path, digest)
        atomic_write(self.target, data)
        self.seen = self._stamp()
        if self.digests is not None:
            self.digests.file_is(self.path, digest)


def _file_name(text: str) -> str:
    """A name for ``text`` that is safe as a file name whatever ``text`` holds."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


class FileSpill:
    """Streams kept whole in ``.interlace/outputs/`` under the root, fetched read-only from
    ``/api/notebooks/{path}/outputs/{file}`` (the server's state is never served as contents).

    Files are named by a hash of the notebook's path and of the cell id, never
    by the id itself: a collaborator chooses cell ids.
    """

    def __init__(self, root: Path, notebook: str) -> None:
        self.root = root
        self.notebook = notebook
        self.folder = f"{SERVER_STATE}/outputs/{_file_name(notebook)}"

    def _name(self, cell_id: str, name: str) -> str:
        return f"{_file_name(cell_id)}-{name}.txt"

    def _path(self, cell_id: str, name: str) -> str:
        return f"{self.folder}/{self._name(cell_id, name)}"

    def start(self, cell_id: str) -> None:
        for name in ("stdout", "stderr"):
            resolve(self.root, self._path(cell_id, name)).unlink(missing_ok=True)

    def append(self, cell_id: str, name: str, text: str) -> str:
        path = self._path(cell_id, name)
        target = resolve(self.root, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as file:
            file.write(text)
        return f"/api/notebooks/{quote(self.notebook)}/outputs/{self._name(cell_id, name)}"
