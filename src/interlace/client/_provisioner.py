"""How kernel processes are launched: an interface, and the local-subprocess default.

A provisioner turns a kernelspec's argv into a running kernel and can signal,
kill and wait for it. Kernels on other hosts or a cluster are other provisioners;
the manager does not care which it has.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import TYPE_CHECKING, Protocol

import anyio

from interlace.errors import KernelStartError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from anyio.abc import Process

__all__ = ["LocalProvisioner", "Provisioner"]


class Provisioner(Protocol):
    """Launches one kernel process and controls it."""

    @property
    def pid(self) -> int | None:
        """The local process id, where there is one."""

    async def launch(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path | None) -> None:
        """Start the kernel; raise KernelStartError if it cannot be started."""

    async def wait(self) -> int:
        """Wait for the kernel to exit; its exit code (negative: killed by that signal)."""

    def poll(self) -> int | None:
        """The exit code if the kernel has exited, else None."""

    def send_signal(self, signum: int) -> None:
        """Deliver ``signum`` to the kernel (and what it started)."""

    def kill(self) -> None:
        """End the kernel at once."""


class LocalProvisioner:
    """A kernel as a local subprocess, in its own process group.

    Its own group keeps a terminal's Ctrl-C meant for the frontend away from the
    kernel; signals go to the whole group, so ``!commands`` are interrupted too.
    """

    def __init__(self) -> None:
        self._process: Process | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def launch(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path | None) -> None:
        try:
            self._process = await anyio.open_process(
                list(argv),
                env=dict(env),
                cwd=cwd,
                stdin=None,
                stdout=None,
                stderr=None,
                start_new_session=True,
            )
        except OSError as exc:
            raise KernelStartError(f"cannot start kernel {argv[0]!r}: {exc}") from exc

    async def wait(self) -> int:
        assert self._process is not None
        return await self._process.wait()

    def poll(self) -> int | None:
        return self._process.returncode if self._process is not None else None

    def send_signal(self, signum: int) -> None:
        if self._process is None or self._process.returncode is not None:
            return
        try:
            os.killpg(self._process.pid, signum)
        except ProcessLookupError:
            pass
        except PermissionError:
            self._process.send_signal(signal.Signals(signum))

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL if sys.platform != "win32" else signal.SIGTERM)


def describe_exit(code: int) -> str:
    """'exited with code 3' or 'killed by SIGKILL' for a process's return code."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"
