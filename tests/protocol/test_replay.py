import pytest

from interlace.errors import ReplayedMessage
from interlace.protocol import ReplayGuard


def test_replay_guard_refuses_a_signature_seen_before() -> None:
    guard = ReplayGuard()
    guard.check(b"a")
    guard.check(b"b")
    with pytest.raises(ReplayedMessage):
        guard.check(b"a")


def test_replay_guard_memory_is_bounded_and_forgets_the_oldest() -> None:
    guard = ReplayGuard(capacity=3)
    for signature in (b"1", b"2", b"3", b"4"):
        guard.check(signature)
    assert len(guard) == 3
    guard.check(b"1")
    with pytest.raises(ReplayedMessage):
        guard.check(b"4")


def test_replay_guard_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="capacity"):
        ReplayGuard(capacity=0)
