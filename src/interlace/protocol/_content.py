"""Message types and the shapes of their content, as the messaging spec (5.5) defines them.

``MsgType`` names every message of the spec, channel by channel. The TypedDicts
describe the content of the messages interlace builds and reads; they are the
types of plain dicts, so the wire format is the same with or without them.

Replies always carry ``status``; an error reply carries ``ename``, ``evalue`` and
``traceback`` instead of the fields of a successful one, so those are NotRequired.
A decoded message's content is untyped JSON until its ``msg_type`` says what it is:
``content_of`` is that one step.

This module evaluates its annotations at run time (no ``from __future__ import
annotations``), so that the TypedDicts know their required keys.
"""

from collections.abc import Mapping
from typing import Literal, NotRequired, TypeAlias, TypedDict, overload

from interlace.protocol._json import JSON, JSONDict
from interlace.protocol._message import Message

__all__ = [
    "ClearOutputContent",
    "CommCloseContent",
    "CommInfo",
    "CommInfoReplyContent",
    "CommInfoRequestContent",
    "CommMsgContent",
    "CommOpenContent",
    "CompleteReplyContent",
    "CompleteRequestContent",
    "ControlMsgType",
    "DisplayDataContent",
    "ErrorContent",
    "ExecuteInputContent",
    "ExecuteReplyContent",
    "ExecuteRequestContent",
    "ExecuteResultContent",
    "ExecutionState",
    "HelpLink",
    "HistoryReplyContent",
    "HistoryRequestContent",
    "IOPubMsgType",
    "IOPubWelcomeContent",
    "InputReplyContent",
    "InputRequestContent",
    "InspectReplyContent",
    "InspectRequestContent",
    "InterruptReplyContent",
    "IsCompleteReplyContent",
    "IsCompleteRequestContent",
    "KernelInfoReplyContent",
    "LanguageInfo",
    "MsgType",
    "ReplyContent",
    "ReplyStatus",
    "ShellMsgType",
    "ShutdownReplyContent",
    "ShutdownRequestContent",
    "StatusContent",
    "StdinMsgType",
    "StreamContent",
    "StreamName",
    "UpdateDisplayDataContent",
    "content_of",
]

ShellMsgType: TypeAlias = Literal[
    "execute_request",
    "execute_reply",
    "inspect_request",
    "inspect_reply",
    "complete_request",
    "complete_reply",
    "history_request",
    "history_reply",
    "is_complete_request",
    "is_complete_reply",
    "connect_request",
    "connect_reply",
    "comm_info_request",
    "comm_info_reply",
    "kernel_info_request",
    "kernel_info_reply",
    "comm_open",
    "comm_msg",
    "comm_close",
]
"""Requests and replies on shell, and the comm messages a frontend sends."""

ControlMsgType: TypeAlias = Literal[
    "shutdown_request",
    "shutdown_reply",
    "interrupt_request",
    "interrupt_reply",
    "debug_request",
    "debug_reply",
    "create_subshell_request",
    "create_subshell_reply",
    "delete_subshell_request",
    "delete_subshell_reply",
    "list_subshell_request",
    "list_subshell_reply",
]
"""Control's own messages (any shell request may also be sent on control)."""

IOPubMsgType: TypeAlias = Literal[
    "stream",
    "display_data",
    "update_display_data",
    "execute_input",
    "execute_result",
    "error",
    "status",
    "clear_output",
    "debug_event",
    "iopub_welcome",
    "comm_open",
    "comm_msg",
    "comm_close",
    "shutdown_reply",
]
"""What the kernel broadcasts; shutdown_reply goes to every client here as well."""

StdinMsgType: TypeAlias = Literal["input_request", "input_reply"]

MsgType: TypeAlias = Literal[ShellMsgType, ControlMsgType, IOPubMsgType, StdinMsgType]
"""Every message type of the spec. Peers may send others: decoded headers keep a ``str``."""

ReplyStatus: TypeAlias = Literal["ok", "error", "abort", "aborted"]
"""``abort`` is the spec's deprecated spelling; ipykernel and interlace send ``aborted``."""

StreamName: TypeAlias = Literal["stdout", "stderr"]
ExecutionState: TypeAlias = Literal["busy", "idle", "starting"]


class ReplyContent(TypedDict):
    """What every ``*_reply`` holds: a status, and the error's fields if it failed."""

    status: ReplyStatus
    ename: NotRequired[str]
    evalue: NotRequired[str]
    traceback: NotRequired[list[str]]


# Shell.


class ExecuteRequestContent(TypedDict):
    code: str
    silent: NotRequired[bool]
    store_history: NotRequired[bool]
    user_expressions: NotRequired[dict[str, str]]
    allow_stdin: NotRequired[bool]
    stop_on_error: NotRequired[bool]


class ExecuteReplyContent(ReplyContent):
    """An aborted execution's reply has nothing but its status."""

    execution_count: NotRequired[int]
    payload: NotRequired[list[JSONDict]]
    user_expressions: NotRequired[JSONDict]


class InspectRequestContent(TypedDict):
    code: str
    cursor_pos: int
    detail_level: NotRequired[int]


class InspectReplyContent(ReplyContent):
    found: NotRequired[bool]
    data: NotRequired[JSONDict]
    metadata: NotRequired[JSONDict]


class CompleteRequestContent(TypedDict):
    code: str
    cursor_pos: int


class CompleteReplyContent(ReplyContent):
    matches: NotRequired[list[str]]
    cursor_start: NotRequired[int]
    cursor_end: NotRequired[int]
    metadata: NotRequired[JSONDict]


class HistoryRequestContent(TypedDict):
    """``session``, ``start`` and ``stop`` go with range; ``n`` with tail and search;
    ``pattern`` and ``unique`` with search."""

    output: bool
    raw: bool
    hist_access_type: Literal["range", "tail", "search"]
    session: NotRequired[int]
    start: NotRequired[int]
    stop: NotRequired[int]
    n: NotRequired[int]
    pattern: NotRequired[str]
    unique: NotRequired[bool]


class HistoryReplyContent(ReplyContent):
    """Entries are ``[session, line, input]``, or ``[session, line, [input, output]]``."""

    history: NotRequired[list[list[JSON]]]


class IsCompleteRequestContent(TypedDict):
    code: str


class IsCompleteReplyContent(TypedDict):
    """Its status is the verdict, not a reply status; ``indent`` only when incomplete."""

    status: Literal["complete", "incomplete", "invalid", "unknown"]
    indent: NotRequired[str]


class CommInfoRequestContent(TypedDict, total=False):
    target_name: str


class CommInfo(TypedDict):
    target_name: str


class CommInfoReplyContent(ReplyContent):
    comms: NotRequired[dict[str, CommInfo]]


class HelpLink(TypedDict):
    text: str
    url: str


class LanguageInfo(TypedDict):
    name: str
    version: str
    mimetype: str
    file_extension: str
    pygments_lexer: NotRequired[str]
    codemirror_mode: NotRequired[str | JSONDict]
    nbconvert_exporter: NotRequired[str]


class KernelInfoReplyContent(ReplyContent):
    protocol_version: NotRequired[str]
    implementation: NotRequired[str]
    implementation_version: NotRequired[str]
    language_info: NotRequired[LanguageInfo]
    banner: NotRequired[str]
    debugger: NotRequired[bool]
    help_links: NotRequired[list[HelpLink]]
    supported_features: NotRequired[list[str]]


class CommOpenContent(TypedDict):
    comm_id: str
    target_name: str
    data: JSONDict
    target_module: NotRequired[str]


class CommMsgContent(TypedDict):
    comm_id: str
    data: JSONDict


class CommCloseContent(TypedDict):
    comm_id: str
    data: JSONDict


# Control.


class ShutdownRequestContent(TypedDict):
    restart: bool


class ShutdownReplyContent(ReplyContent):
    restart: NotRequired[bool]


class InterruptReplyContent(ReplyContent):
    pass


# IOPub.


class StreamContent(TypedDict):
    name: StreamName
    text: str


class DisplayDataContent(TypedDict):
    data: JSONDict
    metadata: JSONDict
    transient: NotRequired[JSONDict]


class UpdateDisplayDataContent(TypedDict):
    """``transient`` holds the ``display_id`` of the display to update."""

    data: JSONDict
    metadata: JSONDict
    transient: JSONDict


class ExecuteResultContent(TypedDict):
    execution_count: int
    data: JSONDict
    metadata: JSONDict
    transient: NotRequired[JSONDict]


class ErrorContent(TypedDict):
    ename: str
    evalue: str
    traceback: list[str]


class StatusContent(TypedDict):
    execution_state: ExecutionState


class ClearOutputContent(TypedDict):
    wait: bool


class ExecuteInputContent(TypedDict):
    code: str
    execution_count: int


class IOPubWelcomeContent(TypedDict):
    subscription: str


# Stdin.


class InputRequestContent(TypedDict):
    prompt: str
    password: bool


class InputReplyContent(TypedDict):
    value: str


# Reading content by its message type.


@overload
def content_of(message: Message, msg_type: Literal["execute_request"]) -> ExecuteRequestContent: ...
@overload
def content_of(message: Message, msg_type: Literal["execute_reply"]) -> ExecuteReplyContent: ...
@overload
def content_of(message: Message, msg_type: Literal["inspect_request"]) -> InspectRequestContent: ...
@overload
def content_of(message: Message, msg_type: Literal["inspect_reply"]) -> InspectReplyContent: ...
@overload
def content_of(
    message: Message, msg_type: Literal["complete_request"]
) -> CompleteRequestContent: ...
@overload
def content_of(message: Message, msg_type: Literal["complete_reply"]) -> CompleteReplyContent: ...
@overload
def content_of(message: Message, msg_type: Literal["history_request"]) -> HistoryRequestContent: ...
@overload
def content_of(message: Message, msg_type: Literal["history_reply"]) -> HistoryReplyContent: ...
@overload
def content_of(
    message: Message, msg_type: Literal["is_complete_request"]
) -> IsCompleteRequestContent: ...
@overload
def content_of(
    message: Message, msg_type: Literal["is_complete_reply"]
) -> IsCompleteReplyContent: ...
@overload
def content_of(
    message: Message, msg_type: Literal["comm_info_request"]
) -> CommInfoRequestContent: ...
@overload
def content_of(message: Message, msg_type: Literal["comm_info_reply"]) -> CommInfoReplyContent: ...
@overload
def content_of(
    message: Message, msg_type: Literal["kernel_info_reply"]
) -> KernelInfoReplyContent: ...
@overload
def content_of(message: Message, msg_type: Literal["comm_open"]) -> CommOpenContent: ...
@overload
def content_of(message: Message, msg_type: Literal["comm_msg"]) -> CommMsgContent: ...
@overload
def content_of(message: Message, msg_type: Literal["comm_close"]) -> CommCloseContent: ...
@overload
def content_of(
    message: Message, msg_type: Literal["shutdown_request"]
) -> ShutdownRequestContent: ...
@overload
def content_of(message: Message, msg_type: Literal["shutdown_reply"]) -> ShutdownReplyContent: ...
@overload
def content_of(message: Message, msg_type: Literal["interrupt_reply"]) -> InterruptReplyContent: ...
@overload
def content_of(message: Message, msg_type: Literal["stream"]) -> StreamContent: ...
@overload
def content_of(message: Message, msg_type: Literal["display_data"]) -> DisplayDataContent: ...
@overload
def content_of(
    message: Message, msg_type: Literal["update_display_data"]
) -> UpdateDisplayDataContent: ...
@overload
def content_of(message: Message, msg_type: Literal["execute_result"]) -> ExecuteResultContent: ...
@overload
def content_of(message: Message, msg_type: Literal["error"]) -> ErrorContent: ...
@overload
def content_of(message: Message, msg_type: Literal["status"]) -> StatusContent: ...
@overload
def content_of(message: Message, msg_type: Literal["clear_output"]) -> ClearOutputContent: ...
@overload
def content_of(message: Message, msg_type: Literal["execute_input"]) -> ExecuteInputContent: ...
@overload
def content_of(message: Message, msg_type: Literal["iopub_welcome"]) -> IOPubWelcomeContent: ...
@overload
def content_of(message: Message, msg_type: Literal["input_request"]) -> InputRequestContent: ...
@overload
def content_of(message: Message, msg_type: Literal["input_reply"]) -> InputReplyContent: ...
def content_of(message: Message, msg_type: MsgType) -> Mapping[str, JSON]:
    """``message.content``, typed as the content of a ``msg_type`` message.

    The caller knows the type (it checked ``message.msg_type``, or the message is
    the reply to its request); nothing is checked or copied. Peers may leave fields
    out or get their types wrong, so read what may be missing with ``.get``.
    """
    return message.content
