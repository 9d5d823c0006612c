"""/api/kernels/{id}/channels: a kernel's channels over one WebSocket, both Jupyter protocols.

Each websocket gets its own shell, control and stdin sockets, whose identity is
the client's session id, so replies and input requests reach the client that
asked (and a client that reconnects under the same session id). iopub comes from
the kernel's hub, replaying what the client missed while it was away.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import anyio
from starlette.websockets import WebSocketDisconnect

from interlace.errors import ChannelError, ProtocolError
from interlace.protocol import (
    V1_SUBPROTOCOL,
    Frames,
    Header,
    ReplayGuard,
    Sender,
    decode_json_frame,
    decode_v1_frame,
    dumps,
    encode_json_frame,
    encode_v1_frame,
    new_id,
)

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

    from interlace.notebooks import Relayed, ServedKernel, Subscription
    from interlace.protocol import Channel as ChannelName
    from interlace.transport import Channel

__all__ = ["serve_channels"]

log = logging.getLogger("interlace.server")

REQUEST_CHANNELS: tuple[ChannelName, ...] = ("shell", "control", "stdin")
_server = Sender(username="interlace-server")


class _Bridge:
    """One websocket joined to one kernel."""

    def __init__(self, websocket: WebSocket, kernel: ServedKernel, v1: bool, session: str):
        self.websocket = websocket
        self.kernel = kernel
        self.v1 = v1
        self.session = session
        self.protocol = V1_SUBPROTOCOL if v1 else "json"
        identity = session.encode()
        self.channels = {name: kernel.channel(name, identity) for name in REQUEST_CHANNELS}
        self.guard = ReplayGuard()

    def encode(self, frames: Frames) -> str | bytes:
        if self.v1:
            return encode_v1_frame(frames)
        header = Header.from_json(frames.parts[0])
        return encode_json_frame(frames, header.msg_id, header.msg_type)

    def encode_relayed(self, relayed: Relayed) -> str | bytes:
        """iopub messages go to many websockets: encode each once per protocol."""
        cached = relayed.encoded.get(self.protocol)
        if cached is None:
            if self.v1:
                cached = encode_v1_frame(relayed.frames)
            else:
                cached = encode_json_frame(relayed.frames, relayed.msg_id, relayed.msg_type)
            relayed.encoded[self.protocol] = cached
        return cached

    async def send(self, data: str | bytes) -> None:
        if isinstance(data, str):
            await self.websocket.send_text(data)
        else:
            await self.websocket.send_bytes(data)

    async def from_browser(self) -> None:
        while True:
            event = await self.websocket.receive()
            if event["type"] == "websocket.disconnect":
                return
            data = event.get("bytes") if event.get("bytes") is not None else event.get("text")
            if data is None:
                continue
            try:
                if self.v1 and isinstance(data, bytes):
                    frames = decode_v1_frame(data)
                else:
                    frames = decode_json_frame(data)
            except ProtocolError as exc:
                log.warning("websocket %s: dropped a message: %s", self.session, exc)
                continue
            channel = self.channels.get(frames.channel)  # type: ignore[call-overload]
            if channel is None:
                log.warning("websocket %s: no channel %r", self.session, frames.channel)
                continue
            await channel.send_frames(self.kernel.signed(frames))

    async def from_kernel(self, name: ChannelName, channel: Channel) -> None:
        while True:
            checked = self.kernel.checked(await channel.recv_frames(), self.guard)
            if checked is not None:
                await self.send(self.encode(Frames(name, checked.parts, checked.buffers)))

    async def iopub(self, subscription: Subscription) -> None:
        if subscription.gap:
            await self.send(self.encode(_gap_notice(subscription.lost)))
        for relayed in subscription.replay:
            await self.deliver(relayed)
        async for relayed in subscription.live:
            await self.deliver(relayed)
            self.kernel.hub.taken(subscription.source, relayed)
        # The hub dropped this websocket for falling too far behind: let the client
        # reconnect, to be replayed what the buffer still holds.
        await self.websocket.close(code=1013, reason="too far behind; reconnect")

    async def deliver(self, relayed: Relayed) -> None:
        await self.send(self.encode_relayed(relayed))
        self.kernel.hub.delivered[self.session] = relayed.seq

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()


def _gap_notice(lost: int | None) -> Frames:
    """Told to a client that came back too late for the replay buffer."""
    header = _server.header("replay_gap")
    content = {"lost": lost, "note": "iopub messages were dropped while this client was away"}
    parts = [dumps(header.to_dict()), b"{}", b"{}", dumps(content)]
    return Frames("iopub", parts)


async def serve_channels(websocket: WebSocket, kernel: ServedKernel) -> None:
    """Bridge ``websocket`` and ``kernel`` until either side goes away."""
    requested = websocket.scope.get("subprotocols") or []
    v1 = V1_SUBPROTOCOL in requested
    await websocket.accept(subprotocol=V1_SUBPROTOCOL if v1 else None)
    session = websocket.query_params.get("session_id") or new_id()
    bridge = _Bridge(websocket, kernel, v1, session)
    log.info("websocket %s joined kernel %s (%s protocol)", session, kernel.id, bridge.protocol)
    subscription = kernel.hub.subscribe(session, websocket.query_params.get("last_msg_id"))
    kernel.connections += 1
    try:
        async with anyio.create_task_group() as tasks:
            for name, channel in bridge.channels.items():
                tasks.start_soon(bridge.from_kernel, name, channel)
            tasks.start_soon(bridge.iopub, subscription)
            await bridge.from_browser()
            tasks.cancel_scope.cancel()
    except* (WebSocketDisconnect, ChannelError) as closed:
        log.info("websocket %s closed: %s", session, closed.exceptions[0])
    finally:
        kernel.connections -= 1
        subscription.live.close()
        bridge.close()
