"""What every endpoint shares: its error, reading a JSON body, the path it names."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.requests import Request

__all__ = ["RequestError", "json_body", "path_of"]


class RequestError(Exception):
    """Answered as ``{"message": ...}`` with its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object (``{}`` when empty); RequestError 400 otherwise."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise RequestError(400, f"the request body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise RequestError(400, "the request body must be a JSON object")
    return body


def path_of(request: Request) -> str:
    """The ``{path}`` the route captured."""
    return str(request.path_params.get("path", ""))
