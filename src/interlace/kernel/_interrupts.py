"""What SIGINT does on the main thread: nothing between requests, stop the handler during one."""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["ignoring_interrupts", "interruptible", "on_interrupt"]


@contextlib.contextmanager
def on_interrupt(handler: Any) -> Iterator[None]:
    """Install a SIGINT handler for the block (only the main thread may)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, saved)


def ignoring_interrupts() -> contextlib.AbstractContextManager[None]:
    """Between requests an interrupt has nothing to stop: ignore it."""
    return on_interrupt(signal.SIG_IGN)


def interruptible() -> contextlib.AbstractContextManager[None]:
    """While a handler runs, SIGINT raises KeyboardInterrupt in it."""
    return on_interrupt(signal.default_int_handler)
