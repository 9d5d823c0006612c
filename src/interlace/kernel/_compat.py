"""What libraries find of ipykernel inside a kernel, provided by ours.

Libraries decide "am I in a Jupyter kernel?" and reach into the kernel in a few
well-known ways; this module provides exactly what the widely used ones touch:

- ``get_ipython().kernel`` (``KernelObject``): ``get_parent()``/``set_parent()``
  (ipywidgets' Output widget and ``interact``), ``session`` with ``send`` and
  ``msg`` and ``iopub_socket`` (libraries that publish their own iopub messages),
  ``send_response``, ``comm_manager``, ``shell``, ``raw_input``/``getpass``,
  ``ident`` and the kernel_info fields.
- ``sys.modules["ipykernel.zmqshell"]`` holding our shell class (tqdm.auto tests
  for the module; plotly for the class's module name), and
  ``sys.modules["ipykernel.comm"]`` with ``Comm`` and ``CommManager``
  (matplotlib's ``%matplotlib notebook`` backend imports them). Registered only
  where the real modules are not loaded already.
"""

from __future__ import annotations

import importlib.machinery
import logging
import sys
import warnings
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol, cast, final

from comm.base_comm import CommManager

from interlace.kernel._comm import KernelComm, message_dict, message_from_dict

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from interlace.kernel._parents import Parents
    from interlace.kernel._shell import ZMQInteractiveShell
    from interlace.kernel._stdin import StdinBridge
    from interlace.protocol import (
        JSON,
        HelpLink,
        IOPubMsgType,
        JSONDict,
        KernelInfoReplyContent,
        LanguageInfo,
        Message,
        Sender,
    )

__all__ = ["IOPUB_SOCKET", "KernelObject", "KernelSession", "install_aliases"]

log = logging.getLogger("interlace.kernel")


@final
class _Socket:
    """Stands for one of the kernel's sockets where libraries pass ``kernel.iopub_socket``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<interlace {self.name} socket>"


IOPUB_SOCKET = _Socket("iopub")


class PublishAs(Protocol):
    def __call__(
        self,
        parent: Message | None,
        msg_type: IOPubMsgType,
        content: Mapping[str, JSON],
        metadata: JSONDict | None = None,
        buffers: Sequence[bytes] = (),
    ) -> Message:
        """Send an iopub message as a child of ``parent``; return it."""


@final
class KernelSession:
    """What libraries use of jupyter_client's ``Session``: building and sending iopub messages."""

    def __init__(self, sender: Sender, parents: Parents, publish_as: PublishAs) -> None:
        self._sender = sender
        self._parents = parents
        self._publish_as = publish_as

    @property
    def session(self) -> str:
        return self._sender.session

    @property
    def username(self) -> str:
        return self._sender.username

    def msg(
        self,
        msg_type: str,
        content: JSONDict | None = None,
        parent: JSONDict | None = None,
        header: JSONDict | None = None,
        metadata: JSONDict | None = None,
    ) -> JSONDict:
        """A message dict of this session, not sent."""
        parent_message = message_from_dict(parent)
        message = self._sender.message(
            msg_type, content or {}, parent=parent_message, metadata=metadata or {}
        )
        return message_dict(message)

    def send(
        self,
        stream: object,
        msg_or_type: str | JSONDict,
        content: JSONDict | None = None,
        parent: JSONDict | None = None,
        ident: object = None,
        buffers: Sequence[bytes] | None = None,
        track: bool = False,
        header: JSONDict | None = None,
        metadata: JSONDict | None = None,
    ) -> JSONDict | None:
        """Publish on iopub (the one socket user code may send on), as a child of ``parent``."""
        if stream is not IOPUB_SOCKET:
            log.warning("session.send on %r is not supported; only on kernel.iopub_socket", stream)
            return None
        msg_type, content, metadata = _parts(msg_or_type, content, metadata)
        target = message_from_dict(parent) if parent else self._parents.current()
        kind = cast("IOPubMsgType", msg_type)
        sent = self._publish_as(target, kind, content, metadata, [bytes(b) for b in buffers or ()])
        return message_dict(sent)


def _parts(
    msg_or_type: str | JSONDict, content: JSONDict | None, metadata: JSONDict | None
) -> tuple[str, JSONDict, JSONDict]:
    """Type, content and metadata from a type and its parts, or from a whole message dict."""
    if isinstance(msg_or_type, dict):
        header = msg_or_type.get("header")
        msg_type = header.get("msg_type") if isinstance(header, dict) else None
        msg_type = msg_type or msg_or_type.get("msg_type")
        content = content or _dict(msg_or_type.get("content"))
        metadata = metadata or _dict(msg_or_type.get("metadata"))
        return str(msg_type), content, metadata
    return msg_or_type, content or {}, metadata or {}


def _dict(value: object) -> JSONDict:
    return cast("JSONDict", value) if isinstance(value, dict) else {}


class KernelObject:
    """``get_ipython().kernel``: the parts of ipykernel's kernel that libraries reach for."""

    implementation = "interlace"
    int_id = -1

    def __init__(
        self,
        *,
        shell: ZMQInteractiveShell,
        comm_manager: CommManager,
        session: KernelSession,
        parents: Parents,
        stdin: StdinBridge,
        info: Callable[[], KernelInfoReplyContent],
    ) -> None:
        self.shell = shell
        self.comm_manager = comm_manager
        self.session = session
        self.iopub_socket = IOPUB_SOCKET
        self.ident = session.session
        self._parents = parents
        self._stdin = stdin
        self._info = info

    def get_parent(self, channel: str | None = None) -> JSONDict:
        """The request the running code belongs to, as a message dict; ``{}`` before any."""
        parent = self._parents.current()
        return message_dict(parent) if parent is not None else {}

    def set_parent(self, ident: object, parent: JSONDict, channel: str = "shell") -> None:
        """Make the running code's output belong to ``parent`` (a message dict)."""
        message = message_from_dict(parent)
        if message is not None:
            self._parents.adopt(message)

    def send_response(
        self,
        stream: object,
        msg_or_type: str | JSONDict,
        content: JSONDict | None = None,
        ident: object = None,
        buffers: Sequence[bytes] | None = None,
        track: bool = False,
        header: JSONDict | None = None,
        metadata: JSONDict | None = None,
        channel: str | None = None,
    ) -> JSONDict | None:
        """Send as a child of the current request (ipykernel's helper)."""
        parent = self.get_parent(channel)
        return self.session.send(
            stream, msg_or_type, content, parent, ident, buffers, track, header, metadata
        )

    def raw_input(self, prompt: str = "") -> str:
        return self._stdin.input(prompt)

    def getpass(self, prompt: str = "", stream: object = None) -> str:
        return self._stdin.getpass(prompt)

    @property
    def implementation_version(self) -> str:
        return self._info()["implementation_version"]

    @property
    def language_info(self) -> LanguageInfo:
        return self._info()["language_info"]

    @property
    def banner(self) -> str:
        return self._info()["banner"]

    @property
    def help_links(self) -> list[HelpLink]:
        return self._info()["help_links"]


class Comm(KernelComm):
    """``ipykernel.comm.Comm``: a comm taking ipykernel's arguments (``%matplotlib notebook``)."""

    def __init__(
        self,
        target_name: str = "",
        data: JSONDict | None = None,
        metadata: JSONDict | None = None,
        buffers: Sequence[bytes] | None = None,
        show_warning: bool = True,
        **kwargs: Any,
    ) -> None:
        if show_warning:
            warnings.warn(
                "ipykernel.comm.Comm is deprecated; use comm.create_comm",
                DeprecationWarning,
                stacklevel=2,
            )
        super().__init__(
            target_name=target_name or "comm",
            data=data,
            metadata=metadata,
            buffers=list(buffers) if buffers is not None else None,
            **kwargs,
        )


def _alias(name: str, **members: object) -> ModuleType:
    module = ModuleType(name, f"interlace's stand-in for {name} (see interlace.kernel._compat).")
    module.__spec__ = importlib.machinery.ModuleSpec(name, None)
    for member, value in members.items():
        setattr(module, member, value)
    return module


def install_aliases(shell_class: type[ZMQInteractiveShell]) -> None:
    """Register the ipykernel module names libraries look for, unless the real ones are loaded."""
    for module in (
        _alias("ipykernel.zmqshell", ZMQInteractiveShell=shell_class),
        _alias("ipykernel.comm", Comm=Comm, CommManager=CommManager),
    ):
        sys.modules.setdefault(module.__name__, module)
