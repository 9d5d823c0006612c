"""The kernel's I/O loop: one named thread that owns every socket.

User code runs on the main thread and may hold it for hours; this loop keeps the
kernel responsive meanwhile. It queues shell requests for the main thread, serves
control (interrupt, shutdown) at once, relays stdin replies, welcomes iopub
subscribers, and sends everything the main thread hands it through the outbox,
in order.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import signal
import threading
import time
from typing import TYPE_CHECKING, Any, Literal, final

import anyio

from interlace.errors import ProtocolError
from interlace.kernel._bridge import Inbox, Outbox
from interlace.kernel._requests import decode_request
from interlace.kernel._streams import FLUSH_INTERVAL
from interlace.protocol import (
    CHANNELS,
    ConnectionInfo,
    Message,
    ReplayGuard,
    Sender,
    content_of,
)
from interlace.transport import Channel, Context, SocketKind

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from interlace.kernel._streams import Streams
    from interlace.protocol import (
        JSON,
        ExecutionState,
        InterruptReplyContent,
        IOPubWelcomeContent,
        KernelInfoReplyContent,
        ReplyContent,
        ShutdownReplyContent,
        StatusContent,
    )

__all__ = ["KernelIO", "Outgoing", "Request", "status", "unknown_request_error"]

log = logging.getLogger("interlace.kernel")

OutChannel = Literal["shell", "control", "stdin", "iopub"]
Outgoing = tuple[OutChannel, "Sequence[bytes]", Message]
Request = tuple[list[bytes], Message]
STOP = None
"""Put in the request queue to end the main thread's loop (and in the outbox, the I/O loop's)."""

SHUTDOWN_GRACE = 2.0
"""Seconds a running cell gets after a shutdown request, before an interrupt, then an exit."""

PARENT_POLL = 1.0
"""Seconds between looks at whether the process that started the kernel is still there."""

PARENT_VARIABLE = "JPY_PARENT_PID"
"""Where a kernel manager names itself (jupyter_client's name, which ours uses too)."""


async def _parent_gone(pid: int) -> None:
    """Return once process ``pid`` has ended: told by a pidfd where Linux has one."""
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):
        while os.getppid() == pid:  # noqa: ASYNC110 - nothing tells of another process's end
            await anyio.sleep(PARENT_POLL)
        return
    try:
        await anyio.wait_readable(handle)
    finally:
        os.close(handle)


def _watched_parent() -> int | None:
    """The process whose death ends this kernel: the manager that started it, when the
    environment names it and it is our parent (an inherited value names someone else)."""
    try:
        parent = int(os.environ.get(PARENT_VARIABLE, ""))
    except ValueError:
        return None
    return parent if parent == os.getppid() else None


_SOCKETS: dict[OutChannel, SocketKind] = {
    "shell": "ROUTER",
    "control": "ROUTER",
    "stdin": "ROUTER",
    "iopub": "XPUB",
}


@final
class KernelIO:
    """Sockets and the loop serving them, started from and stopped by the main thread."""

    def __init__(
        self,
        info: ConnectionInfo,
        sender: Sender,
        kernel_info: Callable[[], KernelInfoReplyContent],
    ) -> None:
        self.info = info
        self.sender = sender
        self.kernel_info = kernel_info
        self.requests: Inbox[Request | None] = Inbox()
        self.stdin_replies: queue.SimpleQueue[Message] = queue.SimpleQueue()
        self.shell_ready = threading.Event()
        self.contacted = threading.Event()
        self.streams: Streams | None = None
        self._context = Context()
        self._signer = info.signer()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._outbox: Outbox[Outgoing | None] | None = None
        self._tasks: anyio.abc.TaskGroup | None = None
        self._flush_due: Outbox[None] | None = None
        self._channels: dict[OutChannel, Channel] = {}
        self._started = threading.Event()
        self._stopped = False
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="interlace-kernel-io", daemon=True)

    def start(self) -> ConnectionInfo:
        """Bind every socket and start serving; returns the info with the ports bound."""
        self._bind()
        self._thread.start()
        self._started.wait()
        if self._failure is not None:
            raise self._failure
        return self.info

    def _bind(self) -> None:
        signer = self.info.signer()
        for name, kind in _SOCKETS.items():
            self._channels[name] = self._context.bind(kind, self.info.url(name), signer, name)
        heartbeat = self._context.heartbeat(self.info.url("hb"))
        ports = {f"{c}_port": _port(self._channels[c].endpoint) for c in self._channels}
        ports["hb_port"] = _port(heartbeat.endpoint)
        if self.info.transport == "tcp":
            self.info = _with_ports(self.info, ports)
        heartbeat.start()

    def send(self, channel: OutChannel, message: Message, identities: Sequence[bytes] = ()) -> None:
        """Queue ``message`` for sending; callable from any thread, keeps order.

        Once the loop has stopped (objects closing their comms as the interpreter
        exits), messages are dropped.
        """
        assert self._outbox is not None
        if self._stopped:
            log.debug("dropped %s: the kernel has stopped", message.msg_type)
            return
        self._outbox.put((channel, identities, message))

    def publish(self, message: Message) -> None:
        self.send("iopub", message, (message.msg_type.encode(),))

    def wake_flusher(self) -> None:
        """Tell the loop that stream text is waiting (called by the first write of a batch)."""
        assert self._flush_due is not None
        self._flush_due.put(None)

    def watch(self, descriptors: Sequence[int], drain: Callable[[int], bool]) -> None:
        """Call ``drain(fd)`` whenever one of ``descriptors`` is readable, until it says
        the descriptor reached its end (callable from any thread)."""
        loop, tasks = self._loop, self._tasks
        assert loop is not None
        assert tasks is not None
        for fd in descriptors:
            loop.call_soon_threadsafe(tasks.start_soon, _watch, fd, drain)

    def stop(self) -> None:
        """End the loop after what is queued was sent, then close every socket."""
        if self._outbox is not None and self._thread.is_alive():
            self._outbox.put(STOP)
        self._thread.join(timeout=5)
        self._stopped = True
        self._context.close()

    def _run(self) -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            anyio.run(self._serve)
        except Exception as exc:
            self._failure = exc
            self._started.set()
            log.exception("kernel I/O loop failed")
            self.requests.put(STOP)

    async def _serve(self) -> None:
        loop = self._loop = asyncio.get_running_loop()
        self._outbox = Outbox(loop)
        self._flush_due = Outbox(loop)
        async with anyio.create_task_group() as tasks:
            self._tasks = tasks
            tasks.start_soon(self._pump, tasks.cancel_scope)
            tasks.start_soon(self._serve_shell)
            tasks.start_soon(self._serve_control)
            tasks.start_soon(self._serve_stdin)
            tasks.start_soon(self._welcome_subscribers)
            tasks.start_soon(self._flush_streams)
            if (parent := _watched_parent()) is not None:
                tasks.start_soon(self._watch_parent, parent)
            self._started.set()

    async def _pump(self, scope: anyio.CancelScope) -> None:
        assert self._outbox is not None
        while True:
            await self._outbox.wait()
            for outgoing in self._outbox.take():
                if outgoing is STOP:
                    scope.cancel()
                    return
                channel, identities, message = outgoing
                await self._channels[channel].send(message, identities)

    async def _receive(self, channel: Channel, guard: ReplayGuard) -> tuple[list[bytes], Message]:
        """The next request on ``channel``; what cannot be served is logged and dropped."""
        while True:
            frames = await channel.recv_frames()
            try:
                return decode_request(frames, self._signer, guard)
            except ProtocolError as exc:
                log.warning("%s: dropped a message: %s", channel.name, exc)

    async def _serve_shell(self) -> None:
        channel, guard = self._channels["shell"], ReplayGuard()
        while True:
            identities, message = await self._receive(channel, guard)
            if message.msg_type == "kernel_info_request" and not self.shell_ready.is_set():
                self._serve_here(identities, message, "shell")
            else:
                self.requests.put((identities, message))
            self.contacted.set()

    async def _serve_control(self) -> None:
        channel, guard = self._channels["control"], ReplayGuard()
        while True:
            identities, message = await self._receive(channel, guard)
            self._serve_here(identities, message, "control")

    def _serve_here(self, identities: list[bytes], message: Message, channel: OutChannel) -> None:
        """Answer a request in this thread; a failure is an error reply, never a dead loop."""
        try:
            self._handle_control(identities, message, channel)
        except Exception as exc:
            log.exception("%s: %s failed", channel, message.msg_type)
            error: ReplyContent = {
                "status": "error",
                "ename": type(exc).__name__,
                "evalue": str(exc),
                "traceback": [],
            }
            self._answer(identities, message, error, channel)

    def _handle_control(
        self, identities: list[bytes], message: Message, channel: OutChannel
    ) -> None:
        kind = message.msg_type
        if kind == "kernel_info_request":
            self._answer(identities, message, self.kernel_info(), channel)
        elif kind == "interrupt_request":
            interrupted: InterruptReplyContent = {"status": "ok"}
            self._answer(identities, message, interrupted, "control")
            interrupt_main_thread()
        elif kind == "shutdown_request":
            restart = bool(content_of(message, "shutdown_request").get("restart", False))
            content: ShutdownReplyContent = {"status": "ok", "restart": restart}
            self.send("control", self.sender.reply(message, content), identities)
            self.publish(self.sender.reply(message, content))
            self.requests.put(STOP)
            assert self._tasks is not None
            self._tasks.start_soon(self._end_a_stuck_cell)
        else:
            self._refuse(identities, message, channel)

    def _answer(
        self,
        identities: list[bytes],
        request: Message,
        content: Mapping[str, JSON],
        channel: OutChannel,
    ) -> None:
        self.publish(self.sender.message("status", status("busy"), parent=request))
        self.send(channel, self.sender.reply(request, content), identities)
        self.publish(self.sender.message("status", status("idle"), parent=request))

    def _refuse(self, identities: list[bytes], request: Message, channel: OutChannel) -> None:
        log.warning("%s: unknown message type %r", channel, request.msg_type)
        if request.msg_type.endswith("_request"):
            self._answer(identities, request, unknown_request_error(request), channel)

    async def _serve_stdin(self) -> None:
        channel, guard = self._channels["stdin"], ReplayGuard()
        while True:
            _, message = await self._receive(channel, guard)
            if message.msg_type == "input_reply":
                self.stdin_replies.put(message)
            else:
                log.warning("stdin: unexpected %r", message.msg_type)

    async def _welcome_subscribers(self) -> None:
        channel = self._channels["iopub"]
        while True:
            frames = await channel.recv_frames()
            event = frames[0] if frames else b""
            if event[:1] == b"\x01":
                topic = event[1:]
                content: IOPubWelcomeContent = {"subscription": topic.decode("utf-8", "replace")}
                welcome = self.sender.message("iopub_welcome", content)
                self.send("iopub", welcome, (topic,))

    async def _watch_parent(self, parent: int) -> None:
        """Shut down once the process that started the kernel is gone, as Jupyter's do."""
        await _parent_gone(parent)
        log.warning("the process that started this kernel (%d) is gone; shutting down", parent)
        self.requests.put(STOP)
        await self._end_a_stuck_cell()

    async def _end_a_stuck_cell(self) -> None:
        """After a shutdown request: interrupt a cell that runs on, then exit if it still does.

        The main thread stopping ends this loop, and this task with it.
        """
        await anyio.sleep(SHUTDOWN_GRACE)
        interrupt_main_thread()
        await anyio.sleep(SHUTDOWN_GRACE)
        log.error("the main thread did not stop after a shutdown request; exiting")
        os._exit(1)

    async def _flush_streams(self) -> None:
        assert self._flush_due is not None
        last = 0.0
        while True:
            await self._flush_due.wait()
            for _ in self._flush_due.take():
                pass
            await anyio.sleep(max(0.001, last + FLUSH_INTERVAL - time.monotonic()))
            last = time.monotonic()
            if self.streams is not None:
                # The descriptors' own watchers (_watch) bring in what they get.
                _survive("flushing the streams", self.streams.flush, drain=False)


async def _watch(fd: int, drain: Callable[[int], bool]) -> None:
    while True:
        await anyio.wait_readable(fd)
        if not _survive(f"reading descriptor {fd}", drain, fd):
            return


def _survive(doing: str, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``work`` done on the I/O loop, where a failure must not end the loop: logged instead.

    Returns what ``work`` returned, or True when it failed (a watcher keeps watching).
    """
    try:
        return work(*args, **kwargs)
    except Exception:
        log.exception("kernel I/O loop: %s failed", doing)
        return True


def status(state: ExecutionState) -> StatusContent:
    return {"execution_state": state}


def unknown_request_error(request: Message) -> ReplyContent:
    return {
        "status": "error",
        "ename": "UnknownMessageType",
        "evalue": f"interlace does not handle {request.msg_type!r}",
        "traceback": [],
    }


def interrupt_main_thread() -> None:
    """Raise KeyboardInterrupt in the main thread, waking it from sleep or input()."""
    signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)


def _port(endpoint: str) -> int:
    _, _, port = endpoint.rpartition(":")
    return int(port) if port.isdigit() else 0


def _with_ports(info: ConnectionInfo, ports: dict[str, int]) -> ConnectionInfo:
    values = {f"{c}_port": ports.get(f"{c}_port") or info.port(c) for c in CHANNELS}
    return ConnectionInfo(
        **values,
        ip=info.ip,
        transport=info.transport,
        key=info.key,
        signature_scheme=info.signature_scheme,
        kernel_name=info.kernel_name,
    )
