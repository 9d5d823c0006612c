"""A peer of a notebook: Yjs messages for the shared document, and commands in between.

On one connection, binary messages are the Yjs sync and awareness protocol and
text messages are JSON commands (see ``_commands``). A peer's messages are
taken in the order it sent them, so a command always sees the edits its peer
made before it: a run executes the source the person saw. Commands are carried
out one at a time per peer, beside the document sync, so a slow one (a kernel
starting or restarting) never holds back edits. Each gets a reply: a binary
message of type ``COMMAND_REPLY`` (a number the Yjs protocols leave unused)
followed by the JSON ``{"id": ..., "ok": true, ...}`` or ``{"id": ...,
"ok": false, "error": ...}``.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any, Protocol

import anyio

from interlace.errors import InterlaceError
from interlace.notebooks._commands import parse_command

if TYPE_CHECKING:
    from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

    from interlace.collab import Room
    from interlace.notebooks._notebook import OpenNotebook

__all__ = ["COMMAND_REPLY", "MAX_WAITING_COMMANDS", "CommandPeer", "serve_peer"]

log = logging.getLogger("interlace.notebooks")

COMMAND_REPLY = 100
"""The message type of a command's reply (Yjs uses 0 to 3)."""

MAX_WAITING_COMMANDS = 64
"""Commands of one peer waiting their turn; beyond this they are refused."""


class CommandPeer(Protocol):
    """A connection to one peer (a websocket, say)."""

    async def send(self, message: bytes) -> None: ...

    async def receive(self) -> bytes | str | None:
        """The next message: bytes for Yjs, str for a command, None once the peer has gone."""


def reply_message(reply: dict[str, Any]) -> bytes:
    """The binary message carrying a command's reply."""
    return bytes([COMMAND_REPLY]) + json.dumps(reply).encode("utf-8")


def _command_id(value: Any) -> Any:
    """The ``id`` the peer gave its command, echoed in the reply (a number or a string)."""
    if isinstance(value, dict) and isinstance(value.get("id"), int | str):
        return value["id"]
    return None


async def answer(notebook: OpenNotebook, text: str) -> dict[str, Any]:
    """Carry out one command sent as JSON text; its reply."""
    value: Any = None
    try:
        value = json.loads(text)
        command = parse_command(value, who="websocket")
        result = await notebook.command(command)
    except (ValueError, RecursionError, InterlaceError) as exc:
        reason = "the command is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        log.warning("%s: refused a command: %s", notebook.path, reason)
        return {"id": _command_id(value), "ok": False, "error": reason}
    return {"id": _command_id(value), "ok": True, **result}


class _YjsSide:
    """The peer as its room sees it: Yjs messages only; commands go to the waiting line."""

    def __init__(self, room: Room, peer: CommandPeer, waiting: MemoryObjectSendStream[str]) -> None:
        self.room = room
        self.peer = peer
        self.waiting = waiting

    async def send(self, message: bytes) -> None:
        await self.peer.send(message)

    async def receive(self) -> bytes | None:
        while True:
            message = await self.peer.receive()
            if not isinstance(message, str):
                return message
            try:
                self.waiting.send_nowait(message)
            except anyio.WouldBlock:
                refusal = {"ok": False, "error": "too many commands waiting; try again"}
                self.reply(refusal)

    def reply(self, reply: dict[str, Any]) -> None:
        """Send a command's reply to this peer, in line with its document updates."""
        self.room.send_to(self, reply_message(reply))


async def _carry_out(
    notebook: OpenNotebook, side: _YjsSide, waiting: MemoryObjectReceiveStream[str]
) -> None:
    async with waiting:
        async for text in waiting:
            side.reply(await answer(notebook, text))


def notice_message(text: str) -> bytes:
    """A reply that answers no command: what the room did about the peer's own update."""
    return reply_message({"id": None, "ok": False, "error": text})


async def serve_peer(notebook: OpenNotebook, peer: CommandPeer) -> None:
    """Serve ``peer`` until it goes: the document's sync, and its commands in order."""
    send, waiting = anyio.create_memory_object_stream[str](MAX_WAITING_COMMANDS)
    side = _YjsSide(notebook.room, peer, send)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(_carry_out, notebook, side, waiting)
        async with send:
            await notebook.room.serve(side)
        tasks.cancel_scope.cancel()
