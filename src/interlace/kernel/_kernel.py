"""The kernel: requests served one at a time on the main thread, where user code runs."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from interlace.kernel._info import kernel_info
from interlace.kernel._io import STOP, KernelIO, status, unknown_request_error
from interlace.kernel._streams import Streams
from interlace.protocol import Message, Sender, content_of

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from types import ModuleType

    from interlace.kernel._handlers import Handler
    from interlace.kernel._shell import KernelShell
    from interlace.kernel._stdin import StdinBridge
    from interlace.protocol import (
        JSON,
        ConnectionInfo,
        ExecuteInputContent,
        ExecuteReplyContent,
        InputRequestContent,
        IOPubMsgType,
        JSONDict,
        ReplyContent,
        StreamContent,
        StreamName,
    )

__all__ = ["Kernel"]

log = logging.getLogger("interlace.kernel")

FIRST_CONTACT_WAIT = 0.2
"""Seconds to let the first client's kernel_info be answered before loading IPython.

Loading IPython takes the interpreter for a few hundred milliseconds; answering
first lets a frontend show the kernel as connected that much sooner.
"""


class Kernel:
    """A Jupyter kernel running Python through IPython.

    ``start()`` binds the sockets (answering kernel_info at once); ``serve()``
    loads IPython and runs requests until a shutdown_request, on the calling
    thread, which should be the main thread so that interrupts reach user code.
    """

    def __init__(
        self,
        info: ConnectionInfo,
        *,
        namespace: dict[str, Any] | None = None,
        module: ModuleType | None = None,
    ) -> None:
        self.sender = Sender(username="kernel")
        self.io = KernelIO(info, self.sender, kernel_info)
        self._namespace = namespace
        self._module = module
        self._parent: Message | None = None
        self._identities: Sequence[bytes] = ()
        self._streams: Streams | None = None
        self._stdin: StdinBridge | None = None
        self._handlers: dict[str, Handler] = {}
        self.shell: KernelShell | None = None

    @property
    def info(self) -> ConnectionInfo:
        return self.io.info

    def start(self) -> ConnectionInfo:
        """Bind every channel and begin answering; returns the bound connection info."""
        return self.io.start()

    def serve(self) -> None:
        """Load the shell and serve requests until shut down; restores sys.stdout/err after."""
        saved = sys.stdout, sys.stderr
        try:
            with _ignoring_interrupts():
                self._load()
                assert self._streams is not None
                sys.stdout, sys.stderr = self._streams.stdout, self._streams.stderr
                self._loop()
        finally:
            if self._streams is not None:
                self._streams.flush()
            sys.stdout, sys.stderr = saved
            self.io.stop()

    def _load(self) -> None:
        self.io.contacted.wait(FIRST_CONTACT_WAIT)
        from interlace.kernel._comm import install_comms
        from interlace.kernel._handlers import ShellHandlers
        from interlace.kernel._shell import create_shell
        from interlace.kernel._stdin import StdinBridge

        self._streams = Streams(self.io.wake_flusher, self._emit_stream)
        self.io.streams = self._streams
        self.shell = create_shell(self, self._namespace, self._module)
        comms = install_comms(self)
        self._stdin = StdinBridge(self, self.io.stdin_replies)
        self._handlers = ShellHandlers(self.shell, comms, kernel_info).table()
        self._handlers["execute_request"] = self._execute
        self.io.shell_ready.set()

    def _loop(self) -> None:
        while (item := self.io.requests.get()) is not STOP:
            self._dispatch(*item)

    # Publisher: how the shell, comms and streams send output.

    def publish(
        self,
        msg_type: IOPubMsgType,
        content: Mapping[str, JSON],
        metadata: JSONDict | None = None,
        buffers: Sequence[bytes] = (),
    ) -> None:
        """Send an iopub message for the current request, after any text printed before it."""
        if self._streams is not None:
            self._streams.flush()
        message = self.sender.message(
            msg_type, content, parent=self._parent, metadata=metadata or {}, buffers=buffers
        )
        self.io.publish(message)

    def _emit_stream(self, name: StreamName, text: str) -> None:
        content: StreamContent = {"name": name, "text": text}
        self.io.publish(self.sender.message("stream", content, parent=self._parent))

    def ask(self, prompt: str, password: bool) -> Message:
        """Send an input_request to the client whose request is running."""
        if self._streams is not None:
            self._streams.flush()
        content: InputRequestContent = {"prompt": prompt, "password": password}
        request = self.sender.message("input_request", content, parent=self._parent)
        self.io.send("stdin", request, self._identities)
        return request

    # Serving requests.

    def _dispatch(self, identities: list[bytes], request: Message) -> None:
        self._parent, self._identities = request, identities
        self.publish("status", status("busy"))
        content = self._handle(request)
        if content is not None:
            metadata = {
                "status": content.get("status"),
                "started": _now(),
                "engine": self.sender.session,
            }
            reply = self.sender.reply(request, content, metadata=metadata)
            self.io.send("shell", reply, identities)
        self.publish("status", status("idle"))

    def _handle(self, request: Message) -> Mapping[str, JSON] | None:
        handler = self._handlers.get(request.msg_type)
        if handler is None:
            log.warning("shell: unknown message type %r", request.msg_type)
            is_request = request.msg_type.endswith("_request")
            return unknown_request_error(request) if is_request else None
        try:
            with _interruptible():
                return handler(request)
        except KeyboardInterrupt:
            return _error_reply("KeyboardInterrupt", "interrupted")
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("shell: bad %s content: %r", request.msg_type, exc)
            return _error_reply("MalformedRequest", f"{request.msg_type}: {exc!r}")
        except Exception as exc:
            log.exception("shell: %s failed", request.msg_type)
            return _error_reply(type(exc).__name__, str(exc))

    def _execute(self, request: Message) -> ExecuteReplyContent:
        content = content_of(request, "execute_request")
        code = content["code"]
        if not isinstance(code, str):
            raise TypeError("'code' must be a string")
        silent = bool(content.get("silent", False))
        store_history = bool(content.get("store_history", not silent))
        expressions = content.get("user_expressions") or {}
        if not isinstance(expressions, dict):
            raise TypeError("'user_expressions' must be an object")
        shell = self.shell
        assert shell is not None
        assert self._stdin is not None
        if not silent:
            executing: ExecuteInputContent = {
                "code": code,
                "execution_count": shell.execution_count,
            }
            self.publish("execute_input", executing)
        shell.last_traceback = None
        with self._stdin.enabled(bool(content.get("allow_stdin", True))):
            result = shell.run_cell(code, store_history=store_history, silent=silent)
        reply: ExecuteReplyContent = {
            "status": "ok",
            "execution_count": shell.execution_count - 1,
            "payload": shell.payloads.read_payload(),
            "user_expressions": {},
        }
        shell.payloads.clear_payload()
        if result.success:
            reply["user_expressions"] = shell.user_expressions(expressions)
            return reply
        error = result.error_before_exec or result.error_in_exec
        _fail(reply, type(error).__name__, str(error), shell.last_traceback)
        if content.get("stop_on_error", True) and not silent:
            self._abort_queued()
        return reply

    def _abort_queued(self) -> None:
        """After an error, queued execute_requests are answered 'aborted', not run."""
        pending = []
        while not self.io.requests.empty():
            item = self.io.requests.get_nowait()
            if item is STOP:
                self.io.requests.put(STOP)
                break
            pending.append(item)
        for identities, request in pending:
            if request.msg_type != "execute_request":
                self._dispatch(identities, request)
                continue
            self._parent, self._identities = request, identities
            self.publish("status", status("busy"))
            aborted: ExecuteReplyContent = {"status": "aborted"}
            reply = self.sender.reply(request, aborted, metadata={"status": "aborted"})
            self.io.send("shell", reply, identities)
            self.publish("status", status("idle"))


def _fail(reply: ReplyContent, ename: str, evalue: str, traceback: list[str] | None) -> None:
    """Turn ``reply`` into an error reply (its other fields stay, as ipykernel's do)."""
    reply["status"] = "error"
    reply["ename"] = ename
    reply["evalue"] = evalue
    reply["traceback"] = traceback or []


def _error_reply(ename: str, evalue: str, traceback: list[str] | None = None) -> ReplyContent:
    return {"status": "error", "ename": ename, "evalue": evalue, "traceback": traceback or []}


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@contextlib.contextmanager
def _sigint(handler: Any) -> Iterator[None]:
    """Install a SIGINT handler for the block (only the main thread may)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, saved)


def _ignoring_interrupts() -> contextlib.AbstractContextManager[None]:
    """Between requests an interrupt has nothing to stop: ignore it."""
    return _sigint(signal.SIG_IGN)


def _interruptible() -> contextlib.AbstractContextManager[None]:
    """While a handler runs, SIGINT raises KeyboardInterrupt in it."""
    return _sigint(signal.default_int_handler)
