"""Handing work from the main thread (where user code runs) to the kernel's I/O loop."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Generic, TypeVar, final

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Outbox"]

T = TypeVar("T")


@final
class Outbox(Generic[T]):
    """A FIFO that any thread appends to and one asyncio task drains.

    Appending never blocks and wakes the loop only when the consumer may be
    asleep, so a burst of messages costs one cross-thread wake-up, not one each.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._items: deque[T] = deque()
        self._ready = asyncio.Event()
        self._wake_pending = False

    def put(self, item: T) -> None:
        """Append ``item``; safe from any thread, including the loop's own."""
        self._items.append(item)
        if not self._wake_pending:
            self._wake_pending = True
            self._loop.call_soon_threadsafe(self._ready.set)

    async def wait(self) -> None:
        """Sleep until something was put since the last ``take``."""
        await self._ready.wait()
        self._ready.clear()
        self._wake_pending = False

    def take(self) -> Iterator[T]:
        """Pop items in order until none is left (items put meanwhile are included)."""
        items = self._items
        while items:
            yield items.popleft()
