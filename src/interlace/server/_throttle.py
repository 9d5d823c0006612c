"""Slowing down password guessing: failed logins counted per client address.

Each attempt is counted as a failure before its password is checked (so that
attempts sent side by side are counted too) and forgiven when it succeeds.
After ``free`` failures, each within ``window`` seconds of the one before, a
client waits before its next attempt, twice as long after each further failure, up to ``max_wait``;
meanwhile it is answered 429 with Retry-After, and its password is not even
checked. The table holds at most ``max_clients`` addresses, the least recent
forgotten first, so a flood of addresses cannot grow it. jupyter_server has no
such limit.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["LoginThrottle"]


@dataclass
class _Failures:
    count: int
    last: float
    blocked_until: float = 0.0


@dataclass
class LoginThrottle:
    """Failed logins per client; ``retry_after`` says how long a client must wait."""

    free: int = 5
    window: float = 60.0
    max_wait: float = 300.0
    max_clients: int = 4096
    clock: Callable[[], float] = time.monotonic
    _table: OrderedDict[str, _Failures] = field(default_factory=OrderedDict)

    def retry_after(self, client: str) -> float:
        """Seconds ``client`` must wait before its next attempt; 0 if it may try now."""
        failures = self._table.get(client)
        return max(0.0, failures.blocked_until - self.clock()) if failures else 0.0

    def charge(self, client: str) -> None:
        """Count an attempt of ``client`` as failed until ``forgive`` says otherwise."""
        now = self.clock()
        failures = self._table.pop(client, None)
        if failures is None or now - max(failures.last, failures.blocked_until) > self.window:
            failures = _Failures(0, now)
        failures.count += 1
        failures.last = now
        if failures.count >= self.free:
            wait = min(2.0 ** (failures.count - self.free), self.max_wait)
            failures.blocked_until = now + wait
        self._table[client] = failures
        while len(self._table) > self.max_clients:
            self._table.popitem(last=False)

    def forgive(self, client: str) -> None:
        """``client`` logged in: forget its failures."""
        self._table.pop(client, None)
