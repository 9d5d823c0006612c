"""Which request each piece of output belongs to.

Output is sent as a child of a request (its ``parent_header``), and frontends put
it under the cell that made that request. What a request's handler prints belongs
to it, and so does what an asyncio task started meanwhile prints later (a context
variable, which every task copies when it is created); a thread that user code
started belongs to whichever request is being served, as on ipykernel.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, final

if TYPE_CHECKING:
    from collections.abc import Sequence

    from interlace.protocol import Message

__all__ = ["Parents"]


@final
class Parents:
    """The request being served, and the one the running code belongs to."""

    def __init__(self) -> None:
        self.own: ContextVar[Message | None] = ContextVar("interlace_parent", default=None)
        self.latest: Message | None = None
        self.identities: Sequence[bytes] = ()

    def enter(self, request: Message, identities: Sequence[bytes]) -> None:
        """The main thread begins serving ``request`` (from ``identities``)."""
        self.own.set(request)
        self.latest, self.identities = request, identities

    def adopt(self, request: Message) -> None:
        """Code in this context produces output for ``request`` from now on (``set_parent``)."""
        self.own.set(request)

    def current(self) -> Message | None:
        return self.own.get() or self.latest
