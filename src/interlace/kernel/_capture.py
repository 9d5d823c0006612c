"""Output written to the file descriptors themselves, brought into the cell as ipykernel does.

``os.system``, ``subprocess.run`` without capture, C and Fortran libraries, and
child processes (multiprocessing, joblib's workers) write to descriptors 1 and 2,
not to ``sys.stdout``. While the kernel serves, those descriptors are the write
ends of two pipes; the kernel's I/O loop watches the read ends (no thread of its
own) and the main thread collects what waits there before it sends other output,
so text keeps its place as well as a pipe allows. The original descriptors are
kept: ``sys.stdout.fileno()`` returns them, as on ipykernel, and the kernel's own
log writes to them.
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import os
import select
import sys
import threading
from typing import TYPE_CHECKING, final

if TYPE_CHECKING:
    from interlace.kernel._streams import OutStream, Streams

__all__ = ["FdCapture"]

log = logging.getLogger("interlace.kernel")

READ_SIZE = 1 << 16


@final
class _Pipe:
    """One descriptor (1 or 2) replaced by a pipe feeding one stream."""

    def __init__(self, stream: OutStream) -> None:
        self.stream = stream
        self.fd = stream.fd
        self.saved = os.dup(self.fd)
        try:
            self.read_end, write_end = os.pipe()
        except OSError:
            os.close(self.saved)
            raise
        os.set_blocking(self.read_end, False)
        os.dup2(write_end, self.fd)
        os.close(write_end)
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        stream.original_fd = self.saved

    def drain(self) -> bool:
        """Move what waits into the stream; False once every writer has closed the pipe."""
        while True:
            try:
                data = os.read(self.read_end, READ_SIZE)
            except (BlockingIOError, InterruptedError):
                return True
            text = self._decoder.decode(data, final=not data)
            if text:
                self.stream.append(text)
            if not data:
                return False
            if len(data) < READ_SIZE:
                return True

    def restore(self) -> None:
        os.dup2(self.saved, self.fd)
        os.close(self.saved)
        os.close(self.read_end)
        self.stream.original_fd = None


def _open(stream: OutStream) -> _Pipe | None:
    """A pipe in place of the stream's descriptor; None when the process has no such
    descriptor (started with it closed): that stream is then left as it is."""
    try:
        return _Pipe(stream)
    except OSError as exc:
        log.warning("cannot capture descriptor %d: %s", stream.fd, exc)
        return None


@final
class FdCapture:
    """Descriptors 1 and 2 as pipes read into the kernel's streams, until ``stop``."""

    def __init__(self, streams: Streams) -> None:
        self._lock = threading.Lock()
        for name in ("__stdout__", "__stderr__"):
            with contextlib.suppress(AttributeError, OSError, ValueError):
                getattr(sys, name).flush()
        self._pipes = [pipe for pipe in map(_open, (streams.stdout, streams.stderr)) if pipe]
        self._poll = select.poll()
        for pipe in self._pipes:
            self._poll.register(pipe.read_end, select.POLLIN)

    @property
    def read_ends(self) -> list[int]:
        """The descriptors to watch: readable means text waits."""
        return [pipe.read_end for pipe in self._pipes]

    def drain(self) -> None:
        """Move what waits in the pipes into the streams (from any thread).

        One ``poll`` looks at both pipes: on the way of every message, it must cost
        nothing when, as nearly always, nothing waits.
        """
        with self._lock:  # a poll object is for one thread at a time
            ready = {fd for fd, _ in self._poll.poll(0)}
            for pipe in self._pipes:
                if pipe.read_end in ready:
                    pipe.drain()

    def drain_one(self, read_end: int) -> bool:
        """Move what waits in one pipe; False once it has no writer left (or is gone)."""
        with self._lock:
            pipe = next((p for p in self._pipes if p.read_end == read_end), None)
            return pipe.drain() if pipe is not None else False

    def stop(self) -> None:
        """Give the descriptors back (what is still in the pipes is dropped)."""
        with self._lock:
            for pipe in self._pipes:
                self._poll.unregister(pipe.read_end)
                pipe.restore()
            self._pipes = []
