"""`interlace record` beside two clients of one kernel (ours and ipykernel), then `replay`."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import TYPE_CHECKING

import anyio
import pytest
from pycrdt import Doc

from interlace.client import KernelManager
from interlace.record import SESSION_FORMAT, Recordings, play, read_recording

if TYPE_CHECKING:
    from pathlib import Path

INTERLACE = [sys.executable, "-m", "interlace"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def wait_for(path: Path, text: str, timeout: float = 30) -> None:
    """Until another process has written ``text`` into ``path`` (no event to await there)."""
    file = anyio.Path(path)
    with anyio.fail_after(timeout):
        while not await file.exists() or text not in await file.read_text():  # noqa: ASYNC110
            await anyio.sleep(0.05)


@pytest.mark.anyio
@pytest.mark.parametrize("kernel", ["interlace", "python3"], ids=["interlace", "ipykernel"])
async def test_record_captures_two_clients_until_the_kernel_goes_away(
    kernel: str, tmp_path: Path
) -> None:
    session = tmp_path / "session.rec"
    async with KernelManager(kernel) as manager:
        assert manager.connection_file is not None
        command = [*INTERLACE, "record", "--existing", str(manager.connection_file)]
        recorder = await anyio.open_process([*command, "-o", str(session)], stdout=None)
        try:
            await wait_for(session, SESSION_FORMAT)
            alice, bob = await manager.client(), await manager.client()
            await (await alice.execute("print('from alice')")).wait(timeout=30)
            result = await (await bob.execute("6 * 7")).wait(timeout=30)
            assert result.status == "ok"
            await wait_for(session, "42")
        finally:
            await manager.shutdown()
        assert recorder.stderr is not None
        with anyio.fail_after(30):
            err = b"".join([chunk async for chunk in recorder.stderr]).decode()
            await recorder.wait()
    assert recorder.returncode == 0, err
    assert "the kernel went away" in err
    with session.open() as file:
        header, entries = read_recording(file)
    inputs = [e for e in entries if e["msg_type"] == "execute_input"]
    assert [e["content"]["code"] for e in inputs] == ["print('from alice')", "6 * 7"]
    assert inputs[0]["client"] != inputs[1]["client"]
    text = "".join(shown for _, shown in play(header, entries))
    assert "[client 1] In [1]: print('from alice')\nfrom alice\n" in text
    assert "[client 2] In [2]: 6 * 7\nOut[2]: 42\n" in text


def test_replay_plays_in_time_and_faster(tmp_path: Path) -> None:
    session = tmp_path / "made.rec"
    start = time.time()
    lines = [
        f'{{"format": "{SESSION_FORMAT}", "version": 1, "kernel": "x", "started": {start}}}',
        f'{{"at": {start}, "msg_type": "execute_input", "client": "a",'
        ' "content": {"code": "1 + 1", "execution_count": 1}}',
        f'{{"at": {start + 0.6}, "msg_type": "execute_result", "client": "a",'
        ' "content": {"execution_count": 1, "data": {"text/plain": "2"}}}',
    ]
    session.write_text("\n".join(lines) + "\n")
    for speed, least in (("1", 0.5), ("100", 0.0)):
        began = time.monotonic()
        done = subprocess.run(
            [*INTERLACE, "replay", str(session), "--speed", speed],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        assert done.stdout == "[client 1] In [1]: 1 + 1\nOut[1]: 2\n"
        assert time.monotonic() - began >= least
    bad = tmp_path / "bad.rec"
    bad.write_text("this is not a recording\n")
    refused = subprocess.run(
        [*INTERLACE, "replay", str(bad)], capture_output=True, text=True, timeout=30, check=False
    )
    assert refused.returncode != 0
    assert "cannot be read" in refused.stderr


def test_replay_plays_an_exported_notebook_recording(tmp_path: Path) -> None:
    recordings = Recordings(tmp_path / "r.sqlite")
    recorder = recordings.recorder("n.ipynb", Doc().get_update)
    recorder.record("joined", "alice")
    recorder.record("queued", "alice", {"cells": ["c1"], "kernel": "k"})
    recorder.record("started", "alice", {"cell_id": "c1"})
    finished = {"cell_id": "c1", "status": "ok", "execution_count": 1, "seconds": 0.5}
    recorder.record("finished", "alice", finished)
    exported = tmp_path / "n.jsonl"
    exported.write_text("".join(recordings.export("n.ipynb")))
    done = subprocess.run(
        [*INTERLACE, "replay", str(exported), "--skip-idle"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    shown = [line.split(" ", 1)[1] for line in done.stdout.splitlines()]
    assert shown == [
        "server opened",
        "alice joined",
        "alice queued c1",
        "alice ran c1",
        "alice finished c1: ok [1] in 0.5 s",
    ]
