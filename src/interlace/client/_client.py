"""The async kernel client: every frontend's way to talk to a kernel, ours or anyone's.

One client owns five channels and a task group that reads them: replies are
matched to requests by msg_id, iopub is fanned out to any number of
subscribers, input requests go to a stdin handler, and a heartbeat notices a
dead kernel so that nothing waits forever.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, cast

import anyio

from interlace.client._backlog import STALL_SECONDS, Backlog
from interlace.client._execution import Execution, ExecutionResult
from interlace.errors import KernelDied, ReplyTimeout
from interlace.protocol import (
    ConnectionInfo,
    Message,
    Sender,
    content_of,
    find_connection_file,
    read_connection_file,
)
from interlace.transport import Channel, Context

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping
    from types import TracebackType

    from anyio.abc import TaskGroup

    from interlace.protocol import (
        JSON,
        CommInfoReplyContent,
        CommInfoRequestContent,
        CompleteReplyContent,
        CompleteRequestContent,
        ExecuteRequestContent,
        HistoryReplyContent,
        HistoryRequestContent,
        InputReplyContent,
        InspectReplyContent,
        InspectRequestContent,
        InterruptReplyContent,
        IsCompleteReplyContent,
        KernelInfoReplyContent,
        MsgType,
        ShutdownReplyContent,
        ShutdownRequestContent,
    )

__all__ = ["AsyncKernelClient", "StdinHandler", "Subscription"]

log = logging.getLogger("interlace.client")

StdinHandler: TypeAlias = Callable[[str, bool], Awaitable[str]]
"""Answers an input_request: given the prompt and whether it is a password, returns the text."""
RequestChannel = Literal["shell", "control"]


class _Pending:
    """A reply awaited by one request."""

    def __init__(self) -> None:
        self.event = anyio.Event()
        self.message: Message | None = None
        self.error: KernelDied | None = None

    def resolve(self, message: Message) -> None:
        self.message = message
        self.event.set()

    def fail(self, error: KernelDied) -> None:
        self.error = error
        self.event.set()


class Subscription:
    """A live view of iopub, optionally only the children of one request.

    Iterate it for messages; it ends with KernelDied if the kernel dies, and stops
    receiving once closed (``async with`` closes it). It holds at most about
    BACKLOG_BYTES unread: past that the client stops reading iopub until this
    subscriber takes some (the kernel holds the rest), so read it steadily.
    """

    def __init__(self, client: AsyncKernelClient, parent: str | None) -> None:
        self.parent = parent
        self._client = client
        self._backlog = Backlog()

    def wants(self, message: Message) -> bool:
        return self.parent is None or message.parent_id == self.parent

    def deliver(self, message: Message) -> bool:
        """Queue ``message``; False once the subscriber has gone away."""
        return self._backlog.put(message)

    @property
    def full(self) -> bool:
        return self._backlog.full

    @property
    def held_bytes(self) -> int:
        """About the bytes of the messages queued here, not taken yet."""
        return self._backlog.bytes

    async def room(self) -> None:
        """Wait until the subscriber has taken enough to be below its bound."""
        if not await self._backlog.room():
            log.warning(
                "an iopub subscriber took nothing for %.0f s; it no longer holds iopub back",
                STALL_SECONDS,
            )

    def end(self) -> None:
        self._backlog.close()

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._backlog.abandon()
        self._client._unsubscribe(self)

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Message]:
        while True:
            try:
                message = await self._backlog.take()
            except anyio.EndOfStream:
                break
            yield message
        if self._client.death is not None:
            raise self._client.death

    async def receive(self, timeout: float | None = None) -> Message:
        """The next message, within ``timeout`` seconds."""
        try:
            with anyio.fail_after(timeout):
                return await self._backlog.take()
        except TimeoutError:
            raise ReplyTimeout(f"no iopub message within {timeout} s") from None
        except anyio.EndOfStream:
            raise self._client.death or KernelDied("the client was closed") from None


class AsyncKernelClient:
    """A connection to one kernel's five channels.

    Use it as an async context manager: ``async with AsyncKernelClient(info) as kc``.
    Requests time out with ReplyTimeout when given a timeout, and fail with
    KernelDied when the heartbeat stops (or the manager reports the process gone).
    """

    def __init__(
        self,
        info: ConnectionInfo,
        *,
        username: str | None = None,
        stdin: StdinHandler | None = None,
        heartbeat_interval: float = 1.0,
        heartbeat_misses: int = 3,
    ) -> None:
        self.info = info
        self.sender = Sender(username=username) if username else Sender()
        self.stdin = stdin
        self.heartbeat_interval = heartbeat_interval
        self.heartbeat_misses = heartbeat_misses
        self.death: KernelDied | None = None
        self._pending: dict[str, _Pending] = {}
        self._executions: dict[str, Execution] = {}
        self._stdin_for: dict[str, StdinHandler] = {}
        self._subscriptions: list[Subscription] = []
        self._channels: dict[str, Channel] = {}
        self._context: Context | None = None
        self._stack = contextlib.AsyncExitStack()
        self._tasks: TaskGroup | None = None

    @classmethod
    def from_file(cls, name: str | Path | None = None, **options: Any) -> AsyncKernelClient:
        """A client for the kernel that ``--existing NAME`` names (see find_connection_file)."""
        path = name if isinstance(name, Path) else find_connection_file(name)
        return cls(read_connection_file(path), **options)

    # Lifecycle.

    async def __aenter__(self) -> AsyncKernelClient:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Connect the channels and start reading them (ZeroMQ connects in the background)."""
        self._context = context = Context()
        signer, info = self.info.signer(), self.info
        identity = self.sender.session.encode()
        for name in ("shell", "stdin"):
            self._channels[name] = context.connect(
                "DEALER",
                info.url(name),
                signer,
                name,
                identity=identity,
            )
        self._channels["control"] = context.connect(
            "DEALER", info.url("control"), signer, "control"
        )
        self._channels["iopub"] = context.connect(
            "SUB", info.url("iopub"), signer, "iopub", subscribe=b""
        )
        self._channels["hb"] = context.connect("DEALER", info.url("hb"), signer, "hb")
        self._tasks = await self._stack.enter_async_context(anyio.create_task_group())
        self._tasks.start_soon(self._read_replies, self._channels["shell"])
        self._tasks.start_soon(self._read_replies, self._channels["control"])
        self._tasks.start_soon(self._read_iopub)
        self._tasks.start_soon(self._read_stdin)
        if self.heartbeat_interval > 0:
            self._tasks.start_soon(self._beat)

    async def close(self) -> None:
        """Stop reading and close every channel; pending calls fail with KernelDied."""
        if self._tasks is not None:
            self._tasks.cancel_scope.cancel()
        await self._stack.aclose()
        self._tasks = None
        self._fail_everything(KernelDied("the client was closed"))
        if self._context is not None:
            self._context.close()
            self._context = None

    async def wait_ready(self, timeout: float = 60) -> KernelInfoReplyContent:
        """Wait until the kernel answers kernel_info and this client receives its iopub.

        Returns the kernel_info reply content. Raises ReplyTimeout.
        """
        with anyio.move_on_after(timeout):
            while True:
                message = self.sender.message("kernel_info_request")
                async with self.subscribe(message.msg_id) as statuses:
                    try:
                        reply = await self._send_and_wait("shell", message, 1.0)
                        await statuses.receive(timeout=0.5)
                    except ReplyTimeout:
                        continue
                    return content_of(reply, "kernel_info_reply").copy()
        raise ReplyTimeout(f"the kernel did not answer within {timeout} s")

    # Death.

    def kernel_died(self, reason: str) -> None:
        """Fail every pending call and subscription with KernelDied(reason)."""
        if self.death is None:
            log.warning("kernel died: %s", reason)
        self.death = KernelDied(reason)
        self._fail_everything(self.death)

    def kernel_restarted(self) -> None:
        """The kernel is back (restarted): new calls may go through again."""
        self.death = None

    def _fail_everything(self, error: KernelDied) -> None:
        for pending in self._pending.values():
            pending.fail(error)
        for execution in self._executions.values():
            execution.fail(error)
        self._executions.clear()
        for subscription in self._subscriptions:
            subscription.end()
        self._subscriptions.clear()

    # Requests.

    async def request(
        self,
        msg_type: MsgType,
        content: Mapping[str, JSON] | None = None,
        *,
        channel: RequestChannel = "shell",
        timeout: float | None = None,
    ) -> Message:
        """Send a ``*_request`` and return its reply message."""
        message = self.sender.message(msg_type, content or {})
        return await self._send_and_wait(channel, message, timeout)

    async def _send_and_wait(
        self, channel: str, message: Message, timeout: float | None
    ) -> Message:
        if self.death is not None:
            raise self.death
        pending = self._pending[message.msg_id] = _Pending()
        try:
            await self._channels[channel].send(message)
            with anyio.fail_after(timeout):
                await pending.event.wait()
        except TimeoutError:
            raise ReplyTimeout(f"no {message.msg_type} reply within {timeout} s") from None
        finally:
            self._pending.pop(message.msg_id, None)
        if pending.error is not None:
            raise pending.error
        assert pending.message is not None
        return pending.message

    async def send(
        self, msg_type: MsgType, content: Mapping[str, JSON], channel: str = "shell"
    ) -> str:
        """Send a message that has no reply (comm messages); returns its msg_id."""
        if self.death is not None:
            raise self.death
        message = self.sender.message(msg_type, content)
        await self._channels[channel].send(message)
        return message.msg_id

    async def execute(
        self,
        code: str,
        *,
        silent: bool = False,
        store_history: bool = True,
        user_expressions: dict[str, str] | None = None,
        allow_stdin: bool | None = None,
        stop_on_error: bool = True,
        stdin: StdinHandler | None = None,
        keep_outputs: bool = True,
    ) -> Execution:
        """Start running ``code``; the returned Execution streams outputs and the result.

        With ``keep_outputs=False`` the Execution keeps no output once it has been
        iterated, and its result holds no outputs or stream text: for callers that
        show or store outputs as they come, so that a long cell costs no memory here.
        """
        if self.death is not None:
            raise self.death
        assert self._tasks is not None
        handler = stdin or self.stdin
        content: ExecuteRequestContent = {
            "code": code,
            "silent": silent,
            "store_history": store_history,
            "user_expressions": user_expressions or {},
            "allow_stdin": handler is not None if allow_stdin is None else allow_stdin,
            "stop_on_error": stop_on_error,
        }
        message = self.sender.message("execute_request", content)
        outputs = self.subscribe(message.msg_id)
        execution = Execution(message.msg_id, outputs, keep_outputs=keep_outputs)
        self._executions[message.msg_id] = execution
        if handler is not None:
            self._stdin_for[message.msg_id] = handler
        self._tasks.start_soon(self._follow, execution)
        await self._channels["shell"].send(message)
        return execution

    async def run(self, code: str, timeout: float | None = None, **options: Any) -> ExecutionResult:
        """Execute ``code`` and wait for everything it produces."""
        execution = await self.execute(code, **options)
        return await execution.wait(timeout)

    async def _follow(self, execution: Execution) -> None:
        try:
            await execution.collect()
        finally:
            self._stdin_for.pop(execution.msg_id, None)

    async def kernel_info(self, timeout: float | None = None) -> KernelInfoReplyContent:
        reply = await self.request("kernel_info_request", timeout=timeout)
        return content_of(reply, "kernel_info_reply").copy()

    async def complete(
        self, code: str, cursor_pos: int | None = None, timeout: float | None = None
    ) -> CompleteReplyContent:
        content: CompleteRequestContent = {
            "code": code,
            "cursor_pos": len(code) if cursor_pos is None else cursor_pos,
        }
        reply = await self.request("complete_request", content, timeout=timeout)
        return content_of(reply, "complete_reply").copy()

    async def inspect(
        self,
        code: str,
        cursor_pos: int | None = None,
        detail_level: int = 0,
        timeout: float | None = None,
    ) -> InspectReplyContent:
        content: InspectRequestContent = {
            "code": code,
            "cursor_pos": len(code) if cursor_pos is None else cursor_pos,
            "detail_level": detail_level,
        }
        reply = await self.request("inspect_request", content, timeout=timeout)
        return content_of(reply, "inspect_reply").copy()

    async def history(self, timeout: float | None = None, **query: JSON) -> HistoryReplyContent:
        """history_request; e.g. ``history(hist_access_type="tail", n=10)``."""
        defaults = {"raw": True, "output": False, "hist_access_type": "tail"}
        content = cast("HistoryRequestContent", {**defaults, **query})
        reply = await self.request("history_request", content, timeout=timeout)
        return content_of(reply, "history_reply").copy()

    async def is_complete(self, code: str, timeout: float | None = None) -> IsCompleteReplyContent:
        reply = await self.request("is_complete_request", {"code": code}, timeout=timeout)
        return content_of(reply, "is_complete_reply").copy()

    async def comm_info(
        self, target_name: str | None = None, timeout: float | None = None
    ) -> CommInfoReplyContent:
        content: CommInfoRequestContent = (
            {} if target_name is None else {"target_name": target_name}
        )
        reply = await self.request("comm_info_request", content, timeout=timeout)
        return content_of(reply, "comm_info_reply").copy()

    async def interrupt(self, timeout: float | None = 10) -> InterruptReplyContent:
        """Interrupt by message (interrupt_mode ``message``); the manager can also signal."""
        reply = await self.request("interrupt_request", channel="control", timeout=timeout)
        return content_of(reply, "interrupt_reply").copy()

    async def shutdown(
        self, restart: bool = False, timeout: float | None = 10
    ) -> ShutdownReplyContent:
        content: ShutdownRequestContent = {"restart": restart}
        reply = await self.request("shutdown_request", content, channel="control", timeout=timeout)
        return content_of(reply, "shutdown_reply").copy()

    # iopub.

    def subscribe(self, parent: str | None = None) -> Subscription:
        """Follow iopub from now on: everything, or only the children of request ``parent``."""
        subscription = Subscription(self, parent)
        if self.death is not None:
            subscription.end()
        else:
            self._subscriptions.append(subscription)
        return subscription

    def _unsubscribe(self, subscription: Subscription) -> None:
        with contextlib.suppress(ValueError):
            self._subscriptions.remove(subscription)

    # Readers, run in the client's task group.

    async def _read_replies(self, channel: Channel) -> None:
        while True:
            _, message = await channel.recv()
            parent = message.parent_id or ""
            pending = self._pending.get(parent)
            execution = self._executions.pop(parent, None)
            if pending is not None:
                pending.resolve(message)
            elif execution is not None:
                execution.set_reply(
                    content_of(message, "execute_reply").copy(), dict(message.metadata)
                )
            else:
                log.debug("%s: reply to an unknown request %s", channel.name, parent)

    async def _read_iopub(self) -> None:
        channel = self._channels["iopub"]
        while True:
            _, message = await channel.recv()
            for subscription in list(self._subscriptions):
                if subscription.wants(message) and not subscription.deliver(message):
                    self._unsubscribe(subscription)
            for subscription in list(self._subscriptions):
                if subscription.full:
                    await subscription.room()

    async def _read_stdin(self) -> None:
        channel = self._channels["stdin"]
        while True:
            _, request = await channel.recv()
            if request.msg_type != "input_request":
                continue
            handler = self._stdin_for.get(request.parent_id or "") or self.stdin
            asked = content_of(request, "input_request")
            prompt = str(asked.get("prompt", ""))
            password = bool(asked.get("password", False))
            answer: InputReplyContent = {
                "value": await handler(prompt, password) if handler is not None else ""
            }
            await channel.send(self.sender.reply(request, answer))

    async def _beat(self) -> None:
        """Ping the heartbeat; after ``heartbeat_misses`` silent intervals the kernel is dead."""
        channel, misses, count = self._channels["hb"], 0, 0
        while True:
            count += 1
            token = str(count).encode()
            await channel.send_frames([b"", token])
            with anyio.move_on_after(self.heartbeat_interval) as waiting:
                while (await channel.recv_frames())[-1] != token:
                    pass
            if waiting.cancelled_caught:
                misses += 1
                if misses >= self.heartbeat_misses:
                    silent = misses * self.heartbeat_interval
                    self.kernel_died(f"no heartbeat for {silent:.0f} s")
                continue
            if misses >= self.heartbeat_misses and self.death is not None:
                self.kernel_restarted()
            misses = 0
            await anyio.sleep(self.heartbeat_interval)
