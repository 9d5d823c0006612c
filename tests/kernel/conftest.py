"""Real kernels in subprocesses, driven by jupyter_client's BlockingKernelClient.

Ours, and ipykernel beside it where a test compares the two (``tests.kernel.compat``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from queue import Empty
from typing import TYPE_CHECKING, Any, Literal

import pytest
from jupyter_client.blocking.client import BlockingKernelClient

from interlace.protocol import new_connection_info, write_connection_file

pytest.register_assert_rewrite("tests.kernel.compat")

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.kernel.compat import Pair

STARTUP_TIMEOUT = 60
IOPUB_QUIET = 0.2
SHUTDOWN_TIMEOUT = 5

KernelKind = Literal["interlace", "ipykernel"]
MODULES: dict[KernelKind, str] = {
    "interlace": "interlace.kernel",
    "ipykernel": "ipykernel_launcher",
}


def kernel_environment() -> dict[str, str]:
    """This run's environment for a kernel, without pytest's marker of the running test:
    ipykernel leaves descriptors 1 and 2 alone when it sees it, as it would not in use.
    ``JPY_PARENT_PID`` names this process, so that a kernel (ours or ipykernel) that this
    process starts ends itself if the run is killed before it could stop it."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    return {**environment, "JPY_PARENT_PID": str(os.getpid())}


class RunningKernel:
    """A kernel process (ours unless told), its connection file, and a ready client."""

    def __init__(
        self,
        directory: Path,
        kind: KernelKind = "interlace",
        *,
        python: str = sys.executable,
        environment: dict[str, str] | None = None,
    ) -> None:
        self.kind = kind
        self.connection_file = directory / f"kernel-test-{kind}.json"
        write_connection_file(new_connection_info(kernel_name="interlace"), self.connection_file)
        # The kernel's own stdout and stderr go to files: a pipe nobody reads would
        # fill up with log lines (or, on ipykernel, copies of the cells' output) and stall it.
        self.log = directory / f"kernel-test-{kind}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [python, "-m", MODULES[kind], "-f", str(self.connection_file)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=kernel_environment() if environment is None else environment,
                cwd=directory,
                start_new_session=True,
            )
        self.client = self.new_client()

    def new_client(self) -> BlockingKernelClient:
        """A client that had its kernel_info_reply and hears iopub.

        jupyter_client's ``wait_for_ready`` takes a heartbeat late by a second for a dead
        kernel; on a loaded machine a starting kernel is that late. Here, the process
        is the judge of life.
        """
        client = BlockingKernelClient()
        client.load_connection_file(str(self.connection_file))
        client.start_channels()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._answers(client):
            if self.process.poll() is not None:
                raise RuntimeError(f"the {self.kind} kernel exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the {self.kind} kernel did not answer in {STARTUP_TIMEOUT} s")
        while True:  # what iopub said meanwhile belongs to no test
            try:
                client.get_iopub_msg(timeout=IOPUB_QUIET)
            except Empty:
                return client

    @staticmethod
    def _answers(client: BlockingKernelClient) -> bool:
        """Whether a kernel_info_request gets its reply within a second and iopub speaks."""
        msg_id = client.kernel_info()
        try:
            while client.get_shell_msg(timeout=1)["parent_header"].get("msg_id") != msg_id:
                pass
            client.get_iopub_msg(timeout=1)
        except Empty:
            return False
        return True

    def execute(self, code: str, **options: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Run ``code``; return the reply and the iopub messages up to its idle."""
        return execute(self.client, code, **options)

    def stop(self) -> str:
        """Shut the kernel down (killing it if it does not go); return its output and log.

        A shutdown request first, so that the kernel ends its own children (joblib's
        workers) as it exits; then whatever is left of its process group is killed.
        """
        if self.process.poll() is None:
            self.client.shutdown()
            try:
                self.process.wait(timeout=SHUTDOWN_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.client.stop_channels()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=SHUTDOWN_TIMEOUT)
        return self.log.read_text(errors="replace")


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


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Our kernel and ipykernel side by side, for a module's comparisons."""
    from tests.kernel.compat import Pair

    kernels = Pair(tmp_path_factory.mktemp("pair"))
    yield kernels
    kernels.stop()


@pytest.fixture
def fresh_pair(tmp_path: Path) -> Iterator[Pair]:
    """Our kernel and ipykernel side by side, for one test that may end them."""
    from tests.kernel.compat import Pair

    kernels = Pair(tmp_path)
    yield kernels
    kernels.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many corpus notebooks matched ipykernel exactly, when the corpus ran."""
    from tests.kernel.notebooks import summary

    line = summary()
    if line is not None:
        terminalreporter.write_line(line)
