"""What every endpoint shares: its one error, reading a JSON body, the path it names.

``RequestError`` is the server's one HTTP error. Errors of the layers below
(``interlace.errors``) become HTTP answers here, in one table, so each adapter
raises or lets through the domain's own error and gets the same status for it.

A JSON body must say so (``Content-Type: application/json``), or come with a
header no other site's page can send without asking first (``Authorization``,
``X-XSRFToken``): a cross-site ``text/plain`` POST, which browsers send without a
CORS preflight, is answered 415 before its body is parsed. The second way is
for JupyterLab's ``@jupyterlab/services``, whose string bodies go out as
``text/plain;charset=UTF-8``; jupyter_server reads any Content-Type as JSON.
"""

from __future__ import annotations

import json
import logging
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
    StorageError,
)

if TYPE_CHECKING:
    from starlette.requests import Request

__all__ = ["SAFE_METHODS", "RequestError", "json_body", "path_of", "require_json", "status_of"]

log = logging.getLogger("interlace.server")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that change nothing: no Origin or XSRF check."""

PREFLIGHTED_HEADERS = ("authorization", "x-xsrftoken")
"""Headers a page of another site cannot send without a CORS preflight (never granted)."""

_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (NotFound, 404),
    (InvalidNotebook, 400),
    (BadCommand, 400),
    (NotWaiting, 409),
    (NotebookError, 409),
    (RecordingError, 400),
    (StorageError, 507),  # Insufficient Storage
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


def _declares_json(content_type: str) -> bool:
    major, _, minor = content_type.partition(";")[0].strip().lower().partition("/")
    return major == "application" and (minor == "json" or minor.endswith("+json"))


def _has_body(request: Request) -> bool:
    headers = request.headers
    return headers.get("content-length", "0").strip() != "0" or "transfer-encoding" in headers


def require_json(request: Request) -> None:
    """RequestError 415 for a body not declared JSON, unless the request was preflighted.

    Checked before the body is read."""
    content_type = request.headers.get("content-type", "")
    if not _has_body(request) or _declares_json(content_type):
        return
    if any(header in request.headers for header in PREFLIGHTED_HEADERS):
        return
    log.warning(
        "refused %s %s: a JSON body sent as %r",
        request.method,
        request.url.path,
        content_type[:100],
    )
    raise RequestError(415, "a JSON body needs Content-Type: application/json")


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object (``{}`` when empty); RequestError 400 or 415 otherwise."""
    require_json(request)
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
    """The ``{path}`` the route captured; RequestError 400 if it holds a NUL byte."""
    path = str(request.path_params.get("path", ""))
    if "\0" in path:
        raise RequestError(400, "a path cannot hold a NUL byte")
    return path
