"""A kernel's iopub hub keeps what reconnecting websockets need, bounded in bytes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio
import pytest

from interlace.notebooks import _kernels
from interlace.notebooks._kernels import IopubHub, Relayed
from interlace.protocol import Frames, new_connection_info
from interlace.transport import Context

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[IopubHub]:
    monkeypatch.setattr(_kernels, "REPLAY_BYTES", 10_000)
    monkeypatch.setattr(_kernels, "LISTENER_BYTES", 5_000)
    context = Context()
    hub = IopubHub(context, new_connection_info())
    try:
        yield hub
    finally:
        for listener in list(hub.listeners):
            listener.close()
        context.close()


def _message(seq: int, size: int = 1_000) -> Relayed:
    return Relayed(seq, f"m{seq}", "stream", Frames("iopub", [b"x" * size]))


def test_the_replay_buffer_keeps_a_tail_within_its_bytes(hub: IopubHub) -> None:
    for seq in range(1, 101):  # 100 kB through a 10 kB buffer
        hub._keep(_message(seq))
    assert hub.buffered_bytes <= 10_000
    assert [m.seq for m in hub.buffer] == list(range(91, 101))
    hub._seq = 100
    missed = hub.subscribe("s", after_msg_id="m5")  # fell out: replay what is left, say so
    assert missed.gap
    assert missed.lost is None
    assert [m.seq for m in missed.replay] == list(range(91, 101))
    missed.live.close()


def test_one_message_larger_than_the_buffer_is_still_kept(hub: IopubHub) -> None:
    hub._keep(_message(1, 50_000))
    assert [m.seq for m in hub.buffer] == [1]


def test_a_websocket_that_does_not_read_is_dropped_past_its_bytes(hub: IopubHub) -> None:
    slow, reading = hub.subscribe("slow", None), hub.subscribe("reading", None)
    for seq in range(1, 11):  # 10 kB: twice what may wait for one websocket
        message = _message(seq)
        for listener in list(hub.listeners):
            hub._hand(listener, message)
        received = reading.live.receive_nowait()
        hub.taken(reading.source, received)
    assert slow.source not in hub.listeners
    assert reading.source in hub.listeners
    kept = [slow.live.receive_nowait().seq for _ in range(5)]
    assert kept == [1, 2, 3, 4, 5]  # what was handed before it fell behind...
    with pytest.raises(anyio.EndOfStream):
        slow.live.receive_nowait()  # ...and then the end: the websocket reconnects
    slow.live.close()
    reading.live.close()
