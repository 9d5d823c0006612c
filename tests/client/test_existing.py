"""Joining a running kernel: connection files, the blocking facade, heartbeat death."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

import interlace
from interlace.client import AsyncKernelClient
from interlace.errors import ConnectionFileError, ConnectionFileNotFound, KernelDied
from interlace.protocol import new_connection_info, write_connection_file

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def running_kernel(
    tmp_path: Path, kernel_module: str
) -> Iterator[tuple[Path, subprocess.Popen[bytes]]]:
    path = write_connection_file(new_connection_info(), tmp_path / "kernel-existing.json")
    process = subprocess.Popen(
        [sys.executable, "-m", kernel_module, "-f", str(path)], stderr=subprocess.DEVNULL
    )
    yield path, process
    process.kill()
    process.wait()


def test_blocking_facade(running_kernel: tuple[Path, subprocess.Popen[bytes]]) -> None:
    path, _ = running_kernel
    with interlace.connect(str(path)) as kc:
        assert kc.execute("1+1").result.text == "2"
        outputs = [m.content["text"] for m in kc.execute("for i in range(3): print(i)")]
        assert "".join(outputs) == "0\n1\n2\n"
        passing = kc.execute("print('passing')", keep_outputs=False)
        text = "".join(m.content["text"] for m in passing)  # a print may come in two
        assert text == "passing\n"
        assert (passing.result.stdout, passing.result.outputs) == ("", [])
        assert kc.complete("pri")["matches"][:1] == ["print"]
        assert kc.run("1/0").status == "error"
        assert kc.shutdown()["status"] == "ok"


def test_heartbeat_notices_a_dead_kernel(
    running_kernel: tuple[Path, subprocess.Popen[bytes]],
) -> None:
    path, process = running_kernel
    with interlace.connect(path) as kc:
        execution = kc.execute("import time; time.sleep(60)")
        started = time.monotonic()
        os.kill(process.pid, signal.SIGKILL)
        with pytest.raises(KernelDied, match="heartbeat"):
            execution.wait(timeout=30)
        assert time.monotonic() - started < 6


def test_garbled_connection_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "kernel-bad.json"
    bad.write_text(json.dumps({"shell_port": "nope"}))
    with pytest.raises(ConnectionFileError, match="shell_port"):
        AsyncKernelClient.from_file(str(bad))
    with pytest.raises(ConnectionFileNotFound):
        AsyncKernelClient.from_file(str(tmp_path / "kernel-missing.json"))
