"""Starting, watching, restarting and stopping kernels from any installed kernelspec."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from typing import TYPE_CHECKING, Any

import anyio

from interlace.client._client import AsyncKernelClient
from interlace.client._kernelspec import KernelSpec, get_kernelspec
from interlace.client._provisioner import LocalProvisioner, Provisioner, describe_exit
from interlace.errors import InterlaceError, KernelDied, KernelStartError, ReplyTimeout
from interlace.protocol import (
    ConnectionInfo,
    new_connection_file,
    new_connection_info,
    write_connection_file,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path
    from types import TracebackType

    from anyio.abc import TaskGroup

    from interlace.protocol import KernelInfoReplyContent

__all__ = ["KernelManager"]

log = logging.getLogger("interlace.client")

PYTHON_NAMES = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info)}


class KernelManager:
    """Owns one kernel process: start, interrupt, restart, shut down, and notice its death.

    Use it as an async context manager; leaving shuts the kernel down. Clients
    made by ``client()`` are told at once when the process dies (KernelDied), and
    with ``auto_restart`` the kernel comes back on the same ports.
    """

    def __init__(
        self,
        kernel: str | KernelSpec = "interlace",
        *,
        provisioner: Callable[[], Provisioner] = LocalProvisioner,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        auto_restart: bool = False,
    ) -> None:
        self.spec = kernel if isinstance(kernel, KernelSpec) else get_kernelspec(kernel)
        self.cwd = cwd
        self.env = dict(env or {})
        self.auto_restart = auto_restart
        self.restarts = 0
        self.connection_file: Path | None = None
        self.info: ConnectionInfo | None = None
        self._new_provisioner = provisioner
        self._provisioner: Provisioner | None = None
        self._clients: list[AsyncKernelClient] = []
        self._control: AsyncKernelClient | None = None
        self._stack = contextlib.AsyncExitStack()
        self._tasks: TaskGroup | None = None
        self._retired: set[int] = set()
        self._restarted = anyio.Event()

    async def __aenter__(self) -> KernelManager:
        try:
            await self.start()
        except BaseException:  # what start opened is closed in this task, then re-raised
            await self.shutdown()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.shutdown()

    @property
    def pid(self) -> int | None:
        """The kernel's process id, when its provisioner runs it locally."""
        return self._provisioner.pid if self._provisioner is not None else None

    @property
    def alive(self) -> bool:
        return self._provisioner is not None and self._provisioner.poll() is None

    # Starting.

    async def start(self, ready_timeout: float = 60) -> None:
        """Launch the kernel and wait until it answers."""
        if self._tasks is None:
            self._tasks = await self._stack.enter_async_context(anyio.create_task_group())
            # Unwound last-in first-out: clients close first, then the watchers stop.
            self._stack.callback(self._tasks.cancel_scope.cancel)
        if self.info is None:
            self.info = new_connection_info(kernel_name=self.spec.name)
            self.connection_file = write_connection_file(self.info, new_connection_file())
        provisioner = self._new_provisioner()
        await provisioner.launch(self._argv(), self._environment(), self.cwd)
        self._provisioner = provisioner
        self._tasks.start_soon(self._watch, provisioner)
        self._control = self._control or await self._open_client(heartbeat_interval=0)
        for client in self._all_clients():
            client.kernel_restarted()
        try:
            await self._control.wait_ready(ready_timeout)
        except (ReplyTimeout, KernelDied) as exc:
            await self._kill()
            raise KernelStartError(f"kernel {self.spec.name!r} did not start: {exc}") from exc

    def _all_clients(self) -> list[AsyncKernelClient]:
        return [*self._clients, *([self._control] if self._control is not None else [])]

    def _argv(self) -> list[str]:
        assert self.connection_file is not None
        values = {
            "connection_file": str(self.connection_file),
            "resource_dir": str(self.spec.resource_dir),
            "prefix": sys.prefix,
        }
        argv = [part.format(**values) if "{" in part else part for part in self.spec.argv]
        if argv[0] in PYTHON_NAMES:
            argv[0] = sys.executable
        return argv

    def _environment(self) -> dict[str, str]:
        # The kernel ends itself if this process dies without shutting it down.
        return {**os.environ, **self.spec.env, **self.env, "JPY_PARENT_PID": str(os.getpid())}

    async def _open_client(self, **options: Any) -> AsyncKernelClient:
        assert self.info is not None
        client = AsyncKernelClient(self.info, **options)
        await self._stack.enter_async_context(client)
        return client

    async def client(self, **options: Any) -> AsyncKernelClient:
        """A connected client whose calls fail with KernelDied if this kernel dies."""
        client = await self._open_client(**options)
        self._clients.append(client)
        await client.wait_ready()
        return client

    # Watching.

    async def _watch(self, provisioner: Provisioner) -> None:
        code = await provisioner.wait()
        if id(provisioner) in self._retired:
            return
        reason = f"kernel {self.spec.name!r} {describe_exit(code)}"
        for client in self._all_clients():
            client.kernel_died(reason)
        if self.auto_restart:
            log.warning("%s; restarting it", reason)
            try:
                await self.start()
            except InterlaceError:
                log.exception("automatic restart failed")
            else:
                self._count_restart()

    def _count_restart(self) -> None:
        self.restarts += 1
        self._restarted.set()
        self._restarted = anyio.Event()

    async def wait_restarted(self) -> None:
        """Return at the next restart, automatic or asked for."""
        await self._restarted.wait()

    # Controlling.

    async def interrupt(self) -> None:
        """Interrupt the running cell the way the kernelspec asks (signal or message)."""
        if self.spec.interrupt_mode == "message":
            assert self._control is not None
            await self._control.interrupt()
        elif self._provisioner is not None:
            self._provisioner.send_signal(signal.SIGINT)

    async def restart(self, ready_timeout: float = 60) -> None:
        """Shut the kernel down and start it again on the same ports and key."""
        await self._stop(restart=True)
        await self.start(ready_timeout)
        self._count_restart()

    async def shutdown(self, timeout: float = 5) -> None:
        """Ask the kernel to exit, kill it if it does not, and close every client."""
        await self._stop(restart=False, timeout=timeout)
        await self._stack.aclose()
        self._tasks = None
        if self.connection_file is not None:
            self.connection_file.unlink(missing_ok=True)

    async def _stop(self, restart: bool, timeout: float = 5) -> None:
        provisioner = self._provisioner
        if provisioner is None or provisioner.poll() is not None:
            return
        self._retired.add(id(provisioner))
        if self._control is not None and self._control.death is None:
            with contextlib.suppress(InterlaceError):
                await self._control.shutdown(restart=restart, timeout=timeout)
        with anyio.move_on_after(timeout) as waiting:
            await provisioner.wait()
        if waiting.cancelled_caught:
            log.warning("kernel %r did not exit in %s s; killing it", self.spec.name, timeout)
            await self._kill()

    async def _kill(self) -> None:
        if self._provisioner is not None:
            self._retired.add(id(self._provisioner))
            self._provisioner.kill()
            with anyio.move_on_after(5):
                await self._provisioner.wait()

    async def kernel_info(self) -> KernelInfoReplyContent:
        assert self._control is not None
        return await self._control.kernel_info(timeout=10)
