"""A room's peers: one that stops reading is dropped, not buffered without end; a closing
room lets every peer go so it can reconnect to the room opened next."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio
import pytest

from interlace.collab import Room
from interlace.collab import _lines as lines_module
from interlace.record import Recordings
from tests.notebooks.ypeer import NOTEBOOK

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class _Peer:
    """A peer that sends nothing and, unless ``reading``, never takes what it is sent."""

    def __init__(self, reading: bool) -> None:
        self.reading = reading
        self.received = 0
        self.took = anyio.Event()
        """Set when the peer takes a message."""
        self.gone = anyio.Event()

    async def send(self, message: bytes) -> None:
        if not self.reading:
            await anyio.sleep_forever()
        self.received += 1
        self.took.set()

    async def receive(self) -> bytes | None:
        await self.gone.wait()
        return None


def _room(tmp_path: Path) -> Room:
    recordings = Recordings(tmp_path / "r.sqlite")
    return Room.open("n.ipynb", lambda: dict(NOTEBOOK), recordings, lambda notebook: None)


async def _type_into(room: Room, edits: int, reader: _Peer) -> None:
    """Edits of a thousand characters each, each one taken by ``reader`` before the next."""
    source = room.document.cell("first")["source"]
    for _ in range(edits):
        reader.took = anyio.Event()
        source.insert(len(source), "x" * 1000)
        await reader.took.wait()


async def test_a_peer_that_stops_reading_is_dropped_past_the_backlog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lines_module, "MAX_PEER_BACKLOG", 64 * 1024)
    room = _room(tmp_path)
    stuck, reading = _Peer(reading=False), _Peer(reading=True)

    typed = anyio.Event()

    async def type_soon() -> None:
        await anyio.wait_all_tasks_blocked()
        await _type_into(room, 200, reading)  # 200 kB of edits, three times the backlog
        typed.set()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(room.run)
        tasks.start_soon(room.serve, reading)
        tasks.start_soon(type_soon)
        with anyio.fail_after(10):
            await room.serve(stuck)  # returns: the stuck peer was dropped
            await typed.wait()
        assert reading.received > 200  # the peer that reads got every edit
        room.close()


async def test_closing_the_room_lets_every_peer_go(tmp_path: Path) -> None:
    room = _room(tmp_path)
    peer = _Peer(reading=True)
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(room.run)
            tasks.start_soon(room.serve, peer)
            await anyio.wait_all_tasks_blocked()
            room.close()  # serve returns although the peer never left; so does run
