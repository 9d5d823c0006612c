"""One execute_request as the client sees it: outputs as they come, then reply and idle."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, cast

import anyio

from interlace.client._backlog import STALL_SECONDS, Backlog
from interlace.errors import KernelDied, ReplyTimeout
from interlace.protocol import content_of

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from interlace.protocol import ErrorContent, ExecuteReplyContent, JSONDict, Message, MsgType

__all__ = ["OUTPUT_TYPES", "Execution", "ExecutionResult", "Outputs"]

log = logging.getLogger("interlace.client")

OUTPUT_TYPES: frozenset[MsgType] = frozenset(
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

_ERROR_FIELDS = ("ename", "evalue", "traceback")


class Outputs(Protocol):
    """The iopub messages of one request, as an Execution reads them (a Subscription)."""

    async def __aenter__(self) -> object: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    def __aiter__(self) -> AsyncIterator[Message]: ...


def _joined(chunks: list[str]) -> str:
    """The text of ``chunks``, which become that one chunk: reading again costs nothing."""
    count = len(chunks)
    if count > 1:
        chunks[:count] = ["".join(chunks[:count])]
    return chunks[0] if chunks else ""


def _no_reply() -> ExecuteReplyContent:
    # Empty until the kernel's execute_reply has come.
    return cast("ExecuteReplyContent", {})


@dataclass
class ExecutionResult:
    """Everything a cell produced, collected once it finished.

    ``stdout`` and ``stderr`` are the text of every stream message, in order. Without
    ``keep_outputs`` (see ``AsyncKernelClient.execute``) no outputs are kept: no
    ``outputs``, stream text, ``execute_result`` or ``displays``; the status, the
    execution count, the reply and the error still are.
    """

    status: str = "ok"
    execution_count: int | None = None
    execute_result: JSONDict | None = None
    displays: list[JSONDict] = field(default_factory=list)
    error: ErrorContent | None = None
    outputs: list[Message] = field(default_factory=list)
    reply: ExecuteReplyContent = field(default_factory=_no_reply)
    reply_metadata: JSONDict = field(default_factory=dict)
    """The execute_reply's metadata (ours carries the names the cell read and assigned)."""
    keep_outputs: bool = True
    _stdout: list[str] = field(default_factory=list, init=False, repr=False)
    _stderr: list[str] = field(default_factory=list, init=False, repr=False)

    @property
    def stdout(self) -> str:
        return _joined(self._stdout)

    @property
    def stderr(self) -> str:
        return _joined(self._stderr)

    @property
    def text(self) -> str:
        """The value as a terminal shows it: the execute_result's text/plain, or ''."""
        if self.execute_result is None:
            return ""
        return str(self.execute_result.get("text/plain", ""))

    def add(self, message: Message) -> None:
        """Collect one output message (one of OUTPUT_TYPES)."""
        kind = message.msg_type
        if kind == "error":
            error = content_of(message, "error")
            # A kernel may leave a field out; it is None here then, as it always was.
            self.error = cast("ErrorContent", {k: error.get(k) for k in _ERROR_FIELDS})
        if not self.keep_outputs:
            return
        self.outputs.append(message)
        if kind == "stream":
            stream = content_of(message, "stream")
            chunks = self._stderr if stream.get("name") == "stderr" else self._stdout
            chunks.append(str(stream.get("text", "")))
        elif kind == "execute_result":
            self.execute_result = dict(content_of(message, "execute_result").get("data") or {})
        elif kind == "display_data":
            self.displays.append(dict(content_of(message, "display_data").get("data") or {}))


class Execution:
    """A running cell: iterate it for outputs as they arrive, ``await wait()`` for the result.

    The kernel's reply and its idle status both mark the end; the result holds the
    outputs seen between the request and idle, whoever iterates them.

    Without ``keep_outputs`` an output is held only until an iterator has taken
    it, so iterate once, from the start, to see them all. At most about
    BACKLOG_BYTES wait untaken: past that the kernel's output waits for the
    iterator (nothing is dropped). An iterator that stops early, or a ``wait()``
    while none iterates, gives the rest up: later outputs are not held.
    """

    def __init__(self, msg_id: str, outputs: Outputs, *, keep_outputs: bool = True) -> None:
        self.msg_id = msg_id
        self.result = ExecutionResult(keep_outputs=keep_outputs)
        self._incoming = outputs
        self._untaken = Backlog()
        self._taking = 0
        self._output_added: anyio.Event | None = None
        self._reply: ExecuteReplyContent | None = None
        self._replied = anyio.Event()
        self._idle = anyio.Event()
        self._death: KernelDied | None = None

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._iterate() if self.result.keep_outputs else self._take()

    async def _iterate(self) -> AsyncIterator[Message]:
        """Every output from the first, however late the iteration starts."""
        outputs, seen = self.result.outputs, 0
        while True:
            while seen < len(outputs):
                seen += 1
                yield outputs[seen - 1]
            if self._idle.is_set():
                break
            await self._next_output()
        if self._death is not None:
            raise self._death

    async def _take(self) -> AsyncIterator[Message]:
        """Outputs not taken yet, forgotten once taken."""
        untaken = self._untaken
        self._taking += 1
        try:
            while True:
                try:
                    message = await untaken.take()
                except anyio.EndOfStream:
                    break
                yield message
        finally:
            self._taking -= 1
            if not self._taking:
                untaken.abandon()
        if self._death is not None:
            raise self._death

    async def _next_output(self) -> None:
        if self._output_added is None:
            self._output_added = anyio.Event()
        await self._output_added.wait()

    @property
    def untaken_bytes(self) -> int:
        """About the bytes of the outputs waiting for an iterator (without keep_outputs)."""
        return self._untaken.bytes

    @property
    def done(self) -> bool:
        return self._replied.is_set() and self._idle.is_set()

    async def reply(self, timeout: float | None = None) -> ExecuteReplyContent:
        """The execute_reply content, once it has come."""
        await self._wait_for(self._replied, timeout)
        assert self._reply is not None
        return self._reply

    async def wait(self, timeout: float | None = None) -> ExecutionResult:
        """The collected result once the reply and the final idle have both come."""
        if not self._taking:
            self._untaken.abandon()
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
                        if content_of(message, "status").get("execution_state") == "idle":
                            self._end()
                            return
                    elif message.msg_type in OUTPUT_TYPES:
                        self._add(message)
                        if self._untaken.full:
                            await self._room()
            except KernelDied as death:
                self.fail(death)

    async def _room(self) -> None:
        """Wait for the iterator to take enough untaken outputs (the kernel waits too)."""
        if not await self._untaken.room():
            log.warning(
                "execution %s: outputs not taken for %.0f s; no longer holding the kernel back",
                self.msg_id,
                STALL_SECONDS,
            )

    def _add(self, message: Message) -> None:
        self.result.add(message)
        if not self.result.keep_outputs:
            self._untaken.put(message)
        self._wake_readers()

    def _end(self) -> None:
        self._idle.set()
        self._untaken.close()
        self._wake_readers()

    def _wake_readers(self) -> None:
        waiting, self._output_added = self._output_added, None
        if waiting is not None:
            waiting.set()

    def set_reply(self, content: ExecuteReplyContent, metadata: JSONDict | None = None) -> None:
        self._reply = content
        self.result.reply = content
        self.result.reply_metadata = metadata or {}
        self.result.status = str(content.get("status", "ok"))
        count = content.get("execution_count")
        self.result.execution_count = count if isinstance(count, int) else None
        self._replied.set()

    def fail(self, death: KernelDied) -> None:
        self._death = death
        self._replied.set()
        self._end()
