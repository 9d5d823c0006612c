"""/api/collab/{path}: a notebook's shared document over a websocket, and its commands.

Binary frames carry the Yjs sync and awareness protocol, text frames JSON
commands; the notebook service does the rest (``interlace.notebooks``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.websockets import WebSocketDisconnect

from interlace.errors import NotebookError

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

    from interlace.notebooks import NotebookService

__all__ = ["serve_collab"]

log = logging.getLogger("interlace.server")


class _WebSocketPeer:
    """A websocket as a notebook peer (written by one task: the room queues replies too)."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket

    async def send(self, message: bytes) -> None:
        await self.websocket.send_bytes(message)

    async def receive(self) -> bytes | str | None:
        event = await self.websocket.receive()
        if event["type"] == "websocket.disconnect":
            return None
        if event.get("bytes") is not None:
            return bytes(event["bytes"])
        return str(event.get("text", ""))


async def serve_collab(websocket: WebSocket, service: NotebookService, path: str) -> None:
    """Serve one peer of ``path``'s document until it goes; refuse what is not a notebook."""
    try:
        service.open(path)
    except NotebookError as exc:
        await websocket.close(code=1008, reason=str(exc))
        return
    await websocket.accept()
    try:
        await service.serve(path, _WebSocketPeer(websocket))
    except* WebSocketDisconnect:
        log.info("collab peer of %s left", path)
