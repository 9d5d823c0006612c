"""Processes the test run started and did not end: found by a mark in their environment.

Every process the run starts (servers, kernels, browsers, their children)
inherits ``MARK`` from the test process's environment, so at the end of the run
any process still carrying it has outlived the test that started it.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
from pathlib import Path

__all__ = ["MARK", "end", "survivors", "wait_for_exit"]

MARK = "INTERLACE_TEST_RUN"


def _marked(pid: int, token: bytes) -> bool:
    try:
        environment = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:  # gone, or not ours to read
        return False
    return f"{MARK}=".encode() + token in environment.split(b"\0")


def survivors(token: str) -> list[int]:
    """Processes other than this one that carry this run's mark."""
    mine = os.getpid()
    pids = (int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit())
    return sorted(pid for pid in pids if pid != mine and _marked(pid, token.encode()))


def wait_for_exit(pid: int, timeout: float) -> bool:
    """Whether ``pid`` (any process, not only a child) ends within ``timeout`` seconds."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([handle], [], [], timeout)
        return bool(readable)
    finally:
        os.close(handle)


def describe(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return f"{pid} (gone)"
    return f"{pid}: {command.decode('utf-8', 'replace').strip()[:200]}"


def end(pid: int) -> None:
    """Kill a process this run started and left behind."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
