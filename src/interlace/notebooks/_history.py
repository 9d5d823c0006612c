"""A notebook's recorded past: the notebook at any moment, and forks from one."""

from __future__ import annotations

import json
import logging
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from pycrdt import Doc

from interlace.collab import NotebookDocument
from interlace.errors import NotebookError
from interlace.notebooks._files import resolve
from interlace.store import atomic_write

if TYPE_CHECKING:
    from pathlib import Path

    from interlace.protocol import JSONDict
    from interlace.record import Recordings

__all__ = ["fork", "notebook_at"]

log = logging.getLogger("interlace.notebooks")

MAX_FORKS = 1000
"""Forks of one moment with their own names; beyond this a fork is refused."""


def notebook_at(recordings: Recordings, path: str, seq: int) -> JSONDict:
    """The notebook (nbformat 4) right after event ``seq`` of its recording."""
    doc: Doc[Any] = Doc()
    doc.apply_update(recordings.state_at(path, seq))
    return NotebookDocument(doc).to_notebook()


def _free_name(root: Path, path: str, seq: int) -> str:
    original = PurePosixPath(path)
    for number in range(1, MAX_FORKS):
        suffix = f"-{number}" if number > 1 else ""
        candidate = str(original.with_name(f"{original.stem}-at-{seq}{suffix}.ipynb"))
        if not resolve(root, candidate).exists():
            return candidate
    raise NotebookError(f"no free name to fork {path} into")


def fork(root: Path, recordings: Recordings, path: str, seq: int) -> str:
    """A new notebook beside ``path``, as it was right after event ``seq``; its path."""
    notebook = notebook_at(recordings, path, seq)
    target = _free_name(root, path, seq)
    destination = resolve(root, target)
    if not destination.parent.is_dir():
        raise NotebookError(f"no folder to fork {path} into")
    atomic_write(destination, (json.dumps(notebook, indent=1) + "\n").encode("utf-8"))
    log.info("forked %s at event %d into %s", path, seq, target)
    return target
