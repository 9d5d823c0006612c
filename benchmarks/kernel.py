"""Our kernel against ipykernel, driven by the same client (jupyter_client) in the same run.

The client's sockets retry a refused connection every 10 ms instead of ZeroMQ's
default 100 ms, so that start-up measures the kernel, not the client's retry phase.

Figures: start-up to the first kernel_info_reply, execute round trip of ``pass``
(reply and idle), complete round trip, stream throughput (a cell printing
200,000 lines), fan-out to 10 extra clients, and resident memory after start.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import zmq
from jupyter_client.blocking.client import BlockingKernelClient

from _harness import Result, percentile
from interlace.protocol import new_connection_info, write_connection_file

KERNELS = {
    "interlace": [sys.executable, "-m", "interlace.kernel", "-f"],
    "ipykernel": [sys.executable, "-m", "ipykernel_launcher", "-f"],
}
TIMEOUT = 120
CONTEXT = zmq.Context()
CONTEXT.setsockopt(zmq.RECONNECT_IVL, 10)


class Running:
    """A kernel process and a client that has had its first kernel_info_reply."""

    def __init__(self, kind: str, directory: Path) -> None:
        self.connection_file = directory / f"kernel-{kind}-{time.monotonic_ns()}.json"
        write_connection_file(new_connection_info(), self.connection_file)
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [*KERNELS[kind], str(self.connection_file)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.client = self.connect()
        self.client.kernel_info()
        self.client.get_shell_msg(timeout=TIMEOUT)
        self.startup = time.perf_counter() - started
        self.client.execute("pass")
        self.client.get_shell_msg(timeout=TIMEOUT)
        self.first_execute = time.perf_counter() - started
        self.client.wait_for_ready(timeout=TIMEOUT)

    def connect(self) -> BlockingKernelClient:
        client = BlockingKernelClient(context=CONTEXT)
        client.load_connection_file(str(self.connection_file))
        client.start_channels()
        return client

    def close(self) -> None:
        self.client.shutdown()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.client.stop_channels()


def wait_idle(client: BlockingKernelClient, msg_id: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while True:
        message = client.get_iopub_msg(timeout=TIMEOUT)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return messages
        messages.append(message)


def execute(client: BlockingKernelClient, code: str) -> tuple[float, list[dict[str, Any]]]:
    started = time.perf_counter()
    msg_id = client.execute(code)
    client.get_shell_msg(timeout=TIMEOUT)
    messages = wait_idle(client, msg_id)
    return time.perf_counter() - started, messages


def complete(client: BlockingKernelClient, code: str) -> float:
    started = time.perf_counter()
    client.complete(code)
    client.get_shell_msg(timeout=TIMEOUT)
    return time.perf_counter() - started


def lines(messages: list[dict[str, Any]]) -> int:
    return sum(m["content"]["text"].count("\n") for m in messages if m["msg_type"] == "stream")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fan_out(kernel: Running, extra: int, prints: int) -> tuple[float, bool]:
    """Time for a cell's output to reach every client, and whether all got every line."""
    clients = [kernel.connect() for _ in range(extra)]
    try:
        for client in clients:
            client.wait_for_ready(timeout=TIMEOUT)
        started = time.perf_counter()
        msg_id = kernel.client.execute(f"for i in range({prints}):\n    print(i, flush=True)")
        kernel.client.get_shell_msg(timeout=TIMEOUT)
        received = [lines(wait_idle(c, msg_id)) for c in [kernel.client, *clients]]
        return time.perf_counter() - started, all(count == prints for count in received)
    finally:
        for client in clients:
            client.stop_channels()


def measure(kind: str, directory: Path, quick: bool) -> dict[str, Any]:
    startups, first_executes = [], []
    for _ in range(1 if quick else 5):
        kernel = Running(kind, directory)
        startups.append(kernel.startup)
        first_executes.append(kernel.first_execute)
        kernel.close()
    kernel = Running(kind, directory)
    try:
        for _ in range(20):
            execute(kernel.client, "pass")
        rss = rss_mib(kernel.process.pid)
        executes = [execute(kernel.client, "pass")[0] for _ in range(20 if quick else 300)]
        complete(kernel.client, "impo")
        completes = [complete(kernel.client, "impo") for _ in range(5 if quick else 50)]
        count = 2_000 if quick else 200_000
        seconds, messages = execute(kernel.client, f"for i in range({count}):\n    print(i)")
        fan_seconds, fan_ok = fan_out(kernel, 10, 200)
        return {
            "startup": statistics.median(startups),
            "first_execute": statistics.median(first_executes),
            "execute": statistics.median(executes),
            "execute_p99": percentile(executes, 99),
            "complete": statistics.median(completes),
            "stream": lines(messages) / seconds,
            "stream_lines": count,
            "stream_exact": lines(messages) == count,
            "fan_out": fan_seconds,
            "fan_out_exact": fan_ok,
            "rss": rss,
        }
    finally:
        kernel.close()


def run(quick: bool) -> list[Result]:
    """Measure both kernels, each in a fresh IPython profile directory."""
    with tempfile.TemporaryDirectory(prefix="interlace-bench-") as folder:
        directory = Path(folder)
        os.environ["IPYTHONDIR"] = str(directory / "ipython")
        os.environ.setdefault("MPLBACKEND", "agg")
        ours = measure("interlace", directory, quick)
        theirs = measure("ipykernel", directory, quick)

    def exact(key: str) -> str:
        return f"exact: interlace {ours[key]}, ipykernel {theirs[key]}"

    return [
        Result("kernel: start-up to first kernel_info_reply", ours["startup"], theirs["startup"]),
        Result(
            "kernel: start-up to first execute_reply",
            ours["first_execute"],
            theirs["first_execute"],
        ),
        Result("kernel: execute 'pass' round trip (median)", ours["execute"], theirs["execute"]),
        Result(
            "kernel: execute 'pass' round trip (p99)", ours["execute_p99"], theirs["execute_p99"]
        ),
        Result("kernel: complete 'impo' round trip", ours["complete"], theirs["complete"]),
        Result(
            f"kernel: stream throughput, {ours['stream_lines']:,} prints",
            ours["stream"],
            theirs["stream"],
            unit="lines/s",
            higher_is_better=True,
            note=exact("stream_exact"),
        ),
        Result(
            "kernel: 200 flushed prints to 11 clients",
            ours["fan_out"],
            theirs["fan_out"],
            note=exact("fan_out_exact"),
        ),
        Result("kernel: resident memory after start", ours["rss"], theirs["rss"], unit="MiB"),
    ]
