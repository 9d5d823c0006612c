"""Trusted notebooks: those whose HTML and scripts the page may run unsanitized."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from interlace.store import atomic_write

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["TrustedNotebooks"]


class TrustedNotebooks:
    """The notebooks whose owner said their HTML and scripts may run, kept in one JSON file."""

    def __init__(self, file: Path) -> None:
        self.file = file
        try:
            stored = json.loads(file.read_text("utf-8"))
        except (OSError, ValueError):
            stored = []
        self.paths = {str(p) for p in stored} if isinstance(stored, list) else set()

    def __contains__(self, path: str) -> bool:
        return path.strip("/") in self.paths

    def set(self, path: str, trusted: bool) -> None:
        if trusted:
            self.paths.add(path.strip("/"))
        else:
            self.paths.discard(path.strip("/"))
        self.file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.file, json.dumps(sorted(self.paths)).encode())
