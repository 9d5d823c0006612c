"""Which files under the root are shown: not dotfiles, never the server's own state.

As jupyter_server's ``ContentsManager.allow_hidden`` (off by default): a path
with a part that starts with a dot is hidden, to get, list, save, rename,
delete, copy, ``/files/`` and open as a notebook alike; ``--allow-hidden`` shows
them. Unlike jupyter_server the target of a symbolic link is checked as well,
and the server's own state (``.interlace/`` under the root: history, trust,
spilled outputs) is never shown, even with ``--allow-hidden``.
"""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath

from interlace.errors import NotFound
from interlace.notebooks._files import SERVER_STATE, resolve

__all__ = ["HiddenFiles"]

log = logging.getLogger("interlace.notebooks")


def _dotted(parts: tuple[str, ...]) -> bool:
    return any(part.startswith(".") for part in parts)


class HiddenFiles:
    """The rule for one root: ``resolve`` finds a file the server may show, or NotFound."""

    def __init__(self, root: Path, allow_hidden: bool = False) -> None:
        self.root = root.resolve()
        self.allow_hidden = allow_hidden
        self._state = {self.root / SERVER_STATE, (self.root / SERVER_STATE).resolve()}

    def is_state(self, target: Path) -> bool:
        return any(target == state or state in target.parents for state in self._state)

    def hides(self, path: str, target: Path) -> bool:
        """Whether API ``path``, found at ``target`` (links followed), is not to be shown."""
        if self.is_state(target) or self.is_state(self.root / path.strip("/")):
            return True
        if self.allow_hidden:
            return False
        relative = target.relative_to(self.root).parts if target != self.root else ()
        return _dotted(PurePosixPath(path.strip("/")).parts) or _dotted(relative)

    def resolve(self, path: str) -> Path:
        """The file for API ``path``; NotFound if it leaves the root or is hidden."""
        target = resolve(self.root, path)
        if self.hides(path, target):
            log.info("refused hidden path %r (--allow-hidden shows dotfiles)", path[:200])
            raise NotFound(f"no such file or directory: {path}")
        return target

    def hides_url(self, url_path: str) -> bool:
        """Whether a notebook-service URL names a hidden path (its other parts never start
        with a dot)."""
        parts = PurePosixPath(url_path.strip("/")).parts
        if SERVER_STATE in parts[:1]:
            return True
        return not self.allow_hidden and _dotted(parts)
