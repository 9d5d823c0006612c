"""The blocking facade: the async client driven from ordinary code through a portal.

A blocking portal runs an event loop in one named thread; every method here is
a one-line call into the async client there. There is no second implementation.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from anyio.from_thread import BlockingPortal, start_blocking_portal

from interlace.client._client import AsyncKernelClient
from interlace.protocol import ConnectionInfo

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from interlace.client._execution import Execution, ExecutionResult
    from interlace.protocol import (
        JSON,
        CommInfoReplyContent,
        CompleteReplyContent,
        HistoryReplyContent,
        InspectReplyContent,
        InterruptReplyContent,
        IsCompleteReplyContent,
        KernelInfoReplyContent,
        Message,
        ShutdownReplyContent,
    )

__all__ = ["BlockingExecution", "KernelClient", "connect"]


class BlockingExecution:
    """A running cell: iterate for outputs, or read ``result`` to wait for the end."""

    def __init__(self, portal: BlockingPortal, execution: Execution) -> None:
        self._portal = portal
        self._execution = execution
        self.msg_id = execution.msg_id

    def __iter__(self) -> Iterator[Message]:
        with self._portal.wrap_async_context_manager(_iterating(self._execution)) as outputs:
            while True:
                try:
                    yield self._portal.call(outputs.__anext__)
                except StopAsyncIteration:
                    return

    def wait(self, timeout: float | None = None) -> ExecutionResult:
        return self._portal.call(self._execution.wait, timeout)

    @property
    def result(self) -> ExecutionResult:
        """The collected result; blocks until the cell has finished."""
        return self.wait()


@contextlib.asynccontextmanager
async def _iterating(execution: Execution) -> Any:
    outputs = aiter(execution)
    try:
        yield outputs
    finally:
        await outputs.aclose()  # type: ignore[attr-defined]


class KernelClient:
    """Blocking twin of AsyncKernelClient, for scripts and tests."""

    def __init__(self, portal: BlockingPortal, client: AsyncKernelClient) -> None:
        self._portal = portal
        self.client = client

    def execute(self, code: str, **options: Any) -> BlockingExecution:
        return BlockingExecution(
            self._portal, self._portal.call(_execute, self.client, code, options)
        )

    def run(self, code: str, timeout: float | None = None, **options: Any) -> ExecutionResult:
        result: ExecutionResult = self._portal.call(_run, self.client, code, timeout, options)
        return result

    def wait_ready(self, timeout: float = 60) -> KernelInfoReplyContent:
        return self._portal.call(self.client.wait_ready, timeout)

    def kernel_info(self, timeout: float | None = None) -> KernelInfoReplyContent:
        return self._portal.call(self.client.kernel_info, timeout)

    def complete(self, code: str, cursor_pos: int | None = None) -> CompleteReplyContent:
        return self._portal.call(self.client.complete, code, cursor_pos)

    def inspect(
        self, code: str, cursor_pos: int | None = None, detail_level: int = 0
    ) -> InspectReplyContent:
        return self._portal.call(self.client.inspect, code, cursor_pos, detail_level)

    def history(self, **query: JSON) -> HistoryReplyContent:
        return self._portal.call(lambda: self.client.history(**query))

    def is_complete(self, code: str) -> IsCompleteReplyContent:
        return self._portal.call(self.client.is_complete, code)

    def comm_info(self, target_name: str | None = None) -> CommInfoReplyContent:
        return self._portal.call(self.client.comm_info, target_name)

    def interrupt(self) -> InterruptReplyContent:
        return self._portal.call(self.client.interrupt)

    def shutdown(self, restart: bool = False) -> ShutdownReplyContent:
        return self._portal.call(self.client.shutdown, restart)


async def _execute(client: AsyncKernelClient, code: str, options: dict[str, Any]) -> Execution:
    return await client.execute(code, **options)


async def _run(
    client: AsyncKernelClient, code: str, timeout: float | None, options: dict[str, Any]
) -> ExecutionResult:
    return await client.run(code, timeout, **options)


@contextlib.contextmanager
def connect(
    connection: str | Path | ConnectionInfo | None = None,
    *,
    ready_timeout: float = 60,
    **options: Any,
) -> Iterator[KernelClient]:
    """Join a running kernel: ``with interlace.connect("kernel-1234.json") as kc``.

    ``connection`` is connection info, a path, a name or glob in the runtime
    directory, or None for the most recently started kernel.
    """
    if isinstance(connection, ConnectionInfo):
        client = AsyncKernelClient(connection, **options)
    else:
        client = AsyncKernelClient.from_file(connection, **options)
    with start_blocking_portal() as portal, portal.wrap_async_context_manager(client):
        blocking = KernelClient(portal, client)
        blocking.wait_ready(ready_timeout)
        yield blocking
