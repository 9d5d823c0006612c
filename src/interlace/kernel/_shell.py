"""IPython's InteractiveShell, wired to publish its output as Jupyter messages.

IPython is configured through traitlets, so subclassing it means setting a few
class traits; that stays in this module. Everything the shell emits goes through
a ``Publisher``: the kernel decides where messages go and which request they
belong to.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Protocol

from IPython.core.autocall import ZMQExitAutocall
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell, InteractiveShellABC
from traitlets import Instance, Type, default

from interlace.kernel._compiler import CellCompiler

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path
    from types import ModuleType

    from IPython.core.history import HistoryManager
    from IPython.core.payload import PayloadManager

    from interlace.kernel._compat import KernelObject
    from interlace.protocol import (
        JSON,
        ClearOutputContent,
        DisplayDataContent,
        ErrorContent,
        ExecuteResultContent,
        IOPubMsgType,
        JSONDict,
    )

__all__ = ["Publisher", "ZMQInteractiveShell", "create_shell"]


class Publisher(Protocol):
    """Where the shell's outputs go: iopub, as children of the current request."""

    def publish(
        self,
        msg_type: IOPubMsgType,
        content: Mapping[str, JSON],
        metadata: JSONDict | None = None,
        buffers: Sequence[bytes] = (),
    ) -> None:
        """Send an iopub message for the request being served."""


NO_EVENT_LOOP_NEEDED = frozenset(
    {None, "inline", "nbagg", "webagg", "notebook", "ipympl", "widget"}
)
"""``%gui``/``%matplotlib`` names that need no GUI event loop in the kernel (ipykernel's list);
their figures travel as images or over comms."""


class KernelDisplayHook(DisplayHook):
    """Sends a cell's value as ``execute_result`` instead of printing ``Out[n]:``."""

    active = False
    """True while a value is being formatted: an error then fails the request."""

    def start_displayhook(self) -> None:
        self.active = True
        self.data: JSONDict = {}
        self.metadata: JSONDict = {}

    def write_output_prompt(self) -> None:
        """No prompt: the frontend shows the execution count."""

    def write_format_data(self, format_dict: JSONDict, md_dict: JSONDict | None = None) -> None:
        self.data = format_dict
        self.metadata = md_dict or {}

    def finish_displayhook(self) -> None:
        self.active = False
        if self.data:
            content: ExecuteResultContent = {
                "execution_count": self.prompt_count,
                "data": self.data,
                "metadata": self.metadata,
            }
            _shell(self).publisher.publish("execute_result", content)


class KernelDisplayPublisher(DisplayPublisher):
    """``display()`` and ``clear_output()`` as display_data, update_display_data, clear_output."""

    def publish(
        self,
        data: JSONDict,
        metadata: JSONDict | None = None,
        source: object = None,
        *,
        transient: JSONDict | None = None,
        update: bool = False,
        **kwargs: Any,
    ) -> None:
        self._validate_data(data, metadata)
        content: DisplayDataContent = {
            "data": data,
            "metadata": metadata or {},
            "transient": transient or {},
        }
        msg_type: IOPubMsgType = "update_display_data" if update else "display_data"
        _shell(self).publisher.publish(msg_type, content)

    def clear_output(self, wait: bool = False) -> None:
        content: ClearOutputContent = {"wait": bool(wait)}
        _shell(self).publisher.publish("clear_output", content)


class ZMQInteractiveShell(InteractiveShell):
    """The shell a kernel runs cells in; ``publisher`` and ``kernel`` are set right after creation.

    Libraries ask "am I in a Jupyter kernel?" by this class's name and module
    (pandas, plotly, rich, tqdm and more), so both are ipykernel's; the module
    name resolves to an alias that ``_compat`` registers.
    """

    __module__ = "ipykernel.zmqshell"

    displayhook_class = Type(KernelDisplayHook)
    display_pub_class = Type(KernelDisplayPublisher)
    compiler_class = Type(CellCompiler)
    exiter = Instance(ZMQExitAutocall)
    publisher: Publisher
    kernel: KernelObject | None = None
    keepkernel_on_exit: bool | None = None
    exit_requested = False
    """Set by ``exit()``: the kernel stops once the request is answered, as ipykernel does."""
    last_traceback: list[str] | None = None
    display_error: BaseException | None = None
    """An error raised while formatting the cell's value: it fails the request, as on ipykernel."""

    @property
    def payloads(self) -> PayloadManager:
        manager: PayloadManager | None = self.payload_manager
        assert manager is not None
        return manager

    @property
    def history(self) -> HistoryManager:
        manager: HistoryManager | None = self.history_manager
        assert manager is not None
        return manager

    def init_environment(self) -> None:
        """Programs run with ``!`` write to a pipe, not a terminal: no pagers, keep colours
        (ipykernel sets the same variables)."""
        os.environ.update(
            PAGER="cat",
            GIT_PAGER="cat",
            CLICOLOR="1",
            CLICOLOR_FORCE="1",
            FORCE_COLOR="1",
            TERM="xterm-color",
        )

    def init_virtualenv(self) -> None:
        """The kernel runs in the interpreter it was started with; no virtualenv juggling."""

    def init_hooks(self) -> None:
        super().init_hooks()
        self.set_hook("show_in_pager", _page_to_payload, 99)

    def enable_gui(self, gui: str | None = None) -> None:
        if gui not in NO_EVENT_LOOP_NEEDED:
            message = f"interlace runs no {gui} event loop; use %matplotlib inline or widget"
            raise UsageError(message)
        self.active_eventloop = gui

    def before_run(self) -> None:
        """Forget the last request's traceback."""
        self.last_traceback = None
        self.display_error = None
        if isinstance(self.displayhook, KernelDisplayHook):
            self.displayhook.active = False

    def _showtraceback(self, etype: type, evalue: BaseException, stb: list[str]) -> None:
        self.last_traceback = stb
        if isinstance(self.displayhook, KernelDisplayHook) and self.displayhook.active:
            self.display_error = evalue
        content: ErrorContent = {"ename": etype.__name__, "evalue": str(evalue), "traceback": stb}
        self.publisher.publish("error", content)

    @default("exiter")
    def _default_exiter(self) -> ZMQExitAutocall:
        return ZMQExitAutocall(self)

    def ask_exit(self) -> None:
        """``exit()`` ends the session and the kernel; ``exit(keep_kernel=True)`` only the
        session (the frontend is told in the payload), as on ipykernel."""
        keep = bool(self.keepkernel_on_exit)
        self.payloads.write_payload({"source": "ask_exit", "keepkernel": keep})
        self.exit_requested = not keep

    def set_next_input(self, text: str, replace: bool = False) -> None:
        payload = {"source": "set_next_input", "text": text, "replace": replace}
        self.payloads.write_payload(payload)

    def get_parent(self) -> JSONDict:
        """The request the running code belongs to, as a message dict (ipywidgets' Output)."""
        return self.kernel.get_parent() if self.kernel is not None else {}

    def set_parent(self, parent: JSONDict) -> None:
        """Make the running code's output belong to ``parent`` (a message dict)."""
        if self.kernel is not None:
            self.kernel.set_parent(b"", parent)

    @property
    def parent_header(self) -> JSONDict:
        return self.get_parent()


InteractiveShellABC.register(ZMQInteractiveShell)


def _shell(part: DisplayHook | DisplayPublisher) -> ZMQInteractiveShell:
    shell = part.shell
    assert isinstance(shell, ZMQInteractiveShell)
    return shell


def _page_to_payload(
    shell: ZMQInteractiveShell,
    data: object,
    start: int = 0,
    screen_lines: int = 0,
    pager_cmd: object = None,
) -> None:
    """``obj?`` and other paged text go back in the execute_reply's payload."""
    bundle = data if isinstance(data, dict) else {"text/plain": data}
    payload = {"source": "page", "data": bundle, "start": max(0, start)}
    shell.payloads.write_payload(payload)


def create_shell(
    publisher: Publisher,
    namespace: dict[str, Any] | None = None,
    module: ModuleType | None = None,
    connection_file: Path | None = None,
) -> ZMQInteractiveShell:
    """The process's one shell (IPython's display machinery finds it as a singleton).

    A second kernel in the same process (embed_kernel called again) reuses it with
    the new namespace. Its config has an ``IPKernelApp`` section, as ipykernel's
    does (tqdm and others look for it), naming the connection file.
    """
    if ZMQInteractiveShell.initialized():
        shell: ZMQInteractiveShell = ZMQInteractiveShell.instance()
        shell.user_module, shell.user_ns = shell.prepare_user_module(module, namespace)
        shell.init_user_ns()
    else:
        shell = ZMQInteractiveShell.instance(user_ns=namespace, user_module=module)
    shell.publisher = publisher
    shell.config.IPKernelApp.connection_file = str(connection_file or "")
    return shell
