"""The login throttle on its own, with a clock the test moves."""

from __future__ import annotations

from interlace.server._throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_failures_then_waits_that_double() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    for _ in range(4):
        throttle.charge("a")
        assert throttle.retry_after("a") == 0
    throttle.charge("a")
    assert throttle.retry_after("a") == 1
    clock.now += 1
    assert throttle.retry_after("a") == 0
    throttle.charge("a")
    assert throttle.retry_after("a") == 2
    clock.now += 2
    throttle.charge("a")
    assert throttle.retry_after("a") == 4
    assert throttle.retry_after("b") == 0


def test_waits_are_capped_and_forgotten_after_a_quiet_window() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock, max_wait=8)
    for _ in range(20):
        throttle.charge("a")
    assert throttle.retry_after("a") == 8
    clock.now += 8 + 61
    throttle.charge("a")
    assert throttle.retry_after("a") == 0


def test_a_success_forgives_and_the_table_stays_bounded() -> None:
    throttle = LoginThrottle(clock=Clock(), max_clients=3)
    for _ in range(5):
        throttle.charge("a")
    throttle.forgive("a")
    assert throttle.retry_after("a") == 0
    for client in ("b", "c", "d", "e"):
        for _ in range(5):
            throttle.charge(client)
    assert throttle.retry_after("b") == 0  # the least recent, forgotten
    assert all(throttle.retry_after(client) == 1 for client in ("c", "d", "e"))
