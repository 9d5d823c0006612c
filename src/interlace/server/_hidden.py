"""Hidden paths in the notebook service's URLs, refused before any endpoint runs.

The rule (dotfiles hidden unless ``--allow-hidden``, the server's own state
never shown) is ``interlace.notebooks.HiddenFiles``; it is re-exported here for
the contents API and ``/files/``. ``HiddenUrls`` applies it to the URLs of the
notebook service (``/api/notebooks/{path}/...``, ``/api/collab/{path}``), whose
history endpoints read recordings by path without opening the notebook.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.responses import JSONResponse

from interlace.notebooks import HiddenFiles

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["HiddenFiles", "HiddenUrls"]

log = logging.getLogger("interlace.server")

NOTEBOOK_URLS = ("/api/notebooks/", "/api/collab/")


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
