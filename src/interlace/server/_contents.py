"""/api/contents: files, directories and notebooks under the root directory.

Same paths and JSON models as Jupyter Server. Paths are relative to the root and
can never leave it; hidden files and the server's own state are not shown
(``_hidden``); notebooks are checked to be nbformat 4 before they are written;
every write is atomic; one checkpoint per file lives in ``.ipynb_checkpoints/``
as Jupyter keeps it.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from interlace.errors import NotFound
from interlace.notebooks import validate_notebook
from interlace.server._hidden import HiddenFiles
from interlace.server._requests import RequestError
from interlace.store import atomic_write

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = ["Contents"]

CHECKPOINTS = ".ipynb_checkpoints"
CHECKPOINT_ID = "checkpoint"


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Contents:
    """The contents API over one root directory."""

    root: Path
    allow_hidden: bool = False

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        self.hidden = HiddenFiles(self.root, self.allow_hidden)

    # Paths.

    def resolve(self, path: str) -> Path:
        """The file for API path ``path``; NotFound if it would leave the root or is hidden."""
        return self.hidden.resolve(path)

    def _shown(self, folder: Path) -> Iterator[dict[str, Any]]:
        """The models of what ``folder`` holds that may be shown (hidden entries and broken
        or outward links left out)."""
        for entry in sorted(folder.iterdir()):
            path = self._api_path(entry)
            try:
                if not self.hidden.hides(path, entry.resolve()):
                    yield self.get(path, content=False)
            except (NotFound, RequestError, OSError):
                continue

    def _api_path(self, target: Path) -> str:
        return target.relative_to(self.root).as_posix() if target != self.root else ""

    # Models.

    def get(
        self, path: str, content: bool = True, type_: str | None = None, format_: str | None = None
    ) -> dict[str, Any]:
        target = self.resolve(path)
        if not target.exists():
            raise RequestError(404, f"no such file or directory: {path}")
        if target.is_dir():
            if type_ not in (None, "directory"):
                raise RequestError(400, f"{path} is a directory, not a {type_}")
            model = self._directory(target, content)
        elif type_ == "directory":
            raise RequestError(400, f"{path} is not a directory")
        elif type_ == "notebook" or (type_ is None and target.suffix == ".ipynb"):
            model = self._notebook(target, content)
        else:
            model = self._file(target, content, format_)
        # A symbolic link is shown under its own name, not its target's.
        asked = "/".join(PurePosixPath(path.strip("/")).parts)
        model.update(path=asked, name=asked.rpartition("/")[2])
        return model

    def _base(self, target: Path, kind: str) -> dict[str, Any]:
        stat = target.stat()
        return {
            "name": target.name if target != self.root else "",
            "path": self._api_path(target),
            "type": kind,
            "writable": True,
            "created": _iso(stat.st_ctime),
            "last_modified": _iso(stat.st_mtime),
            "mimetype": None,
            "content": None,
            "format": None,
            "size": stat.st_size if kind != "directory" else None,
        }

    def _directory(self, target: Path, content: bool) -> dict[str, Any]:
        model = self._base(target, "directory")
        if content:
            model["content"] = list(self._shown(target))
            model["format"] = "json"
        return model

    def _notebook(self, target: Path, content: bool) -> dict[str, Any]:
        model = self._base(target, "notebook")
        if content:
            try:
                notebook = json.loads(target.read_text("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise RequestError(400, f"{model['path']} is not valid JSON: {exc}") from exc
            validate_notebook(notebook)
            model.update(content=notebook, format="json", mimetype=None)
        return model

    def _file(self, target: Path, content: bool, format_: str | None) -> dict[str, Any]:
        model = self._base(target, "file")
        model["mimetype"] = mimetypes.guess_type(target.name)[0] or "text/plain"
        if content:
            data = target.read_bytes()
            if format_ != "base64":
                try:
                    model.update(content=data.decode("utf-8"), format="text")
                    return model
                except UnicodeDecodeError:
                    if format_ == "text":
                        raise RequestError(400, f"{model['path']} is not UTF-8 text") from None
            model.update(
                content=base64.b64encode(data).decode("ascii"),
                format="base64",
                mimetype=model["mimetype"] if format_ else "application/octet-stream",
            )
        return model

    # Writing.

    def save(self, path: str, model: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Write a model; returns the new model (without content) and whether it was created."""
        target = self.resolve(path)
        created = not target.exists()
        kind = model.get("type")
        if kind == "directory":
            if not target.parent.is_dir():
                raise RequestError(404, f"no directory {self._api_path(target.parent)!r}")
            target.mkdir(parents=False, exist_ok=True)
        elif kind == "notebook":
            validate_notebook(model.get("content"))
            data = json.dumps(model["content"], indent=1, ensure_ascii=False) + "\n"
            self._write(target, data.encode("utf-8"))
        elif kind == "file":
            self._write(target, self._file_bytes(model))
        else:
            raise RequestError(400, f"unknown content type {kind!r}")
        return self.get(path, content=False), created

    def _file_bytes(self, model: dict[str, Any]) -> bytes:
        content = model.get("content")
        if not isinstance(content, str):
            raise RequestError(400, "file content must be a string")
        if model.get("format") == "base64":
            try:
                return base64.b64decode(content, validate=True)
            except ValueError as exc:
                raise RequestError(400, f"bad base64 content: {exc}") from exc
        return content.encode("utf-8")

    def _write(self, target: Path, data: bytes) -> None:
        if not target.parent.is_dir():
            raise RequestError(404, f"no directory {self._api_path(target.parent)!r}")
        atomic_write(target, data)

    def new_untitled(self, directory: str, kind: str, ext: str = "") -> dict[str, Any]:
        folder = self.resolve(directory)
        if not folder.is_dir():
            raise RequestError(404, f"no such directory: {directory}")
        stem, suffix = {
            "notebook": ("Untitled", ".ipynb"),
            "directory": ("Untitled Folder", ""),
        }.get(kind, ("untitled", ext or ".txt"))
        target = self._free_name(folder, stem, suffix, " " if kind == "directory" else "")
        path = self._api_path(target)
        if kind == "notebook":
            empty = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
            return self.save(path, {"type": "notebook", "content": empty})[0]
        if kind == "directory":
            return self.save(path, {"type": "directory"})[0]
        return self.save(path, {"type": "file", "format": "text", "content": ""})[0]

    def copy(self, source: str, directory: str) -> dict[str, Any]:
        origin = self.resolve(source)
        if not origin.is_file():
            raise RequestError(404, f"no such file: {source}")
        folder = self.resolve(directory)
        target = self._free_name(folder, f"{origin.stem}-Copy", origin.suffix, "", first=1)
        atomic_write(target, origin.read_bytes())
        return self.get(self._api_path(target), content=False)

    @staticmethod
    def _free_name(folder: Path, stem: str, suffix: str, separator: str, first: int = 0) -> Path:
        """Jupyter's naming: Untitled.ipynb, Untitled1.ipynb...; nb-Copy1.ipynb, nb-Copy2..."""
        number = first
        while True:
            counter = f"{separator}{number}" if number else ""
            candidate = folder / f"{stem}{counter}{suffix}"
            if not candidate.exists():
                return candidate
            number += 1

    def rename(self, path: str, new_path: str) -> dict[str, Any]:
        source, target = self.resolve(path), self.resolve(new_path)
        if source == self.root or target == self.root:
            raise RequestError(400, "the root directory cannot be renamed or replaced")
        if not source.exists():
            raise RequestError(404, f"no such file or directory: {path}")
        if target.exists():
            raise RequestError(409, f"{new_path} already exists")
        if not target.parent.is_dir():
            raise RequestError(404, f"no directory {self._api_path(target.parent)!r}")
        source.rename(target)
        return self.get(new_path, content=False)

    def delete(self, path: str) -> None:
        target = self.resolve(path)
        if target == self.root:
            raise RequestError(400, "the root directory cannot be deleted")
        if not target.exists():
            raise RequestError(404, f"no such file or directory: {path}")
        if target.is_dir():
            if any(p.name != CHECKPOINTS for p in target.iterdir()):
                raise RequestError(400, f"directory {path} is not empty")
            shutil.rmtree(target)
        else:
            target.unlink()

    # Checkpoints.

    def _checkpoint(self, path: str) -> Path:
        target = self.resolve(path)
        return target.parent / CHECKPOINTS / f"{target.stem}-{CHECKPOINT_ID}{target.suffix}"

    def checkpoints(self, path: str) -> list[dict[str, Any]]:
        checkpoint = self._checkpoint(path)
        if not checkpoint.exists():
            return []
        return [{"id": CHECKPOINT_ID, "last_modified": _iso(checkpoint.stat().st_mtime)}]

    def create_checkpoint(self, path: str) -> dict[str, Any]:
        source = self.resolve(path)
        if not source.is_file():
            raise RequestError(404, f"no such file: {path}")
        checkpoint = self._checkpoint(path)
        checkpoint.parent.mkdir(exist_ok=True)
        atomic_write(checkpoint, source.read_bytes())
        return self.checkpoints(path)[0]

    def restore_checkpoint(self, path: str, checkpoint_id: str) -> None:
        checkpoint = self._checkpoint(path)
        if checkpoint_id != CHECKPOINT_ID or not checkpoint.exists():
            raise RequestError(404, f"no checkpoint {checkpoint_id!r} for {path}")
        atomic_write(self.resolve(path), checkpoint.read_bytes())

    def delete_checkpoint(self, path: str, checkpoint_id: str) -> None:
        checkpoint = self._checkpoint(path)
        if checkpoint_id != CHECKPOINT_ID or not checkpoint.exists():
            raise RequestError(404, f"no checkpoint {checkpoint_id!r} for {path}")
        checkpoint.unlink()
