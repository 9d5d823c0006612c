"""A kernel ends itself when the process that started it dies without shutting it down."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import pytest

from tests._processes import wait_for_exit

if TYPE_CHECKING:
    from pathlib import Path

# The manager in the middle starts the kernel as the kernel manager does (JPY_PARENT_PID
# names it), says the kernel's pid, and waits to be killed.
MANAGER = textwrap.dedent(
    """
    import os, subprocess, sys, time
    env = {**os.environ, "JPY_PARENT_PID": str(os.getpid())}
    kernel = subprocess.Popen(
        [sys.executable, "-m", "interlace.kernel", "-f", sys.argv[1]], env=env
    )
    print(kernel.pid, flush=True)
    time.sleep(600)
    """
)


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs Linux's pidfd_open")
def test_the_kernel_exits_when_its_manager_is_killed(tmp_path: Path) -> None:
    manager = subprocess.Popen(
        [sys.executable, "-c", MANAGER, str(tmp_path / "kernel.json")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert manager.stdout is not None
    kernel_pid = int(manager.stdout.readline())
    try:
        assert not wait_for_exit(kernel_pid, 1.0), "the kernel should run while its manager does"
        manager.send_signal(signal.SIGKILL)
        manager.wait(timeout=10)
        assert wait_for_exit(kernel_pid, 30), "the kernel outlived the process that started it"
    finally:
        if not wait_for_exit(kernel_pid, 0):
            os.kill(kernel_pid, signal.SIGKILL)
        manager.stdout.close()
