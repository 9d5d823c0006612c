"""stdout and stderr of user code, batched into ``stream`` messages on iopub.

Writes only append to a list, so a cell printing a million lines spends its time
printing, not messaging. The I/O loop flushes the text soon after the first write
(a person sees a print at once) and at most every ``FLUSH_INTERVAL`` under load;
the main thread flushes before any other output so that order is kept.
"""

from __future__ import annotations

import io
import threading
from typing import TYPE_CHECKING, final

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from interlace.protocol import StreamName

__all__ = ["FLUSH_INTERVAL", "OutStream", "Streams"]

FLUSH_INTERVAL = 0.05
"""Seconds between stream messages while output keeps coming."""


@final
class OutStream(io.TextIOBase):
    """A text file that collects what user code writes to ``sys.stdout`` or ``sys.stderr``."""

    encoding = "utf-8"

    def __init__(self, name: StreamName, wake: Callable[[], None]) -> None:
        super().__init__()
        self.name = name
        self._chunks: list[str] = []
        self._wake = wake
        self._wake_pending = False

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._chunks.append(text)
        if not self._wake_pending:
            self._wake_pending = True
            self._wake()
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:  # type: ignore[override]
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Nothing to do here: the kernel flushes before every other output and reply."""

    def drain(self) -> str:
        """Take everything written so far (writes racing with this are kept for next time)."""
        self._wake_pending = False
        chunks = self._chunks
        count = len(chunks)
        if not count:
            return ""
        text = "".join(chunks[:count])
        del chunks[:count]
        return text


@final
class Streams:
    """The kernel's stdout and stderr, flushed together in write order per stream."""

    def __init__(self, wake: Callable[[], None], emit: Callable[[StreamName, str], None]) -> None:
        self.stdout = OutStream("stdout", wake)
        self.stderr = OutStream("stderr", wake)
        self._emit = emit
        self._lock = threading.Lock()

    def flush(self) -> None:
        """Turn pending text into stream messages, from whichever thread asks first."""
        with self._lock:
            for stream in (self.stdout, self.stderr):
                text = stream.drain()
                if text:
                    self._emit(stream.name, text)
