"""IPython's InteractiveShell, wired to publish its output as Jupyter messages.

IPython is configured through traitlets, so subclassing it means setting a few
class traits; that stays in this module. Everything the shell emits goes through
a ``Publisher``: the kernel decides where messages go and which request they
belong to.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Protocol

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell, InteractiveShellABC
from traitlets import Type

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import ModuleType

    from IPython.core.history import HistoryManager
    from IPython.core.payload import PayloadManager

    from interlace.protocol import (
        JSON,
        ClearOutputContent,
        DisplayDataContent,
        ErrorContent,
        ExecuteResultContent,
        IOPubMsgType,
        JSONDict,
    )

__all__ = ["KernelShell", "Publisher", "create_shell"]


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


class KernelDisplayHook(DisplayHook):
    """Sends a cell's value as ``execute_result`` instead of printing ``Out[n]:``."""

    def start_displayhook(self) -> None:
        self.data: JSONDict = {}
        self.metadata: JSONDict = {}

    def write_output_prompt(self) -> None:
        """No prompt: the frontend shows the execution count."""

    def write_format_data(self, format_dict: JSONDict, md_dict: JSONDict | None = None) -> None:
        self.data = format_dict
        self.metadata = md_dict or {}

    def finish_displayhook(self) -> None:
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


class KernelShell(InteractiveShell):
    """The shell a kernel runs cells in; ``publisher`` is set right after creation."""

    displayhook_class = Type(KernelDisplayHook)
    display_pub_class = Type(KernelDisplayPublisher)
    publisher: Publisher
    last_traceback: list[str] | None = None

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
        """Programs run with ``!`` write to a pipe, not a terminal: no pagers, keep colours."""
        os.environ.update(PAGER="cat", GIT_PAGER="cat", CLICOLOR="1", TERM="xterm-color")

    def init_virtualenv(self) -> None:
        """The kernel runs in the interpreter it was started with; no virtualenv juggling."""

    def init_hooks(self) -> None:
        super().init_hooks()
        self.set_hook("show_in_pager", _page_to_payload, 99)

    def enable_gui(self, gui: str | None = None) -> None:
        if gui not in (None, "inline"):
            raise UsageError(f"interlace runs no {gui} event loop; use %matplotlib inline")

    def _showtraceback(self, etype: type, evalue: BaseException, stb: list[str]) -> None:
        self.last_traceback = stb
        content: ErrorContent = {"ename": etype.__name__, "evalue": str(evalue), "traceback": stb}
        self.publisher.publish("error", content)

    def ask_exit(self) -> None:
        """``exit()`` asks the frontend to end the session, as ipykernel does."""
        self.payloads.write_payload({"source": "ask_exit", "keepkernel": False})

    def set_next_input(self, text: str, replace: bool = False) -> None:
        payload = {"source": "set_next_input", "text": text, "replace": replace}
        self.payloads.write_payload(payload)


InteractiveShellABC.register(KernelShell)


def _shell(part: DisplayHook | DisplayPublisher) -> KernelShell:
    shell = part.shell
    assert isinstance(shell, KernelShell)
    return shell


def _page_to_payload(
    shell: KernelShell,
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
) -> KernelShell:
    """The process's one shell (IPython's display machinery finds it as a singleton).

    A second kernel in the same process (embed_kernel called again) reuses it with
    the new namespace.
    """
    if KernelShell.initialized():
        shell: KernelShell = KernelShell.instance()
        shell.user_module, shell.user_ns = shell.prepare_user_module(module, namespace)
        shell.init_user_ns()
    else:
        shell = KernelShell.instance(user_ns=namespace, user_module=module)
    shell.publisher = publisher
    return shell
