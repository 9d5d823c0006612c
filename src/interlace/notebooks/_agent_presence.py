"""Agents in presence: each one shown in the notebooks it works on, beside the people.

An agent speaks no Yjs, so the server keeps its presence (a ``StandIn`` of the
room's): its name and colour, the cell it last read, edited or ran, and a cursor
where its last edit ended, as a page shows a person's. It stays shown while it
works and for ``LINGER`` seconds after its last action (an agent thinks between
calls), renewed meanwhile so that no page expires it; then it leaves, and the
notebook's history records its coming and going as a person's.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from interlace.collab import Room
    from interlace.collab._presence import StandIn
    from interlace.protocol import JSONDict

__all__ = ["LINGER", "AgentPresence"]

LINGER = 60.0
"""Seconds an agent stays shown in a notebook after its last action there."""

RENEW = 10.0
"""Seconds between renewals of a shown agent's state (awareness expires after 30)."""

_COLOURS = ("#8e44ad", "#16a085", "#d35400", "#2c3e50", "#c0392b", "#2980b9")


def colour_of(agent: str) -> str:
    """An agent's colour: the same for the same name, on every page."""
    digest = hashlib.sha256(agent.encode("utf-8")).digest()
    return _COLOURS[digest[0] % len(_COLOURS)]


@dataclass
class _Shown:
    room: Room
    stand_in: StandIn
    state: JSONDict
    last: float = field(default_factory=time.monotonic)


class AgentPresence:
    """Which agents are shown in which open notebooks; ``renew`` renews and expires them."""

    def __init__(self, current: Callable[[str], Room | None], linger: float = LINGER) -> None:
        """``current`` gives the room of the notebook open at a path now (None if none)."""
        self.linger = linger
        self._current = current
        self._shown: dict[tuple[str, str], _Shown] = {}

    def show(
        self,
        path: str,
        room: Room,
        agent: str,
        cell_id: str | None = None,
        cursor: JSONDict | None = None,
    ) -> None:
        """``agent`` acts on the notebook at ``path`` now, on ``cell_id`` (with its cursor
        there)."""
        key = (path, agent)
        shown = self._shown.get(key)
        if shown is None or shown.room is not room:
            colour = colour_of(agent)
            user = {"name": agent, "color": colour, "colorLight": f"{colour}33", "agent": True}
            shown = self._shown[key] = _Shown(room, room.presence.stand_in(), {"user": user})
        state: JSONDict = {"user": shown.state["user"], "cell": cell_id}
        if cursor is not None:
            state["cursor"] = {"anchor": cursor, "head": cursor}
        elif cell_id is not None and shown.state.get("cell") == cell_id:
            state["cursor"] = shown.state.get("cursor")  # still there (running what it wrote)
        shown.state, shown.last = state, time.monotonic()
        shown.stand_in.show(state)

    def shown_in(self, path: str) -> list[str]:
        """The agents shown in the notebook at ``path`` now."""
        return sorted(agent for (shown_path, agent) in self._shown if shown_path == path)

    def leave_notebook(self, path: str) -> None:
        """Every agent leaves the notebook at ``path`` (it no longer lets them in)."""
        for key in [key for key in self._shown if key[0] == path]:
            self._leave(key)

    def _leave(self, key: tuple[str, str]) -> None:
        self._shown.pop(key).stand_in.leave()

    def renew(self) -> None:
        """Renew every agent still at work (so pages keep showing it); let the others go.
        Called every ``RENEW`` seconds."""
        now = time.monotonic()
        for key, shown in list(self._shown.items()):
            if self._current(key[0]) is not shown.room:  # closed, or opened anew since
                del self._shown[key]
            elif now - shown.last > self.linger:
                self._leave(key)
            else:
                shown.stand_in.show(shown.state)
