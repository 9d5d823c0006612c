"""Which files under the root the server shows: not dotfiles, never its own state.

As jupyter_server's ``ContentsManager.allow_hidden`` (off by default): a path
with a part that starts with a dot is hidden, to get, list, save, rename,
delete, copy and ``/files/`` alike; ``--allow-hidden`` shows them. Hidden paths
are answered 404 as if they did not exist (jupyter_server answers writes to
them 400). Unlike jupyter_server the target of a symbolic link is checked as
well, and the server's own state (``.interlace/`` under the root: history,
trust, spilled outputs) is never served, even with ``--allow-hidden``; spilled
outputs have a read-only route of their own (``_outputs``).

``HiddenUrls`` applies the same rule to the URLs of the notebook service
(``/api/notebooks/{path}/...``, ``/api/collab/{path}``), whose endpoints resolve
paths themselves.
"""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from starlette.responses import JSONResponse

from interlace.errors import NotFound
from interlace.notebooks import SERVER_STATE, resolve

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["HiddenFiles", "HiddenUrls"]

log = logging.getLogger("interlace.server")

NOTEBOOK_URLS = ("/api/notebooks/", "/api/collab/")


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


class HiddenUrls:
    """ASGI middleware: 404 for the notebook service's URLs that name hidden paths."""

    def __init__(self, app: ASGIApp, hidden: HiddenFiles) -> None:
        self.app = app
        self.hidden = hidden

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        prefix = next((p for p in NOTEBOOK_URLS if path.startswith(p)), None)
        if prefix is None or not self.hidden.hides_url(path[len(prefix) :]):
            await self.app(scope, receive, send)
            return
        log.info("refused %s: a hidden path", path[:200])
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "no such notebook"})
            return
        message = "no such notebook"
        response = JSONResponse({"message": message, "reason": message}, status_code=404)
        await response(scope, receive, send)
