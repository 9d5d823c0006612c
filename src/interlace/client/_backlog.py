"""A queue of iopub messages bounded in bytes: past the bound the producer waits.

A kernel can print faster than a frontend takes its output in (a gigabyte in a
loop). The client must then neither drop output nor hold all of it: the reader
of iopub waits for room, ZeroMQ's own bound fills behind it, and the backlog
waits in the kernel, whose publisher holds what we have not read.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

import anyio

if TYPE_CHECKING:
    from interlace.protocol import JSON, Message

__all__ = ["BACKLOG_BYTES", "STALL_SECONDS", "Backlog", "message_size"]

BACKLOG_BYTES = 8 << 20
"""Bytes of messages a backlog holds before its producer waits for room."""

STALL_SECONDS = 30.0
"""A consumer that takes nothing for this long no longer holds its producer back."""

_OVERHEAD = 256
"""About what a message costs besides its text and buffers (header, dicts)."""


def message_size(message: Message) -> int:
    """About the bytes ``message`` holds: its strings two levels deep and its buffers."""
    size = _OVERHEAD + sum(memoryview(buffer).nbytes for buffer in message.buffers)
    for value in message.content.values():
        size += _text_size(value, 1)
    return size


def _text_size(value: JSON, depth: int) -> int:
    if isinstance(value, str):
        return len(value)
    if depth == 0:
        return 0
    if isinstance(value, dict):
        return sum(_text_size(item, depth - 1) for item in value.values())
    if isinstance(value, list):
        return sum(_text_size(item, depth - 1) for item in value)
    return 0


class Backlog:
    """Messages put by one producer and taken by one consumer, in order.

    ``put`` never blocks; a producer that respects the bound awaits ``room()``
    after a put that filled the backlog. ``close()`` is the producer's end (the
    consumer drains what is left, then gets EndOfStream); ``abandon()`` is the
    consumer's: what is queued is dropped and later puts are refused.
    """

    def __init__(self, limit: float = BACKLOG_BYTES) -> None:
        self.limit = limit
        self.bytes = 0
        self._items: deque[tuple[Message, int]] = deque()
        self._closed = False
        self._abandoned = False
        self._changed: anyio.Event | None = None

    def __len__(self) -> int:
        return len(self._items)

    @property
    def full(self) -> bool:
        return self.bytes >= self.limit and not self._abandoned

    def put(self, message: Message) -> bool:
        """Queue ``message``; False if the consumer has gone (nothing is queued then)."""
        if self._abandoned:
            return False
        size = message_size(message)
        self._items.append((message, size))
        self.bytes += size
        self._change()
        return True

    async def room(self, stall: float = STALL_SECONDS) -> bool:
        """Wait until the backlog is below its bound or abandoned.

        False if the consumer took nothing for ``stall`` seconds: the bound is
        lifted then, so that one stuck consumer cannot stop every other one.
        """
        while self.full:
            with anyio.move_on_after(stall) as waiting:
                await self._next_change()
            if waiting.cancelled_caught:
                self.limit = math.inf
                return False
        return True

    def take_nowait(self) -> Message | None:
        """The oldest message, or None if there is none now."""
        if not self._items:
            return None
        message, size = self._items.popleft()
        self.bytes -= size
        self._change()
        return message

    async def take(self) -> Message:
        """The oldest message, waiting for one; EndOfStream once closed and drained."""
        while True:
            message = self.take_nowait()
            if message is not None:
                return message
            if self._closed or self._abandoned:
                raise anyio.EndOfStream
            await self._next_change()

    def close(self) -> None:
        """No more messages will come."""
        self._closed = True
        self._change()

    def abandon(self) -> None:
        """Nobody will take the messages: drop them, and refuse any more."""
        self._abandoned = True
        self._items.clear()
        self.bytes = 0
        self._change()

    async def _next_change(self) -> None:
        if self._changed is None:
            self._changed = anyio.Event()
        await self._changed.wait()

    def _change(self) -> None:
        changed, self._changed = self._changed, None
        if changed is not None:
            changed.set()
