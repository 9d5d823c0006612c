"""The Yjs sync protocol's messages, read as pure functions (pycrdt applies them).

A sync message is ``[0, step, payload]``: step 1 carries the sender's state
vector (what it has), step 2 and updates carry an update (what it adds). The
room reads them here to store a peer's update before applying it, and to tell
from a peer's state vector whether its document shares the room's history.
"""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, YMessageType, YSyncMessageType, read_message

from interlace.errors import MalformedUpdate

__all__ = ["EMPTY_UPDATE", "SyncMessage", "check_update", "read_sync", "state_vector"]

EMPTY_UPDATE = b"\x00\x00"
"""An update that adds nothing (no structs, no deletions), as y-websocket sends at times."""


class SyncMessage:
    """One sync message: its step and its payload (a state vector or an update)."""

    __slots__ = ("payload", "step")

    def __init__(self, step: YSyncMessageType, payload: bytes) -> None:
        self.step = step
        self.payload = payload

    @property
    def is_update(self) -> bool:
        """Whether it adds to the document (step 2 or an update) rather than asks (step 1)."""
        return self.step != YSyncMessageType.SYNC_STEP1


def read_sync(message: bytes) -> SyncMessage:
    """The sync message ``message`` (its first byte ``YMessageType.SYNC``); MalformedUpdate
    if it is not one."""
    if len(message) < 2 or message[0] != YMessageType.SYNC:
        raise MalformedUpdate("not a sync message")
    try:
        step = YSyncMessageType(message[1])
        payload = read_message(message[2:])
    except (ValueError, AssertionError, IndexError) as exc:
        raise MalformedUpdate(f"a sync message that cannot be read: {exc}") from exc
    return SyncMessage(step, payload)


def _var_uint(data: bytes, at: int) -> tuple[int, int]:
    """The unsigned LEB128 number at ``at``, and where the next one starts."""
    value, shift = 0, 0
    while True:
        if at >= len(data) or shift > 63:
            raise MalformedUpdate("a state vector that ends in the middle of a number")
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if byte < 0x80:
            return value, at
        shift += 7


def state_vector(payload: bytes) -> dict[int, int]:
    """A state vector as {client id: clock}: how much of each writer's changes a peer has."""
    count, at = _var_uint(payload, 0)
    if count > len(payload):
        raise MalformedUpdate("a state vector naming more writers than it has bytes")
    clocks: dict[int, int] = {}
    for _ in range(count):
        client, at = _var_uint(payload, at)
        clocks[client], at = _var_uint(payload, at)
    return clocks


def check_update(update: bytes) -> None:
    """MalformedUpdate unless ``update`` decodes as a Yjs update (checked on a scratch
    document: what is stored before it is applied must be applicable)."""
    scratch: Doc[Any] = Doc()
    try:
        scratch.apply_update(update)
    except (ValueError, RuntimeError) as exc:
        raise MalformedUpdate(f"an update that cannot be applied: {exc}") from exc
