"""The server's kernels: a manager each, an iopub hub with a replay buffer.

Each kernel has one hub that reads its iopub once and hands every message to all
websockets on that kernel, keeping the last ``REPLAY_LIMIT`` messages so that a
websocket that drops and comes back (a reload too, under any session id) gets
what it missed. Messages are relayed as their raw JSON parts, never re-parsed.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import anyio

from interlace.client import AsyncKernelClient, KernelManager
from interlace.errors import ProtocolError
from interlace.protocol import (
    DELIMITER,
    Frames,
    Header,
    ReplayGuard,
    loads_dict,
    new_id,
    verify,
)
from interlace.transport import Channel, Context

if TYPE_CHECKING:
    from pathlib import Path

    from anyio.abc import TaskGroup, TaskStatus
    from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

    from interlace.protocol import Channel as ChannelName
    from interlace.protocol import ConnectionInfo, JSONDict

__all__ = ["KernelRegistry", "Relayed", "ServedKernel", "Subscription"]

log = logging.getLogger("interlace.server")

REPLAY_LIMIT = 10_000
"""iopub messages each kernel keeps for websockets that reconnect."""

REPLAY_BYTES = 64 << 20
"""Bytes of iopub messages each kernel keeps for them, at most: a 1 GiB print keeps its tail."""

LISTENER_BYTES = 64 << 20
"""Bytes waiting for one websocket that does not read; beyond it the websocket is dropped
(it reconnects and is replayed what the buffer still has, with a gap notice for the rest)."""


@dataclass(eq=False)
class Relayed:
    """One message on its way to websockets: raw parts, a sequence number, cached encodings."""

    seq: int
    msg_id: str
    msg_type: str
    frames: Frames
    encoded: dict[str, str | bytes] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(map(len, self.frames.parts)) + sum(map(len, self.frames.buffers))


@dataclass
class Subscription:
    """What a websocket gets when it starts following a kernel's iopub."""

    replay: list[Relayed]
    lost: int | None
    """Messages that fell out of the buffer before it came back; None when unknown."""
    gap: bool
    live: MemoryObjectReceiveStream[Relayed]
    """Ends if the websocket fell too far behind (``LISTENER_BYTES``): it should reconnect."""
    source: MemoryObjectSendStream[Relayed]
    """The hub's end of ``live``: tell the hub (``taken``) what was sent on."""


class IopubHub:
    """Reads one kernel's iopub and fans it out; remembers recent messages for replay."""

    def __init__(self, context: Context, info: ConnectionInfo) -> None:
        self.signer = info.signer()
        self.channel = context.connect(
            "SUB", info.url("iopub"), self.signer, "iopub", subscribe=b""
        )
        self.buffer: deque[Relayed] = deque(maxlen=REPLAY_LIMIT)
        self.buffered_bytes = 0
        self.listeners: dict[MemoryObjectSendStream[Relayed], int] = {}
        """Each websocket's stream of live messages, and the bytes waiting in it."""
        self.execution_state = "starting"
        self.last_activity = datetime.now(UTC)
        self.delivered: dict[str, int] = {}
        self._seq = 0
        self._guard = ReplayGuard()

    async def run(self) -> None:
        while True:
            frames = await self.channel.recv_frames()
            try:
                relayed = self._relay(frames)
            except ProtocolError as exc:
                log.warning("iopub: dropped a message: %s", exc)
                continue
            self._keep(relayed)
            for listener in list(self.listeners):
                self._hand(listener, relayed)

    def _keep(self, relayed: Relayed) -> None:
        """Keep ``relayed`` for replay, within ``REPLAY_LIMIT`` messages and ``REPLAY_BYTES``."""
        if len(self.buffer) == self.buffer.maxlen:
            self.buffered_bytes -= self.buffer[0].size
        self.buffer.append(relayed)
        self.buffered_bytes += relayed.size
        while self.buffered_bytes > REPLAY_BYTES and len(self.buffer) > 1:
            self.buffered_bytes -= self.buffer.popleft().size

    def _hand(self, listener: MemoryObjectSendStream[Relayed], relayed: Relayed) -> None:
        """Give ``relayed`` to one websocket's stream, or drop a websocket too far behind."""
        waiting = self.listeners[listener] + relayed.size
        if waiting > LISTENER_BYTES:
            log.warning("iopub: dropped a websocket %d bytes behind", waiting)
            del self.listeners[listener]
            listener.close()
            return
        try:
            listener.send_nowait(relayed)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):  # the websocket left
            del self.listeners[listener]
            listener.close()
            return
        self.listeners[listener] = waiting

    def taken(self, listener: MemoryObjectSendStream[Relayed], relayed: Relayed) -> None:
        """A websocket has sent ``relayed`` on: it no longer waits for it."""
        if listener in self.listeners:
            self.listeners[listener] -= relayed.size

    def _relay(self, frames: list[bytes]) -> Relayed:
        _, parts, buffers = verify(frames, self.signer, self._guard)
        header = Header.from_json(parts[0])
        self._seq += 1
        self.last_activity = datetime.now(UTC)
        if header.msg_type == "status":
            state = loads_dict(parts[3], "content").get("execution_state")
            self.execution_state = str(state or self.execution_state)
        return Relayed(self._seq, header.msg_id, header.msg_type, Frames("iopub", parts, buffers))

    def subscribe(self, session_id: str, after_msg_id: str | None) -> Subscription:
        """Follow iopub from now on, first replaying what this client missed.

        Replay resumes after ``after_msg_id`` when given, else after the last
        message delivered to ``session_id``; a client seen for the first time gets
        no replay. A position older than the buffer is reported as a gap.
        """
        send, receive = anyio.create_memory_object_stream[Relayed](math.inf)
        self.listeners[send] = 0
        oldest = self.buffer[0].seq if self.buffer else self._seq + 1
        if after_msg_id:
            found = next((m.seq for m in self.buffer if m.msg_id == after_msg_id), None)
            after, lost = (found, 0) if found is not None else (oldest - 1, None)
        elif session_id in self.delivered:
            after = self.delivered[session_id]
            lost = max(0, oldest - after - 1)
        else:
            return Subscription([], 0, False, receive, send)
        replay = [message for message in self.buffer if message.seq > after]
        return Subscription(replay, lost, lost != 0, receive, send)


@dataclass(eq=False)
class ServedKernel:
    """A kernel the server started, with what the REST API reports about it."""

    id: str
    name: str
    manager: KernelManager
    hub: IopubHub
    context: Context
    client: AsyncKernelClient
    connections: int = 0
    stopping: anyio.Event = field(default_factory=anyio.Event)
    stopped: anyio.Event = field(default_factory=anyio.Event)

    def model(self) -> JSONDict:
        return {
            "id": self.id,
            "name": self.name,
            "last_activity": self.hub.last_activity.isoformat().replace("+00:00", "Z"),
            "execution_state": self.hub.execution_state,
            "connections": self.connections,
        }

    async def interrupt(self) -> None:
        await self.manager.interrupt()

    @property
    def info(self) -> ConnectionInfo:
        assert self.manager.info is not None
        return self.manager.info

    def channel(self, name: ChannelName, identity: bytes) -> Channel:
        """A DEALER on this kernel's ``name`` channel; ``identity`` routes replies back."""
        url = self.info.url(name)
        return self.context.connect("DEALER", url, self.hub.signer, name, identity=identity)

    def signed(self, frames: Frames) -> list[bytes]:
        """ZeroMQ frames for a message a websocket sent, signed with the kernel's key."""
        return [DELIMITER, self.hub.signer.sign(frames.parts), *frames.parts, *frames.buffers]

    def checked(self, frames: list[bytes], guard: ReplayGuard) -> Frames | None:
        """A kernel reply's parts if its signature holds; None (logged) otherwise."""
        try:
            _, parts, buffers = verify(frames, self.hub.signer, guard)
        except ProtocolError as exc:
            log.warning("kernel %s: dropped a message: %s", self.id, exc)
            return None
        return Frames("", parts, buffers)


class KernelRegistry:
    """Every kernel the server runs, by id.

    Each kernel lives in a task of the server's task group, from start to
    shutdown, so that its manager's resources are opened and closed in one task.
    """

    def __init__(
        self, tasks: TaskGroup, default_kernel: str = "interlace", root: Path | None = None
    ) -> None:
        self._tasks = tasks
        self.default_kernel = default_kernel
        self.root = root
        """The folder kernels start in, and the one ``folder`` paths are relative to."""
        self.kernels: dict[str, ServedKernel] = {}

    async def start(self, name: str, folder: str = "") -> ServedKernel:
        """Start a kernel of kernelspec ``name`` in ``folder`` (a path under the root, as
        the contents API names it; the root if it is none). Raises KernelSpecError or
        KernelStartError."""
        cwd = self.working_directory(folder)
        kernel: ServedKernel = await self._tasks.start(self._serve, name, cwd)
        self.kernels[kernel.id] = kernel
        return kernel

    def working_directory(self, folder: str) -> Path | None:
        """Where a kernel for ``folder`` starts: that folder if it is one under the root,
        else the root (None: the server's own working directory, when it has no root)."""
        if self.root is None:
            return None
        root = self.root.resolve()
        candidate = (root / folder.strip("/")).resolve() if folder.strip("/") else root
        if candidate.is_relative_to(root) and candidate.is_dir():
            return candidate
        return root

    async def _serve(
        self, name: str, cwd: Path | None, *, task_status: TaskStatus[ServedKernel]
    ) -> None:
        context = Context()
        kernel: ServedKernel | None = None
        try:
            async with KernelManager(name, cwd=cwd) as manager:
                assert manager.info is not None
                client = await manager.client()
                hub = IopubHub(context, manager.info)
                kernel = ServedKernel(new_id(), manager.spec.name, manager, hub, context, client)
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(hub.run)
                    task_status.started(kernel)
                    await kernel.stopping.wait()
                    tasks.cancel_scope.cancel()
        finally:
            context.close()
            if kernel is not None:
                kernel.stopped.set()

    def get(self, kernel_id: str) -> ServedKernel:
        """The kernel with this id; KeyError if there is none."""
        return self.kernels[kernel_id]

    async def shutdown(self, kernel_id: str) -> None:
        kernel = self.kernels.pop(kernel_id)
        kernel.stopping.set()
        with anyio.move_on_after(15):
            await kernel.stopped.wait()

    # The RPC layer's KernelPool.

    async def start_kernel(self, name: str | None) -> ServedKernel:
        return await self.start(name or self.default_kernel)

    def find_kernel(self, kernel_id: str) -> ServedKernel | None:
        return self.kernels.get(kernel_id)

    async def stop_kernel(self, kernel_id: str) -> None:
        if kernel_id in self.kernels:
            await self.shutdown(kernel_id)

    async def shutdown_all(self) -> None:
        for kernel_id in list(self.kernels):
            await self.shutdown(kernel_id)
