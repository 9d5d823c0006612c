"""What every endpoint shares: its one error, reading a JSON body, the path it names.

``RequestError`` is the server's one HTTP error. Errors of the layers below
(``interlace.errors``) become HTTP answers here, in one table, so each adapter
raises or lets through the domain's own error and gets the same status for it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from interlace.errors import (
    BadCommand,
    InterlaceError,
    InvalidNotebook,
    KernelSpecError,
    KernelStartError,
    NotebookError,
    NotFound,
    NotWaiting,
    RecordingError,
)

if TYPE_CHECKING:
    from starlette.requests import Request

__all__ = ["RequestError", "json_body", "path_of", "status_of"]

_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (NotFound, 404),
    (InvalidNotebook, 400),
    (BadCommand, 400),
    (NotWaiting, 409),
    (NotebookError, 409),
    (RecordingError, 400),
    (KernelSpecError, 404),
    (KernelStartError, 500),
    (InterlaceError, 503),  # a kernel that died or did not answer in time
)


class RequestError(Exception):
    """Answered as ``{"message": ...}`` with its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def status_of(exc: Exception) -> int:
    """The HTTP status that answers ``exc``."""
    if isinstance(exc, RequestError):
        return exc.status
    return next((status for kind, status in _STATUS if isinstance(exc, kind)), 500)


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object (``{}`` when empty); RequestError 400 otherwise."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise RequestError(400, f"the request body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise RequestError(400, "the request body must be a JSON object")
    return body


def path_of(request: Request) -> str:
    """The ``{path}`` the route captured."""
    return str(request.path_params.get("path", ""))
