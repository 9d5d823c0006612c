"""``input()`` and ``getpass()`` answered by the client that ran the cell."""

from __future__ import annotations

import builtins
import contextlib
import getpass
import logging
from typing import TYPE_CHECKING, Any, Protocol

from IPython.core.error import StdinNotImplementedError

from interlace.kernel._interrupts import interruptible
from interlace.protocol import content_of

if TYPE_CHECKING:
    import queue
    from collections.abc import Iterator

    from interlace.protocol import Message

__all__ = ["StdinBridge"]

log = logging.getLogger("interlace.kernel")


class _Asker(Protocol):
    def ask(self, prompt: str, password: bool) -> Message:
        """Send an input_request for the current request; return it."""


class StdinBridge:
    """Replaces ``input`` and ``getpass`` while a cell runs, as ipykernel does."""

    def __init__(self, asker: _Asker, replies: queue.SimpleQueue[Message]) -> None:
        self._asker = asker
        self._replies = replies
        self._allowed = False

    @contextlib.contextmanager
    def enabled(self, allowed: bool) -> Iterator[None]:
        self._allowed = allowed
        saved = builtins.input, getpass.getpass
        builtins.input, getpass.getpass = self.input, self.getpass
        try:
            yield
        finally:
            builtins.input, getpass.getpass = saved

    def input(self, prompt: object = "") -> str:
        return self._request(str(prompt), password=False)

    def getpass(self, prompt: str = "Password: ", stream: Any = None) -> str:
        return self._request(prompt, password=True)

    def _request(self, prompt: str, password: bool) -> str:
        if not self._allowed:
            raise StdinNotImplementedError(
                "input() was called, but this frontend does not support input requests"
                " (the request had allow_stdin: false)"
            )
        while not self._replies.empty():
            log.warning("stdin: dropped a stale input_reply")
            self._replies.get_nowait()
        request = self._asker.ask(prompt, password)
        with interruptible():
            reply = self._wait_for_reply(request)
        value = content_of(reply, "input_reply").get("value", "")
        if value == "\x04":
            raise EOFError("end of input")
        return str(value)

    def _wait_for_reply(self, request: Message) -> Message:
        """The input_reply to ``request``; an interrupt stops the wait, in any cell (one
        that awaits included, where SIGINT otherwise only cancels at the next await)."""
        while True:
            reply = self._replies.get()
            if reply.parent_id in (None, request.msg_id):
                return reply
            log.warning("stdin: dropped an input_reply to another request")
