"""Comms through the ``comm`` package, which ipywidgets and friends use to find the kernel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import comm
from comm.base_comm import BaseComm, CommManager

from interlace.errors import ProtocolError
from interlace.protocol import Header, Message

if TYPE_CHECKING:
    from collections.abc import Sequence

    from interlace.kernel._shell import Publisher
    from interlace.protocol import JSON, IOPubMsgType, JSONDict

__all__ = ["CommManager", "KernelComm", "install_comms", "message_dict", "message_from_dict"]


class KernelComm(BaseComm):
    """A comm whose messages go out on iopub as children of the current request."""

    publisher: Publisher

    def publish_msg(
        self,
        msg_type: str,
        data: JSONDict | None = None,
        metadata: JSONDict | None = None,
        buffers: Sequence[bytes] | None = None,
        **keys: Any,
    ) -> None:
        # comm_open, comm_msg or comm_close, as the comm package says.
        kind = cast("IOPubMsgType", msg_type)
        content = {"data": data or {}, "comm_id": self.comm_id, **keys}
        buffers = [bytes(b) for b in buffers or ()]
        self.publisher.publish(kind, content, metadata, buffers)


def install_comms(publisher: Publisher) -> CommManager:
    """Make ``comm.create_comm`` and ``comm.get_comm_manager`` this kernel's."""
    manager = CommManager()
    KernelComm.publisher = publisher

    def create_comm(*args: Any, **kwargs: Any) -> BaseComm:
        return KernelComm(*args, **kwargs)

    comm.create_comm = create_comm
    comm.get_comm_manager = lambda: manager
    return manager


def message_dict(message: Message) -> JSONDict:
    """The dict form comm callbacks expect, as jupyter_client's Session produces it."""
    parent = message.parent_header
    return {
        "header": message.header.to_dict(),
        "parent_header": parent.to_dict() if parent is not None else {},
        "msg_id": message.msg_id,
        "msg_type": message.msg_type,
        "metadata": dict(message.metadata),
        "content": dict(message.content),
        "buffers": [memoryview(b) for b in message.buffers],
    }


def message_from_dict(data: object) -> Message | None:
    """The message a dict from ``message_dict`` (or jupyter_client) stands for; None if it is
    not one (libraries hand back what ``get_parent()`` gave them, or ``{}``)."""
    if not isinstance(data, dict) or not isinstance(data.get("header"), dict):
        return None
    try:
        header = Header.from_dict(data["header"])
        parent = data.get("parent_header")
        parent_header = Header.from_dict(parent) if isinstance(parent, dict) and parent else None
    except ProtocolError:
        return None
    content = data.get("content")
    body: dict[str, JSON] = content if isinstance(content, dict) else {}
    return Message(header=header, parent_header=parent_header, content=body)
