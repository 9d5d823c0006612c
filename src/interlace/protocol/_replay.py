"""Replay protection: remember recent signatures and refuse to accept one twice."""

from __future__ import annotations

from collections import deque
from typing import final

from interlace.errors import ReplayedMessage

__all__ = ["ReplayGuard"]


@final
class ReplayGuard:
    """A bounded memory of the last ``capacity`` verified signatures.

    A signature covers the header, whose msg_id and date are unique, so an honest
    peer never repeats one; a repeat is a captured message played back. The oldest
    signatures are forgotten first, in O(1), so memory stays bounded.
    """

    __slots__ = ("_order", "_seen", "capacity")

    def __init__(self, capacity: int = 2**16) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._seen: set[bytes] = set()
        self._order: deque[bytes] = deque()

    def __len__(self) -> int:
        return len(self._seen)

    def check(self, signature: bytes) -> None:
        """Record ``signature``; raise ReplayedMessage if it was seen already."""
        if signature in self._seen:
            raise ReplayedMessage(f"signature {signature[:16]!r}... was already used")
        self._seen.add(signature)
        self._order.append(signature)
        if len(self._order) > self.capacity:
            self._seen.discard(self._order.popleft())
