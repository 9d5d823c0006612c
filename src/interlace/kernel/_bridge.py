"""Handing work from the main thread (where user code runs) to the kernel's I/O loop."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import TYPE_CHECKING, Generic, TypeVar, final

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Inbox", "Outbox"]

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


@final
class Inbox(Generic[T]):
    """Requests handed from the I/O thread to the main thread's event loop, in order.

    Items may arrive before the loop exists (kernel_info is served before IPython
    loads); ``bind`` attaches the loop that awaits them. Putting wakes the loop only
    when its consumer waits, so a queue of requests costs one wake-up.
    """

    def __init__(self) -> None:
        self._items: deque[T] = deque()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready: asyncio.Event | None = None
        self._waiting = False

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Deliver to ``loop`` from now on (call from that loop's thread)."""
        with self._lock:
            self._loop, self._ready = loop, asyncio.Event()

    def put(self, item: T) -> None:
        """Append ``item``; safe from any thread."""
        with self._lock:
            self._items.append(item)
            if self._waiting and self._loop is not None and self._ready is not None:
                self._waiting = False
                self._loop.call_soon_threadsafe(self._ready.set)

    async def get(self) -> T:
        """The next item, waiting on the bound loop for one to arrive."""
        assert self._ready is not None, "bind() the inbox to a loop first"
        while True:
            with self._lock:
                if self._items:
                    return self._items.popleft()
                self._ready.clear()
                self._waiting = True
            await self._ready.wait()

    def take_waiting(self) -> list[T]:
        """Everything queued right now, removed (what a failed cell aborts)."""
        with self._lock:
            items = list(self._items)
            self._items.clear()
            return items

    def put_back(self, items: list[T]) -> None:
        """Return items to the front of the queue, in their order."""
        with self._lock:
            self._items.extendleft(reversed(items))
