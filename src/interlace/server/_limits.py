"""How much a request may send: every body is limited before it is read.

A body declared longer than its limit (``Content-Length``) is answered 413 at
once, before a byte of it is read; a body with no length (chunked) is counted
as it streams in and cut with 413 the moment it passes the limit. The login
page, which anyone may reach, takes at most ``LOGIN_BODY_LIMIT``; everything
else at most the server's ``max_body_size`` (jupyter_server's ``max_body_size``,
512 MiB there, ours 100 MiB by default: a notebook saved whole in one PUT must
fit; JupyterLab uploads big files in chunks).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.responses import JSONResponse

from interlace.server._requests import RequestError

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEFAULT_MAX_BODY_SIZE", "LOGIN_BODY_LIMIT", "BodyLimit"]

log = logging.getLogger("interlace.server")

DEFAULT_MAX_BODY_SIZE = 100 * 2**20
LOGIN_BODY_LIMIT = 2**20


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


def _too_large(scope: Scope, limit: int) -> str:
    message = f"the request body is over the {limit}-byte limit"
    log.warning("refused %s %s: %s", scope.get("method"), scope["path"], message)
    return message


@dataclass(frozen=True)
class BodyLimit:
    """ASGI middleware: a 413 for any request body over its path's limit."""

    app: ASGIApp
    max_body_size: int = DEFAULT_MAX_BODY_SIZE

    def limit_of(self, path: str) -> int:
        return LOGIN_BODY_LIMIT if path == "/login" else self.max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope["path"])
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            message = _too_large(scope, limit)
            response = JSONResponse({"message": message, "reason": message}, status_code=413)
            await response(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestError(413, _too_large(scope, limit))
            return message

        await self.app(scope, limited, send)
