"""The kernel: requests served one at a time on the main thread, where user code runs.

The main thread runs an asyncio event loop: it awaits the next request, serves
it, and between requests runs whatever tasks cells started (see ``_execution``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from interlace.kernel._info import kernel_info
from interlace.kernel._interrupts import ignoring_interrupts, interruptible
from interlace.kernel._io import STOP, KernelIO, status, unknown_request_error
from interlace.kernel._parents import Parents
from interlace.kernel._streams import Streams
from interlace.protocol import Message, Sender, content_of

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path
    from types import ModuleType

    from interlace.kernel._capture import FdCapture
    from interlace.kernel._execution import Executor
    from interlace.kernel._handlers import Handler
    from interlace.kernel._names import NameTracker
    from interlace.kernel._shell import ZMQInteractiveShell
    from interlace.kernel._stdin import StdinBridge
    from interlace.protocol import (
        JSON,
        CellNames,
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

FOLLOW_NO_USER_CODE = frozenset({"status", "execute_input"})
"""Messages sent before a request's code runs, or after its output was flushed: the
descriptors need no look before them."""

LEFTOVER_TASKS_GRACE = 1.0
"""Seconds that tasks cells left running get to finish cancelling when the kernel stops."""


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
        connection_file: Path | None = None,
    ) -> None:
        self.sender = Sender(username="kernel")
        self.io = KernelIO(info, self.sender, kernel_info)
        self.parents = Parents()
        self._namespace = namespace
        self._module = module
        self._connection_file = connection_file
        self._streams: Streams | None = None
        self._stdin: StdinBridge | None = None
        self._executor: Executor | None = None
        self._names: NameTracker | None = None
        self._reply_names: CellNames | None = None
        """What the execution being answered read and assigned, for its reply's metadata."""
        self._handlers: dict[str, Handler] = {}
        self.shell: ZMQInteractiveShell | None = None

    @property
    def info(self) -> ConnectionInfo:
        return self.io.info

    def start(self) -> ConnectionInfo:
        """Bind every channel and begin answering; returns the bound connection info."""
        return self.io.start()

    def serve(self) -> None:
        """Load the shell and serve requests until shut down; restores sys.stdout/err after.

        While it serves, descriptors 1 and 2 are captured into the cell's output
        (``_capture``) and ``sys.stdout``/``sys.stderr`` are the kernel's streams.
        """
        saved = sys.stdout, sys.stderr
        capture: FdCapture | None = None
        try:
            with ignoring_interrupts():
                self._load()
                assert self._streams is not None
                capture = self._capture(self._streams)
                sys.stdout, sys.stderr = self._streams.stdout, self._streams.stderr
                self._run_loop()
        finally:
            if self._streams is not None:
                self._streams.flush()
            sys.stdout, sys.stderr = saved
            self.io.stop()
            if capture is not None and self._streams is not None:
                self._streams.capture = None
                capture.stop()

    def _capture(self, streams: Streams) -> FdCapture:
        """Descriptors 1 and 2 into ``streams``, watched by the I/O loop."""
        from interlace.kernel._capture import FdCapture

        capture = FdCapture(streams)
        streams.capture = capture
        self.io.watch(capture.read_ends, capture.drain_one)
        return capture

    def _load(self) -> None:
        self.io.contacted.wait(FIRST_CONTACT_WAIT)
        from interlace.kernel._comm import install_comms
        from interlace.kernel._compat import KernelObject, KernelSession, install_aliases
        from interlace.kernel._execution import Executor
        from interlace.kernel._handlers import ShellHandlers
        from interlace.kernel._names import NameTracker
        from interlace.kernel._shell import ZMQInteractiveShell, create_shell
        from interlace.kernel._stdin import StdinBridge

        self._streams = Streams(self.parents, self.io.wake_flusher, self._emit_stream)
        self.io.streams = self._streams
        shell = create_shell(self, self._namespace, self._module, self._connection_file)
        comms = install_comms(self)
        self._stdin = StdinBridge(self, self.io.stdin_replies)
        session = KernelSession(self.sender, self.parents, self.publish_as)
        shell.kernel = KernelObject(
            shell=shell,
            comm_manager=comms,
            session=session,
            parents=self.parents,
            stdin=self._stdin,
            info=kernel_info,
        )
        install_aliases(ZMQInteractiveShell)
        self.shell = shell
        self._executor = Executor(shell)
        self._names = NameTracker(shell)
        self._handlers = ShellHandlers(shell, comms, kernel_info).table()
        self.io.shell_ready.set()

    def _run_loop(self) -> None:
        """Serve requests on a new event loop of this thread until a shutdown request."""
        from interlace.kernel._execution import run_beside

        outer = asyncio.events._get_running_loop()
        if outer is not None:
            # embed_kernel() called from a coroutine: its loop waits while the kernel serves.
            asyncio.events._set_running_loop(None)
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            with run_beside(loop):
                loop.run_until_complete(self._serve_requests())
        finally:
            _close(loop)
            if outer is not None:
                asyncio.events._set_running_loop(outer)
                asyncio.set_event_loop(outer)

    async def _serve_requests(self) -> None:
        self.io.requests.bind(asyncio.get_running_loop())
        while True:
            # Tasks that the last request started or woke take their turn before the
            # next request, even when it is already waiting.
            await asyncio.sleep(0)
            item = await self.io.requests.get()
            if item is STOP:
                return
            await self._dispatch(*item)

    # Publisher: how the shell, comms and streams send output.

    def publish(
        self,
        msg_type: IOPubMsgType,
        content: Mapping[str, JSON],
        metadata: JSONDict | None = None,
        buffers: Sequence[bytes] = (),
    ) -> None:
        """Send an iopub message for the current request, after any text printed before it."""
        self.publish_as(self.parents.current(), msg_type, content, metadata, buffers)

    def publish_as(
        self,
        parent: Message | None,
        msg_type: IOPubMsgType,
        content: Mapping[str, JSON],
        metadata: JSONDict | None = None,
        buffers: Sequence[bytes] = (),
    ) -> Message:
        """Send an iopub message as a child of ``parent``, after any text printed before it."""
        if self._streams is not None:
            self._streams.flush(drain=msg_type not in FOLLOW_NO_USER_CODE)
        message = self.sender.message(
            msg_type, content, parent=parent, metadata=metadata or {}, buffers=buffers
        )
        self.io.publish(message)
        return message

    def _emit_stream(self, name: StreamName, text: str, parent: Message | None) -> None:
        content: StreamContent = {"name": name, "text": text}
        self.io.publish(self.sender.message("stream", content, parent=parent))

    def ask(self, prompt: str, password: bool) -> Message:
        """Send an input_request to the client whose request is running."""
        if self._streams is not None:
            self._streams.flush()
        content: InputRequestContent = {"prompt": prompt, "password": password}
        request = self.sender.message("input_request", content, parent=self.parents.current())
        self.io.send("stdin", request, self.parents.identities)
        return request

    # Serving requests.

    async def _dispatch(self, identities: list[bytes], request: Message) -> None:
        self.parents.enter(request, identities)
        self.publish("status", status("busy"))
        content = await self._handle(request)
        if self._streams is not None:
            self._streams.flush()
        if content is not None and request.msg_type.endswith("_request"):
            metadata: dict[str, JSON] = {
                "status": content.get("status"),
                "started": _now(),
                "engine": self.sender.session,
            }
            if self._reply_names is not None:
                metadata["interlace"] = dict(self._reply_names)
                self._reply_names = None
            reply = self.sender.reply(request, content, metadata=metadata)
            self.io.send("shell", reply, identities)
        self.publish("status", status("idle"))
        if self.shell is not None and self.shell.exit_requested:
            log.warning("exit() was called in a cell: the kernel stops")
            self.io.requests.put_back([STOP])

    async def _handle(self, request: Message) -> Mapping[str, JSON] | None:
        """The reply's content; a failure is an error reply (for requests) or a log line."""
        try:
            if request.msg_type == "execute_request":
                return await self._execute(request)
            return self._handle_now(request)
        except KeyboardInterrupt:
            return _error_reply("KeyboardInterrupt", "interrupted")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            log.warning("shell: bad %s content: %r", request.msg_type, exc)
            return _error_reply("MalformedRequest", f"{request.msg_type}: {exc!r}")
        except Exception as exc:
            log.exception("shell: %s failed", request.msg_type)
            return _error_reply(type(exc).__name__, str(exc))

    def _handle_now(self, request: Message) -> Mapping[str, JSON] | None:
        handler = self._handlers.get(request.msg_type)
        if handler is None:
            log.warning("shell: unknown message type %r", request.msg_type)
            is_request = request.msg_type.endswith("_request")
            return unknown_request_error(request) if is_request else None
        with interruptible():
            return handler(request)

    async def _execute(self, request: Message) -> ExecuteReplyContent:
        content = content_of(request, "execute_request")
        code = content["code"]
        if not isinstance(code, str):
            raise TypeError("'code' must be a string")
        silent = bool(content.get("silent", False))
        store_history = bool(content.get("store_history", not silent))
        expressions = content.get("user_expressions") or {}
        if not isinstance(expressions, dict):
            raise TypeError("'user_expressions' must be an object")
        shell, executor, stdin = self.shell, self._executor, self._stdin
        assert shell is not None
        assert executor is not None
        assert stdin is not None
        if not silent:
            executing: ExecuteInputContent = {
                "code": code,
                "execution_count": shell.execution_count,
            }
            self.publish("execute_input", executing)
        names = self._names if not silent else None
        if names is not None:
            names.before()
        with stdin.enabled(bool(content.get("allow_stdin", True))):
            result = await executor.run(code, silent=silent, store_history=store_history)
        if names is not None:
            self._reply_names = names.after()
        reply: ExecuteReplyContent = {
            "status": "ok",
            "execution_count": shell.execution_count - 1,
            "payload": shell.payloads.read_payload(),
            "user_expressions": {},
        }
        shell.payloads.clear_payload()
        if result.success and shell.display_error is None:
            reply["user_expressions"] = shell.user_expressions(expressions)
            return reply
        error = result.error_before_exec or result.error_in_exec or shell.display_error
        _fail(reply, type(error).__name__, str(error), shell.last_traceback)
        if content.get("stop_on_error", True) and not silent:
            await self._abort_queued()
        return reply

    async def _abort_queued(self) -> None:
        """After an error, queued execute_requests are answered 'aborted', not run."""
        pending = self.io.requests.take_waiting()
        if STOP in pending:
            at = pending.index(STOP)
            self.io.requests.put_back(pending[at:])
            pending = pending[:at]
        for item in pending:
            assert item is not None
            identities, request = item
            if request.msg_type != "execute_request":
                await self._dispatch(identities, request)
                continue
            self.parents.enter(request, identities)
            self.publish("status", status("busy"))
            aborted: ExecuteReplyContent = {"status": "aborted"}
            reply = self.sender.reply(request, aborted, metadata={"status": "aborted"})
            self.io.send("shell", reply, identities)
            self.publish("status", status("idle"))


def _close(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel the tasks cells left running (giving them a moment), then close the loop."""
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        done = asyncio.wait(tasks, timeout=LEFTOVER_TASKS_GRACE)
        with contextlib.suppress(Exception):
            loop.run_until_complete(done)
    with contextlib.suppress(Exception):
        loop.run_until_complete(asyncio.wait_for(loop.shutdown_asyncgens(), LEFTOVER_TASKS_GRACE))
    asyncio.set_event_loop(None)
    loop.close()


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
