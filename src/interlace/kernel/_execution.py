"""Running a cell on the main thread's event loop, as ipykernel does.

The kernel's main thread runs an asyncio loop between requests, so tasks a cell
starts (``asyncio.ensure_future``, ``create_task``) keep running after it ends,
and coroutines waiting on widgets are woken by the comm messages that follow. A
cell that awaits at top level runs as a task on that loop; any other cell runs
straight through (the loop waits, as it does on ipykernel).

An interrupt raises KeyboardInterrupt in a cell that runs straight through; in a
cell that awaits, it cancels the cell's task (the cell fails with CancelledError,
as on ipykernel).

One thing works better than on ipykernel: ``asyncio.run()`` in a cell. The
kernel's loop steps aside while it runs, so it works as in a script (see ``run_beside``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sys
from typing import TYPE_CHECKING, Any

from IPython.core.async_helpers import _asyncio_runner
from IPython.core.interactiveshell import ExecutionInfo, ExecutionResult

from interlace.kernel._interrupts import interruptible, on_interrupt

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import TracebackType

    from interlace.kernel._shell import ZMQInteractiveShell

__all__ = ["Executor", "run_beside"]

ExcInfo = tuple[type[BaseException], BaseException, "TracebackType"]


class Executor:
    """Runs cells through the shell, on the running event loop."""

    def __init__(self, shell: ZMQInteractiveShell) -> None:
        self.shell = shell

    async def run(self, code: str, *, silent: bool, store_history: bool) -> ExecutionResult:
        shell = self.shell
        shell.before_run()
        transformed, failure = _transform(shell, code) if _may_await(code) else (code, None)
        awaits = (
            _may_await(code)
            and shell.loop_runner is _asyncio_runner
            and shell.should_run_async(
                code, transformed_cell=transformed, preprocessing_exc_tuple=failure
            )
        )
        if not awaits:
            with interruptible():
                result: ExecutionResult = shell.run_cell(
                    code, store_history=store_history, silent=silent
                )
            return result
        cell = shell.run_cell_async(
            code,
            store_history=store_history,
            silent=silent,
            transformed_cell=transformed,
            preprocessing_exc_tuple=failure,
        )
        return await self._run_task(cell, code, silent=silent, store_history=store_history)

    async def _run_task(
        self, cell: Any, code: str, *, silent: bool, store_history: bool
    ) -> ExecutionResult:
        """Await the cell as a task of its own, which an interrupt cancels."""
        shell = self.shell
        task: asyncio.Future[ExecutionResult] = asyncio.ensure_future(cell)
        result: ExecutionResult | None = None
        try:
            with _cancelled_by_interrupts(task):
                result = await task
        except asyncio.CancelledError as exc:
            if _being_cancelled():
                raise
            result = _failed(code, silent, store_history, exc)
            shell.showtraceback()
        finally:
            shell.events.trigger("post_execute")
            if not silent:
                shell.events.trigger("post_run_cell", result)
        return result


def _may_await(code: str) -> bool:
    """Whether the cell can await at top level at all: without either word it cannot, and
    IPython's check (transforming the cell, then parsing it) is spared on every other cell."""
    return "await" in code or "async" in code


def _transform(shell: ZMQInteractiveShell, code: str) -> tuple[str, ExcInfo | None]:
    """The cell as IPython transforms it, or the error that transforming it raised."""
    try:
        return shell.transform_cell(code), None
    except Exception:
        return code, sys.exc_info()  # type: ignore[return-value]


def _failed(code: str, silent: bool, store_history: bool, error: BaseException) -> ExecutionResult:
    info = ExecutionInfo(code, store_history, silent, True, None)
    result = ExecutionResult(info)
    result.error_in_exec = error
    return result


def _being_cancelled() -> bool:
    """Whether the task running this (the kernel's own) is itself being cancelled."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _cancelled_by_interrupts(task: asyncio.Future[Any]) -> contextlib.AbstractContextManager[None]:
    """While ``task`` runs, SIGINT cancels it (the loop itself must not be interrupted)."""
    loop = asyncio.get_running_loop()

    def cancel(_signal: int, _frame: object) -> None:
        loop.call_soon_threadsafe(task.cancel)

    return on_interrupt(cancel)


@contextlib.contextmanager
def run_beside(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """``asyncio.run()`` called from a cell runs its own loop while ``loop`` waits.

    Python refuses ``asyncio.run()`` where a loop is running, and the kernel's is
    running under every cell. While the kernel serves, ``asyncio.run`` sets the
    kernel's loop aside for the call and puts it back after.
    """
    original: Callable[..., Any] = asyncio.run

    @functools.wraps(original)
    def run(main: Any, **options: Any) -> Any:
        if asyncio.events._get_running_loop() is not loop:
            return original(main, **options)
        asyncio.events._set_running_loop(None)
        try:
            return original(main, **options)
        finally:
            asyncio.events._set_running_loop(loop)
            asyncio.set_event_loop(loop)

    asyncio.run = run
    try:
        yield
    finally:
        asyncio.run = original
