"""Real kernels in subprocesses, driven by jupyter_client's BlockingKernelClient."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient

from interlace.protocol import new_connection_info, write_connection_file

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

STARTUP_TIMEOUT = 30


class RunningKernel:
    """A kernel process of ours, its connection file, and a ready client."""

    def __init__(self, directory: Path) -> None:
        self.connection_file = directory / "kernel-test.json"
        write_connection_file(new_connection_info(kernel_name="interlace"), self.connection_file)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "interlace.kernel", "-f", str(self.connection_file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.client = self.new_client()

    def new_client(self) -> BlockingKernelClient:
        client = BlockingKernelClient()
        client.load_connection_file(str(self.connection_file))
        client.start_channels()
        client.wait_for_ready(timeout=STARTUP_TIMEOUT)
        return client

    def execute(self, code: str, **options: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Run ``code``; return the reply and the iopub messages up to its idle."""
        return execute(self.client, code, **options)

    def stop(self) -> str:
        """Shut the kernel down (killing it if it does not go); return its stderr."""
        self.client.stop_channels()
        if self.process.poll() is None:
            self.process.terminate()
        try:
            _, err = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err


def execute(
    client: BlockingKernelClient, code: str, timeout: float = 30, **options: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    msg_id = client.execute(code, **options)
    reply = client.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=timeout)
    return reply, iopub_until_idle(client, msg_id, timeout)


def iopub_until_idle(
    client: BlockingKernelClient, msg_id: str, timeout: float = 30
) -> list[dict[str, Any]]:
    messages = []
    while True:
        message = client.get_iopub_msg(timeout=timeout)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(message)
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return messages


def stream_text(messages: list[dict[str, Any]], name: str = "stdout") -> str:
    return "".join(
        m["content"]["text"]
        for m in messages
        if m["msg_type"] == "stream" and m["content"]["name"] == name
    )


@pytest.fixture
def kernel(tmp_path: Path) -> Iterator[RunningKernel]:
    """A fresh kernel for one test."""
    running = RunningKernel(tmp_path)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def shared_kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningKernel]:
    """One kernel for a module's tests that leave it usable."""
    running = RunningKernel(tmp_path_factory.mktemp("kernel"))
    yield running
    running.stop()
