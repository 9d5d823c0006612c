"""Who is in a notebook: each peer's Yjs awareness state (name, colour, cursor, cell).

The room keeps every peer's latest state, relays changes to the others, greets a
newcomer with everyone's state, and announces a peer's states removed when its
connection ends, so nobody's cursor lingers after they have gone. States a peer
stops renewing expire after the awareness timeout (30 s), as in y-protocols.

A collaborator that speaks no Yjs (a coding agent over MCP or REST) is shown
through a ``StandIn``: an awareness client of its own, kept by the server, that
joins, renews its state and leaves as any peer does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pycrdt import Awareness, Doc, create_awareness_message, read_message

from interlace.errors import MalformedUpdate

if TYPE_CHECKING:
    from collections.abc import Callable

    from interlace.protocol import JSONDict

__all__ = ["Presence", "StandIn"]


class Presence:
    """The awareness of one room, keyed by the peers that control each Yjs client id."""

    def __init__(
        self,
        doc: Doc[Any],
        broadcast: Callable[[bytes, int | None], None],
        visits: Callable[[str, str], None] | None = None,
    ) -> None:
        self.awareness = Awareness(doc)
        self.awareness.set_local_state(None)
        self._broadcast = broadcast
        self._visits = visits
        self._controlled: dict[int, set[int]] = {}
        self._names: dict[int, str] = {}
        self.awareness.observe(self._on_update)

    def name_of(self, peer: int) -> str:
        """The name ``peer`` goes by (its awareness ``user.name``), or "anonymous"."""
        return self._names.get(peer, "anonymous")

    @property
    def states(self) -> dict[int, JSONDict]:
        """Every present Yjs client's state, by client id."""
        return dict(self.awareness.states)

    def greeting(self) -> bytes | None:
        """An awareness message with every present state, for a peer that just joined."""
        clients = list(self.awareness.states)
        if not clients:
            return None
        return create_awareness_message(self.awareness.encode_awareness_update(clients))

    def apply(self, peer: int, message: bytes) -> None:
        """Apply an awareness message from ``peer``; MalformedUpdate if it is malformed."""
        try:
            self.awareness.apply_awareness_update(read_message(message[1:]), peer)
        except (AssertionError, IndexError, ValueError, RuntimeError, TypeError) as exc:
            raise MalformedUpdate(f"malformed awareness message: {exc}") from exc

    def stand_in(self) -> StandIn:
        """Presence for a collaborator that speaks no Yjs; shown once given a state."""
        return StandIn(self)

    def leave(self, peer: int) -> None:
        """``peer`` has gone: remove the states it controlled, telling everyone."""
        clients = self._controlled.pop(peer, set())
        if clients:
            self.awareness.remove_awareness_states(sorted(clients), None)
        name = self._names.pop(peer, None)
        if name is not None and self._visits is not None:
            self._visits("left", name)

    def _on_update(self, topic: str, event: tuple[dict[str, list[int]], Any]) -> None:
        if topic != "update":
            return
        changes, origin = event
        if isinstance(origin, int):
            controlled = self._controlled.setdefault(origin, set())
            controlled.update(changes["added"], changes["updated"])
            controlled.difference_update(changes["removed"])
            self._learn_name(origin)
        clients = [*changes["added"], *changes["updated"], *changes["removed"]]
        update = self.awareness.encode_awareness_update(clients)
        skip = origin if isinstance(origin, int) else None
        self._broadcast(create_awareness_message(update), skip)

    def _learn_name(self, peer: int) -> None:
        """Note the name a peer's state gives; its first name is when it joined."""
        for client in self._controlled.get(peer, ()):
            user = (self.awareness.states.get(client) or {}).get("user")
            name = user.get("name") if isinstance(user, dict) else None
            if isinstance(name, str) and name and self._names.get(peer) != name:
                first = peer not in self._names
                self._names[peer] = name
                if first and self._visits is not None:
                    self._visits("joined", name)
                return


class StandIn:
    """The presence the server keeps for a collaborator that speaks no Yjs (an agent).

    It is a peer of the room (keyed by this object) with an awareness client of its
    own: ``show`` sets or renews its state (a name, a cell, a cursor) and tells
    everyone, as a page's awareness update would; ``leave`` removes it. A stand-in
    that left is not shown again: make a new one.
    """

    def __init__(self, presence: Presence) -> None:
        self._presence = presence
        self._awareness = Awareness(Doc())

    @property
    def key(self) -> int:
        return id(self)

    @property
    def client_id(self) -> int:
        return self._awareness.client_id

    def show(self, state: JSONDict) -> None:
        """Show ``state`` (or renew it, so it does not expire) to everyone in the room."""
        self._awareness.set_local_state(state)
        update = self._awareness.encode_awareness_update([self._awareness.client_id])
        self._presence.apply(self.key, create_awareness_message(update))

    def leave(self) -> None:
        self._presence.leave(self.key)
