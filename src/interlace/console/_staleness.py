"""Which of this console's inputs another client's cell made stale, for the shared view.

A console on a shared kernel (a notebook's, another console's) runs beside people
who can assign again a name its earlier inputs read: their outputs on this screen
no longer match the namespace. The console says so once, when the other cell has
run without error: which inputs, and which names.

What an input read comes from our kernel's execute_reply (``interlace.reads``), or
from its source for other kernels; what another client's cell assigns, from its
source (only its execute_input is shared with every client).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from interlace.protocol import names_of_source

if TYPE_CHECKING:
    from collections.abc import Iterable

    from interlace.protocol import JSONDict

__all__ = ["StaleInputs", "describe"]

INPUTS_KEPT = 1000
"""The inputs whose reads are kept: older ones are too far up the screen to matter."""


class StaleInputs:
    """This console's inputs, what each read, and which were already said to be stale."""

    def __init__(self) -> None:
        self._reads: dict[int, frozenset[str]] = {}
        """By execution count, oldest first; each name is dropped once said stale."""
        self._pending: dict[str, frozenset[str]] = {}
        """Other clients' running cells (by request id): what their source assigns."""

    def ran(self, count: int | None, code: str, reply_metadata: JSONDict) -> None:
        """One of ours finished: remember what it read."""
        if count is None:
            return
        reported = reply_metadata.get("interlace")
        reads = reported.get("reads") if isinstance(reported, dict) else None
        if not isinstance(reads, list):
            reads = names_of_source(code)["reads"]
        self._reads.pop(count, None)
        self._reads[count] = frozenset(str(name) for name in reads)
        while len(self._reads) > INPUTS_KEPT:
            del self._reads[next(iter(self._reads))]

    def started(self, request: str, code: str) -> None:
        """Another client's cell started (its execute_input)."""
        writes = frozenset(names_of_source(code)["writes"])
        if writes:
            self._pending[request] = writes
            while len(self._pending) > INPUTS_KEPT:
                del self._pending[next(iter(self._pending))]

    def failed(self, request: str) -> None:
        """It raised: what it assigned before that is not known, so nothing is said."""
        self._pending.pop(request, None)

    def finished(self, request: str) -> list[tuple[int, list[str]]]:
        """It ended (the kernel went idle for it): our inputs that read a name it
        assigned, with those names, oldest first; each input and name said once."""
        writes = self._pending.pop(request, None)
        if not writes:
            return []
        stale: list[tuple[int, list[str]]] = []
        for count, reads in self._reads.items():
            names = reads & writes
            if names:
                stale.append((count, sorted(names)))
                self._reads[count] = reads - names
        return stale


def describe(stale: Iterable[tuple[int, list[str]]]) -> str:
    """``In [2] (a), In [3] (a, b)``."""
    return ", ".join(f"In [{count}] ({', '.join(names)})" for count, names in stale)
