"""One execute_request as the client sees it: outputs as they come, then reply and idle."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio

from interlace.errors import KernelDied, ReplyTimeout

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from interlace.client._client import Subscription
    from interlace.protocol import JSONDict, Message

__all__ = ["OUTPUT_TYPES", "Execution", "ExecutionResult"]

OUTPUT_TYPES = frozenset(
    {
        "stream",
        "display_data",
        "update_display_data",
        "execute_result",
        "error",
        "clear_output",
    }
)
"""iopub message types that are a cell's output."""


@dataclass
class ExecutionResult:
    """Everything a cell produced, collected once it finished."""

    status: str = "ok"
    execution_count: int | None = None
    stdout: str = ""
    stderr: str = ""
    execute_result: JSONDict | None = None
    displays: list[JSONDict] = field(default_factory=list)
    error: JSONDict | None = None
    outputs: list[Message] = field(default_factory=list)
    reply: JSONDict = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The value as a terminal shows it: the execute_result's text/plain, or ''."""
        if self.execute_result is None:
            return ""
        return str(self.execute_result.get("text/plain", ""))

    def add(self, message: Message) -> None:
        content = message.content
        self.outputs.append(message)
        kind = message.msg_type
        if kind == "stream":
            if content.get("name") == "stderr":
                self.stderr += str(content.get("text", ""))
            else:
                self.stdout += str(content.get("text", ""))
        elif kind == "execute_result":
            self.execute_result = dict(content.get("data") or {})
        elif kind == "display_data":
            self.displays.append(dict(content.get("data") or {}))
        elif kind == "error":
            self.error = {k: content.get(k) for k in ("ename", "evalue", "traceback")}


class Execution:
    """A running cell: iterate it for outputs as they arrive, ``await wait()`` for the result.

    The kernel's reply and its idle status both mark the end; the result holds the
    outputs seen between the request and idle, whoever iterates them.
    """

    def __init__(self, msg_id: str, outputs: Subscription) -> None:
        self.msg_id = msg_id
        self.result = ExecutionResult()
        self._incoming = outputs
        self._output_added = anyio.Event()
        self._reply: JSONDict | None = None
        self._replied = anyio.Event()
        self._idle = anyio.Event()
        self._death: KernelDied | None = None

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Message]:
        outputs, seen = self.result.outputs, 0
        while True:
            while seen < len(outputs):
                seen += 1
                yield outputs[seen - 1]
            if self._idle.is_set():
                break
            await self._output_added.wait()
        if self._death is not None:
            raise self._death

    @property
    def done(self) -> bool:
        return self._replied.is_set() and self._idle.is_set()

    async def reply(self, timeout: float | None = None) -> JSONDict:
        """The execute_reply content, once it has come."""
        await self._wait_for(self._replied, timeout)
        assert self._reply is not None
        return self._reply

    async def wait(self, timeout: float | None = None) -> ExecutionResult:
        """The collected result once the reply and the final idle have both come."""
        await self._wait_for(self._replied, timeout)
        await self._wait_for(self._idle, timeout)
        return self.result

    async def _wait_for(self, event: anyio.Event, timeout: float | None) -> None:
        try:
            with anyio.fail_after(timeout):
                await event.wait()
        except TimeoutError:
            raise ReplyTimeout(f"execution {self.msg_id} did not finish in {timeout} s") from None
        if self._death is not None:
            raise self._death

    # Fed by the client.

    async def collect(self) -> None:
        """Consume this execution's iopub messages until idle (run as a client task)."""
        async with self._incoming:
            try:
                async for message in self._incoming:
                    if message.msg_type == "status":
                        if message.content.get("execution_state") == "idle":
                            self._idle.set()
                            self._wake_readers()
                            return
                    elif message.msg_type in OUTPUT_TYPES:
                        self.result.add(message)
                        self._wake_readers()
            except KernelDied as death:
                self.fail(death)

    def _wake_readers(self) -> None:
        self._output_added.set()
        self._output_added = anyio.Event()

    def set_reply(self, content: JSONDict) -> None:
        self._reply = content
        self.result.reply = content
        self.result.status = str(content.get("status", "ok"))
        count = content.get("execution_count")
        self.result.execution_count = count if isinstance(count, int) else None
        self._replied.set()

    def fail(self, death: KernelDied) -> None:
        self._death = death
        self._replied.set()
        self._idle.set()
        self._wake_readers()
