"""stdout and stderr of user code, batched into ``stream`` messages on iopub.

Writes only append to a list, so a cell printing a million lines spends its time
printing, not messaging. The I/O loop flushes the text soon after the first write
(a person sees a print at once) and at most every ``FLUSH_INTERVAL`` under load;
the main thread flushes before any other output so that order is kept. Text is
held in bytes too: a writer that has ``MESSAGE_SIZE`` pending flushes it itself,
and no message carries more, so a cell printing a gigabyte sends a thousand
messages of a mebibyte, never one of a gigabyte (which every process on its way,
the server first, would have to hold whole).

Each batch belongs to one request (see ``_parents``): text written for another
request first flushes what is pending. What programs write to the file
descriptors themselves (``os.system``, C libraries, child processes) comes in
through ``_capture`` into the same streams.
"""

from __future__ import annotations

import io
import os
import threading
import time
from typing import TYPE_CHECKING, Protocol, final

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from interlace.kernel._parents import Parents
    from interlace.protocol import Message, StreamName

__all__ = ["FLUSH_INTERVAL", "MESSAGE_SIZE", "OutStream", "Streams"]

FLUSH_INTERVAL = 0.05
"""Seconds between stream messages while output keeps coming."""

MESSAGE_SIZE = 1 << 20
"""Characters of text in one stream message at most; also what a writer lets pend."""

QUIET = 0.00002
"""Seconds without a write after which the next write first collects what the descriptors
got meanwhile: ``os.system`` or a C library between two prints keeps its place. A
tighter loop of prints skips the look (a system call); text written at the descriptor
within microseconds of a print may then follow it. Other outputs and the end of a
request always look first."""


_monotonic = time.monotonic
_forked = False
"""True in a forked child (multiprocessing): its writes go to the file descriptor."""


class _Drainable(Protocol):
    def drain(self) -> None:
        """Move what waits in the pipes into the streams."""


@final
class _Batch:
    """A stream's pending text and the request it belongs to (plain slots: read on every
    write, where an attribute of the text file itself costs twice as much)."""

    __slots__ = ("chunks", "parent", "parents", "streams", "wake_pending")

    def __init__(self, streams: Streams) -> None:
        self.chunks: list[str] = []
        self.parent: Message | None = None
        self.wake_pending = False
        self.streams = streams
        self.parents = streams.parents


@final
class OutStream(io.TextIOBase):
    """A text file that collects what user code writes to ``sys.stdout`` or ``sys.stderr``."""

    encoding = "utf-8"

    def __init__(self, name: StreamName, fd: int, streams: Streams) -> None:
        super().__init__()
        self.name = name
        self.fd = fd
        self.original_fd: int | None = None
        """A copy of the descriptor as it was before capture: what ``fileno()`` gives."""
        self.batch = _Batch(streams)
        self._forked_clean = False

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        """The kernel's own descriptor, as on ipykernel (``faulthandler``, ``subprocess``)."""
        if self.original_fd is None:
            raise io.UnsupportedOperation("fileno")
        return self.original_fd

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if _forked:
            return self._write_in_child(text)
        batch = self.batch
        streams = batch.streams
        # print() writes its text, then "\n" at once: only the text can follow a pause.
        if text != "\n" and streams.capture is not None:
            now = _monotonic()
            if now - streams.last_write > QUIET:
                streams.capture.drain()
            streams.last_write = now
        parents = batch.parents
        parent = parents.own.get() or parents.latest
        if parent is not batch.parent:
            streams.rebatch(self, parent)
        batch.chunks.append(text)
        size = len(text)
        streams.pending += size
        if streams.pending >= MESSAGE_SIZE:
            streams.flush(drain=False)
        elif not batch.wake_pending:
            batch.wake_pending = True
            streams.wake()
        return size

    def append(self, text: str) -> None:
        """Add ``text`` to the batch of the request the calling code belongs to (what the
        descriptors' capture calls; ``write`` does the same, inline, on the hot path)."""
        batch = self.batch
        parent = batch.parents.current()
        if parent is not batch.parent:
            batch.streams.rebatch(self, parent)
        batch.chunks.append(text)
        streams = batch.streams
        streams.pending += len(text)
        if streams.pending >= MESSAGE_SIZE:
            streams.flush(drain=False)
        elif not batch.wake_pending:
            batch.wake_pending = True
            streams.wake()

    def writelines(self, lines: Iterable[str]) -> None:  # type: ignore[override]
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """In the kernel, nothing to do: it flushes before every other output and reply."""
        if _forked and self._forked_clean and self.batch.chunks:
            self._write_through("".join(self.batch.chunks))

    def drain(self) -> tuple[str, Message | None]:
        """Take everything written so far and the request it belongs to.

        Writes racing with this are kept for next time. Call with the streams' lock held.
        """
        batch = self.batch
        batch.wake_pending = False
        chunks = batch.chunks
        count = len(chunks)
        if not count:
            return "", batch.parent
        text = "".join(chunks[:count])
        del chunks[:count]
        return text, batch.parent

    def _write_in_child(self, text: str) -> int:
        """In a forked child nobody flushes the batch: whole lines go to the descriptor.

        The parent's capture reads them from there; a line written at once is not
        cut by another process's output. Text the parent had not yet flushed when
        it forked is the parent's to send, so the child drops its copy first.
        """
        chunks = self.batch.chunks
        if not self._forked_clean:
            self._forked_clean = True
            chunks.clear()
        chunks.append(text)
        if "\n" in text:
            pending = "".join(chunks)
            end = pending.rfind("\n") + 1
            self._write_through(pending[:end])
            if end < len(pending):
                chunks.append(pending[end:])
        return len(text)

    def _write_through(self, text: str) -> None:
        self.batch.chunks.clear()
        data = text.encode("utf-8", "replace")
        while data:
            data = data[os.write(self.fd, data) :]


def _note_fork() -> None:
    global _forked
    _forked = True


os.register_at_fork(after_in_child=_note_fork)


@final
class Streams:
    """The kernel's stdout and stderr, flushed together in write order per stream."""

    def __init__(
        self,
        parents: Parents,
        wake: Callable[[], None],
        emit: Callable[[StreamName, str, Message | None], None],
    ) -> None:
        self.parents = parents
        self.wake = wake
        self.capture: _Drainable | None = None
        self.last_write = 0.0
        self.pending = 0
        """Characters written since the last flush (either stream; a trigger, not a ledger)."""
        self._emit = emit
        self._lock = threading.Lock()
        self.stdout = OutStream("stdout", 1, self)
        self.stderr = OutStream("stderr", 2, self)

    def flush(self, drain: bool = True) -> None:
        """Turn pending text into stream messages, from whichever thread asks first.

        ``drain`` first collects what waits in the captured descriptors; it costs a
        system call, which a flush before a message that follows no user code skips.
        """
        if drain and self.capture is not None:
            self.capture.drain()
        with self._lock:
            self._flush_locked()

    def rebatch(self, stream: OutStream, parent: Message | None) -> None:
        """Flush what is pending, then collect ``stream``'s text for ``parent``."""
        with self._lock:
            self._flush_locked()
            stream.batch.parent = parent

    def _flush_locked(self) -> None:
        self.pending = 0
        for stream in (self.stdout, self.stderr):
            text, parent = stream.drain()
            for start in range(0, len(text), MESSAGE_SIZE):
                self._emit(stream.name, text[start : start + MESSAGE_SIZE], parent)
