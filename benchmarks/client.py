"""Our client against jupyter_client's, both talking to the same kernel in one run.

The client must never be the bottleneck: execute round trip (reply and idle) and
stream throughput (a cell printing 200,000 lines), async client against async
client, and the blocking facade against jupyter_client's BlockingKernelClient, all
on ipykernel. A burst of 80,000 separate stream messages, collected into the cell's
text, runs on our kernel, which sends them several times faster than ipykernel can,
so that the clients' cost per message is what is measured.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from jupyter_client.asynchronous.client import AsyncKernelClient as JupyterAsyncClient
from jupyter_client.blocking.client import BlockingKernelClient as JupyterBlockingClient

import interlace
from _harness import Result
from interlace.client import AsyncKernelClient
from interlace.protocol import new_connection_info, write_connection_file

if TYPE_CHECKING:
    from collections.abc import Iterator

TIMEOUT = 120
STREAM_CODE = "for i in range({count}):\n    print(i)"
BURST_CODE = (
    "publish = get_ipython().publisher.publish\n"
    "for i in range({count}):\n"
    "    publish('stream', {{'name': 'stdout', 'text': f'line {{i}}\\n'}})"
)
"""One stream message per line, straight from our kernel's publisher: no batching."""


async def ours_async(path: Path, rounds: int, count: int) -> tuple[float, float]:
    async with AsyncKernelClient.from_file(path) as client:
        await client.wait_ready()
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            await client.run("pass", timeout=TIMEOUT)
            times.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = await client.run(STREAM_CODE.format(count=count), timeout=TIMEOUT)
        elapsed = time.perf_counter() - started
        assert result.stdout.count("\n") == count
        return statistics.median(times), count / elapsed


async def _wait_idle(client: Any, msg_id: str) -> int:
    lines = 0
    while True:
        message = await client.get_iopub_msg(timeout=TIMEOUT)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "stream":
            lines += message["content"]["text"].count("\n")
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return lines


async def theirs_async(path: Path, rounds: int, count: int) -> tuple[float, float]:
    client = JupyterAsyncClient()
    client.load_connection_file(str(path))
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=TIMEOUT)
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            msg_id = client.execute("pass")
            await client.get_shell_msg(timeout=TIMEOUT)
            await _wait_idle(client, msg_id)
            times.append(time.perf_counter() - started)
        started = time.perf_counter()
        msg_id = client.execute(STREAM_CODE.format(count=count))
        await client.get_shell_msg(timeout=TIMEOUT)
        lines = await _wait_idle(client, msg_id)
        elapsed = time.perf_counter() - started
        assert lines == count
        return statistics.median(times), count / elapsed
    finally:
        client.stop_channels()


def ours_blocking(path: Path, rounds: int) -> float:
    with interlace.connect(path) as client:
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            client.run("pass", timeout=TIMEOUT)
            times.append(time.perf_counter() - started)
        return statistics.median(times)


def theirs_blocking(path: Path, rounds: int) -> float:
    client = JupyterBlockingClient()
    client.load_connection_file(str(path))
    client.start_channels()
    try:
        client.wait_for_ready(timeout=TIMEOUT)
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            client.execute_interactive("pass", timeout=TIMEOUT, output_hook=lambda _msg: None)
            times.append(time.perf_counter() - started)
        return statistics.median(times)
    finally:
        client.stop_channels()


async def ours_burst(path: Path, count: int) -> float:
    """Messages a second, from the request to a result holding every line."""
    async with AsyncKernelClient.from_file(path) as client:
        await client.wait_ready()
        started = time.perf_counter()
        result = await client.run(BURST_CODE.format(count=count), timeout=TIMEOUT)
        elapsed = time.perf_counter() - started
        assert len(result.outputs) == count
        assert result.stdout.count("\n") == count
        return count / elapsed


async def _stream_text(client: Any, msg_id: str) -> str:
    texts = []
    while True:
        message = await client.get_iopub_msg(timeout=TIMEOUT)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "stream":
            texts.append(message["content"]["text"])
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return "".join(texts)


async def theirs_burst(path: Path, count: int) -> float:
    """The same with jupyter_client, collecting the text as ExecutionResult does."""
    client = JupyterAsyncClient()
    client.load_connection_file(str(path))
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=TIMEOUT)
        started = time.perf_counter()
        msg_id = client.execute(BURST_CODE.format(count=count))
        text = await _stream_text(client, msg_id)
        await client.get_shell_msg(timeout=TIMEOUT)
        elapsed = time.perf_counter() - started
        assert text.count("\n") == count
        return count / elapsed
    finally:
        client.stop_channels()


@contextlib.contextmanager
def _kernel(module: str, folder: Path) -> Iterator[Path]:
    """A kernel (``python -m module -f FILE``) running until the block ends; its file."""
    path = write_connection_file(new_connection_info(), folder / f"kernel-{module}.json")
    env = {**os.environ, "IPYTHONDIR": str(folder / "ipython")}
    kernel = subprocess.Popen(
        [sys.executable, "-m", module, "-f", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield path
    finally:
        kernel.kill()
        kernel.wait()


def run(quick: bool) -> list[Result]:
    """Both clients against one kernel, alternating so drift hits both alike."""
    rounds, count, burst = (20, 2_000, 2_000) if quick else (300, 200_000, 80_000)
    with tempfile.TemporaryDirectory(prefix="interlace-bench-") as name:
        folder = Path(name)
        with _kernel("ipykernel_launcher", folder) as path:
            theirs_rtt, theirs_stream = anyio.run(theirs_async, path, rounds, count)
            ours_rtt, ours_stream = anyio.run(ours_async, path, rounds, count)
            ours_sync = ours_blocking(path, rounds)
            theirs_sync = theirs_blocking(path, rounds)
        with _kernel("interlace.kernel", folder) as path:
            theirs_burst_rate = anyio.run(theirs_burst, path, burst)
            ours_burst_rate = anyio.run(ours_burst, path, burst)
    return [
        Result("client: execute round trip, async (ipykernel)", ours_rtt, theirs_rtt),
        Result("client: execute round trip, blocking (ipykernel)", ours_sync, theirs_sync),
        Result(
            f"client: stream throughput, {count:,} prints (ipykernel)",
            ours_stream,
            theirs_stream,
            unit="lines/s",
            higher_is_better=True,
        ),
        Result(
            f"client: {burst:,} stream messages (interlace kernel)",
            ours_burst_rate,
            theirs_burst_rate,
            unit="msg/s",
            higher_is_better=True,
        ),
    ]
