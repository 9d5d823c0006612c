"""JSON-RPC 2.0 as pure functions: parse a request body, shape results and errors.

Nothing here knows about kernels or HTTP; ``dispatch`` runs each call through a
method table and returns the response body (None when every call was a
notification).
"""

from __future__ import annotations

import inspect
import json
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio

__all__ = [
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "PARSE_ERROR",
    "Method",
    "RpcError",
    "dispatch",
]

log = logging.getLogger("interlace.rpc")

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603

Method = Callable[..., Awaitable[Any]]


@dataclass
class RpcError(Exception):
    """An error to send back as a JSON-RPC error object."""

    code: int
    message: str
    data: Any = None

    def to_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def _error(request_id: Any, error: RpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "error": error.to_json(), "id": request_id}


async def _call(methods: dict[str, Method], request: Any) -> dict[str, Any] | None:
    """One request object's response, or None for a notification."""
    if not isinstance(request, dict) or request.get("jsonrpc") != "2.0":
        return _error(None, RpcError(INVALID_REQUEST, "not a JSON-RPC 2.0 request object"))
    request_id = request.get("id")
    notification = "id" not in request
    if not isinstance(request_id, str | int | float | None) or isinstance(request_id, bool):
        return _error(None, RpcError(INVALID_REQUEST, "id must be a string, number or null"))
    if isinstance(request_id, float) and not math.isfinite(request_id):
        return _error(None, RpcError(INVALID_REQUEST, "id must be a finite number"))
    name, params = request.get("method"), request.get("params", [])
    try:
        if not isinstance(name, str):
            raise RpcError(INVALID_REQUEST, "method must be a string")
        if not isinstance(params, list | dict):
            raise RpcError(INVALID_REQUEST, "params must be an array or an object")
        method = methods.get(name)
        if method is None:
            raise RpcError(METHOD_NOT_FOUND, f"no method {name!r}")
        bound = _bind(method, params)
        result = await method(*bound.args, **bound.kwargs)
    except RpcError as refused:
        return None if notification else _error(request_id, refused)
    except Exception as exc:
        log.exception("rpc method %s failed", name)
        failure = RpcError(INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")
        return None if notification else _error(request_id, failure)
    return None if notification else {"jsonrpc": "2.0", "result": result, "id": request_id}


def _bind(method: Method, params: list[Any] | dict[str, Any]) -> inspect.BoundArguments:
    signature = inspect.signature(method)
    try:
        if isinstance(params, dict):
            return signature.bind(**params)
        return signature.bind(*params)
    except TypeError as exc:
        raise RpcError(INVALID_PARAMS, f"invalid params: {exc}") from None


async def dispatch(methods: dict[str, Method], body: str | bytes) -> Any:
    """The response to a request body: an object, a list for a batch, or None."""
    try:
        request = json.loads(body)
    except ValueError as exc:
        return _error(None, RpcError(PARSE_ERROR, f"parse error: {exc}"))
    except RecursionError:
        return _error(None, RpcError(PARSE_ERROR, "parse error: nested too deeply"))
    if not isinstance(request, list):
        return await _call(methods, request)
    if not request:
        return _error(None, RpcError(INVALID_REQUEST, "an empty batch"))
    responses: list[dict[str, Any] | None] = [None] * len(request)

    async def answer(index: int, item: Any) -> None:
        responses[index] = await _call(methods, item)

    async with anyio.create_task_group() as tasks:
        for index, item in enumerate(request):
            tasks.start_soon(answer, index, item)
    answered = [response for response in responses if response is not None]
    return answered or None
