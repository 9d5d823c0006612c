"""The JSON-RPC methods: blocking calls over the asynchronous kernel protocol.

``eval_cell("2+3") == "5"``. Sessions name kernels; calls without a session go to
a default one, started on first use; several callers may share a session and
its namespace. Long work can be ``submit``ted and polled through a handle.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from interlace.errors import KernelDied, ReplyTimeout
from interlace.protocol import new_id
from interlace.rpc._protocol import INVALID_PARAMS, Method, RpcError

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from interlace.client import AsyncKernelClient, Execution, ExecutionResult
    from interlace.protocol import (
        JSON,
        CompleteReplyContent,
        ErrorContent,
        InspectReplyContent,
        IsCompleteReplyContent,
    )

__all__ = [
    "EXECUTION_ERROR",
    "KERNEL_DIED",
    "NOT_FINISHED",
    "TIMEOUT",
    "UNKNOWN_HANDLE",
    "UNKNOWN_SESSION",
    "KernelPool",
    "RpcService",
]

KERNEL_DIED = -32000
EXECUTION_ERROR = -32001
TIMEOUT = -32002
UNKNOWN_SESSION = -32003
UNKNOWN_HANDLE = -32004
NOT_FINISHED = -32005

HANDLES_KEPT = 1000
"""Finished executions whose handles stay readable; older ones are forgotten."""

_ANSI = re.compile(r"\x1b\[[0-9;]*m")

T = TypeVar("T")


class PooledKernel(Protocol):
    """A running kernel as the RPC layer needs it."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def client(self) -> AsyncKernelClient: ...

    async def interrupt(self) -> None: ...


class KernelPool(Protocol):
    """Where RPC sessions get their kernels: the server's, shared with its REST API."""

    async def start_kernel(self, name: str | None) -> PooledKernel: ...

    def find_kernel(self, kernel_id: str) -> PooledKernel | None: ...

    async def stop_kernel(self, kernel_id: str) -> None: ...


@dataclass
class _Handle:
    session: str
    execution: Execution


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise RpcError(INVALID_PARAMS, f"{name} must be a string")
    return value


def _number(value: Any, name: str, allow_none: bool = True) -> Any:
    if value is None and allow_none:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise RpcError(INVALID_PARAMS, f"{name} must be a non-negative number")
    return value


def _since(text: str, since: Any) -> dict[str, Any]:
    """What was written from offset ``since`` on, and the offset to continue from."""
    return {"text": text[_number(since, "since", allow_none=False) :], "offset": len(text)}


def full_result(result: ExecutionResult) -> dict[str, Any]:
    return {
        "status": result.status,
        "execution_count": result.execution_count,
        "stdout": result.stdout,
        "stderr": result.stderr,
        "execute_result": result.execute_result,
        "display_data": result.displays,
        "error": result.error,
    }


def _died(exc: KernelDied, handle: str | None = None) -> RpcError:
    data = {"handle": handle} if handle else None
    return RpcError(KERNEL_DIED, f"the kernel died: {exc}", data)


def _execution_error(result: ExecutionResult) -> RpcError:
    error: ErrorContent = result.error or {
        "ename": result.reply.get("ename", "Error"),
        "evalue": result.reply.get("evalue", ""),
        "traceback": result.reply.get("traceback", []),
    }
    traceback = "\n".join(_ANSI.sub("", str(line)) for line in error.get("traceback") or [])
    data = {"ename": error.get("ename"), "evalue": error.get("evalue"), "traceback": traceback}
    return RpcError(EXECUTION_ERROR, f"{data['ename']}: {data['evalue']}", data)


class RpcService:
    """Sessions, handles, and the method table the JSON-RPC endpoints dispatch to."""

    def __init__(self, pool: KernelPool) -> None:
        self.pool = pool
        self.sessions: dict[str, str] = {}
        self.default: str | None = None
        self.handles: OrderedDict[str, _Handle] = OrderedDict()

    def methods(self) -> dict[str, Method]:
        return {
            name: getattr(self, name)
            for name in (
                "eval_cell",
                "eval_cell_full",
                "submit",
                "status",
                "wait",
                "get_stdout",
                "get_stderr",
                "result",
                "complete",
                "inspect",
                "is_complete",
                "interrupt",
                "history",
                "start_session",
                "list_sessions",
                "close_session",
            )
        }

    # Sessions.

    async def start_session(self, kernel_name: str | None = None) -> str:
        if kernel_name is not None:
            _text(kernel_name, "kernel_name")
        kernel = await self.pool.start_kernel(kernel_name)
        session = new_id()
        self.sessions[session] = kernel.id
        return session

    async def list_sessions(self) -> list[dict[str, Any]]:
        listed = []
        for session, kernel_id in self.sessions.items():
            kernel = self.pool.find_kernel(kernel_id)
            listed.append(
                {
                    "session": session,
                    "kernel_id": kernel_id,
                    "kernel_name": kernel.name if kernel else None,
                    "alive": kernel is not None and kernel.client.death is None,
                    "default": session == self.default,
                }
            )
        return listed

    async def close_session(self, session: str) -> bool:
        kernel_id = self.sessions.pop(_text(session, "session"), None)
        if kernel_id is None:
            raise RpcError(UNKNOWN_SESSION, f"no session {session!r}")
        if session == self.default:
            self.default = None
        await self.pool.stop_kernel(kernel_id)
        return True

    async def _kernel(self, session: str | None) -> PooledKernel:
        if session is None:
            if self.default is None or self.default not in self.sessions:
                self.default = await self.start_session()
            session = self.default
        kernel_id = self.sessions.get(_text(session, "session"))
        kernel = self.pool.find_kernel(kernel_id) if kernel_id else None
        if kernel is None:
            raise RpcError(UNKNOWN_SESSION, f"no session {session!r}")
        if kernel.client.death is not None:
            raise RpcError(
                KERNEL_DIED, f"the kernel of session {session!r} died: {kernel.client.death}"
            )
        return kernel

    # Running code.

    async def _execute(self, code: str, session: str | None) -> tuple[str, Execution]:
        kernel = await self._kernel(session)
        try:
            execution = await kernel.client.execute(_text(code, "code"), allow_stdin=False)
        except KernelDied as exc:
            raise _died(exc) from exc
        handle = new_id()
        self.handles[handle] = _Handle(session or self.default or "", execution)
        while len(self.handles) > HANDLES_KEPT:
            self.handles.popitem(last=False)
        return handle, execution

    async def _finish(self, handle: str, execution: Execution, timeout: Any) -> ExecutionResult:
        try:
            return await execution.wait(_number(timeout, "timeout"))
        except ReplyTimeout as exc:
            raise RpcError(TIMEOUT, str(exc), {"handle": handle}) from exc
        except KernelDied as exc:
            raise _died(exc, handle) from exc

    async def eval_cell(
        self, code: str, session: str | None = None, timeout: float | None = None
    ) -> str:
        handle, execution = await self._execute(code, session)
        result = await self._finish(handle, execution, timeout)
        if result.status != "ok":
            raise _execution_error(result)
        return result.text

    async def eval_cell_full(
        self, code: str, session: str | None = None, timeout: float | None = None
    ) -> dict[str, Any]:
        handle, execution = await self._execute(code, session)
        return full_result(await self._finish(handle, execution, timeout))

    async def submit(self, code: str, session: str | None = None) -> str:
        handle, _ = await self._execute(code, session)
        return handle

    def _handle(self, handle: Any) -> _Handle:
        found = self.handles.get(_text(handle, "handle"))
        if found is None:
            raise RpcError(UNKNOWN_HANDLE, f"no handle {handle!r}")
        return found

    async def status(self, handle: str) -> dict[str, Any]:
        execution = self._handle(handle).execution
        result = execution.result
        return {
            "done": execution.done,
            "status": result.status if execution.done else "running",
            "execution_count": result.execution_count,
            "stdout_length": len(result.stdout),
            "stderr_length": len(result.stderr),
        }

    async def wait(self, handle: str, timeout: float | None = None) -> dict[str, Any]:
        await self._finish(handle, self._handle(handle).execution, timeout)
        return await self.status(handle)

    async def get_stdout(self, handle: str, since: int = 0) -> dict[str, Any]:
        return _since(self._handle(handle).execution.result.stdout, since)

    async def get_stderr(self, handle: str, since: int = 0) -> dict[str, Any]:
        return _since(self._handle(handle).execution.result.stderr, since)

    async def result(self, handle: str) -> dict[str, Any]:
        execution = self._handle(handle).execution
        if not execution.done:
            raise RpcError(NOT_FINISHED, f"handle {handle!r} is still running", {"handle": handle})
        return full_result(execution.result)

    # Other requests.

    async def complete(
        self, code: str, cursor_pos: int | None = None, session: str | None = None
    ) -> CompleteReplyContent:
        kernel = await self._kernel(session)
        return await self._ask(
            kernel.client.complete(
                _text(code, "code"), _number(cursor_pos, "cursor_pos"), timeout=30
            )
        )

    async def inspect(
        self,
        code: str,
        cursor_pos: int | None = None,
        detail_level: int = 0,
        session: str | None = None,
    ) -> InspectReplyContent:
        kernel = await self._kernel(session)
        request = kernel.client.inspect(
            _text(code, "code"), _number(cursor_pos, "cursor_pos"), int(detail_level), timeout=30
        )
        return await self._ask(request)

    async def is_complete(self, code: str, session: str | None = None) -> IsCompleteReplyContent:
        kernel = await self._kernel(session)
        return await self._ask(kernel.client.is_complete(_text(code, "code"), timeout=30))

    async def interrupt(self, session: str | None = None) -> bool:
        kernel = await self._kernel(session)
        await kernel.interrupt()
        return True

    async def history(self, session: str | None = None, n: int = 10) -> list[list[JSON]]:
        kernel = await self._kernel(session)
        reply = await self._ask(
            kernel.client.history(hist_access_type="tail", n=_number(n, "n"), timeout=30)
        )
        return list(reply.get("history", []))

    async def _ask(self, request: Awaitable[T]) -> T:
        try:
            reply = await request
        except ReplyTimeout as exc:
            raise RpcError(TIMEOUT, str(exc)) from exc
        except KernelDied as exc:
            raise _died(exc) from exc
        return reply
