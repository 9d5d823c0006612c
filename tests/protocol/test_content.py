"""Message types and content shapes: they cover what real peers speak, and change no bytes."""

from typing import get_args

from ipykernel.kernelbase import Kernel as IPyKernel

from interlace.protocol import (
    ControlMsgType,
    ExecuteReplyContent,
    IOPubMsgType,
    KernelInfoReplyContent,
    MsgType,
    Sender,
    ShellMsgType,
    Signer,
    StdinMsgType,
    StreamContent,
    content_of,
    decode,
    encode,
)

MSG_TYPES = frozenset(get_args(MsgType))
NOT_IN_THE_SPEC = {"usage_request"}
"""ipykernel answers this extension of jupyter-resource-usage; the spec does not define it."""


def test_every_request_ipykernel_serves_and_its_reply_is_a_message_type() -> None:
    requests = set(IPyKernel.msg_types) | set(IPyKernel.control_msg_types)
    for request in requests - NOT_IN_THE_SPEC:
        assert request in MSG_TYPES
        assert request.removesuffix("_request") + "_reply" in MSG_TYPES


def test_message_types_are_the_channels_together() -> None:
    channels = (ShellMsgType, ControlMsgType, IOPubMsgType, StdinMsgType)
    assert {kind for channel in channels for kind in get_args(channel)} == MSG_TYPES
    assert {"iopub_welcome", "comm_open", "debug_event", "input_request"} <= MSG_TYPES


def test_replies_require_only_their_status() -> None:
    assert ExecuteReplyContent.__required_keys__ == {"status"}
    assert KernelInfoReplyContent.__required_keys__ == {"status"}
    assert StreamContent.__required_keys__ == {"name", "text"}


def test_typed_content_is_the_content_itself_and_encodes_the_same() -> None:
    sender, signer = Sender(session="s", username="u"), Signer(b"key")
    typed: StreamContent = {"name": "stdout", "text": "hi\n"}
    message = sender.message("stream", typed)
    assert content_of(message, "stream") is typed
    frames = encode(message, signer)
    assert frames == encode(message._replace(content={"name": "stdout", "text": "hi\n"}), signer)
    _, decoded = decode(frames, signer)
    assert content_of(decoded, "stream") == typed
