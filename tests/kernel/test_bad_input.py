"""Bad input is logged and dropped, or answered with an error; the kernel keeps serving."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import zmq

from interlace.protocol import DELIMITER, Sender, Signer, decode, encode

if TYPE_CHECKING:
    from tests.kernel.compat import Pair
    from tests.kernel.conftest import RunningKernel


def raw_shell(kernel: RunningKernel) -> tuple[zmq.Context[zmq.Socket[bytes]], zmq.Socket[bytes]]:
    context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
    socket = context.socket(zmq.DEALER)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(f"tcp://127.0.0.1:{kernel.client.shell_port}")
    return context, socket


def test_garbage_wrong_signatures_and_replays_are_dropped(kernel: RunningKernel) -> None:
    context, socket = raw_shell(kernel)
    key = kernel.client.session.key
    good = encode(Sender().message("kernel_info_request"), Signer(key))
    try:
        socket.send_multipart([b"no delimiter at all"])
        socket.send_multipart([DELIMITER, b"sig", b"{"])
        socket.send_multipart(
            encode(Sender().message("execute_request", {"code": "1"}), Signer(b"x"))
        )
        socket.send_multipart(good)
        assert socket.poll(10_000), "no reply to the good message"
        _, reply = decode(socket.recv_multipart(), Signer(key))
        assert reply.msg_type == "kernel_info_reply"
        socket.send_multipart(good)
        assert not socket.poll(1000), "a replayed message was answered"
    finally:
        context.destroy()
    err = kernel.stop()
    assert "dropped a message" in err
    assert "no <IDS|MSG> delimiter" in err
    assert "signature does not match" in err
    assert "already used" in err


def test_broken_content_gets_an_error_reply(kernel: RunningKernel) -> None:
    client = kernel.client
    for content in ({}, {"code": 42}, {"code": "1", "user_expressions": [1]}):
        message = client.session.msg("execute_request", content)
        client.shell_channel.send(message)
        reply = client.get_shell_msg(timeout=10)
        assert reply["parent_header"]["msg_id"] == message["header"]["msg_id"]
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "MalformedRequest"
    client.complete("x", cursor_pos="nope")
    assert client.get_shell_msg(timeout=10)["content"]["status"] == "error"
    reply, _ = kernel.execute("'fine'")
    assert reply["content"]["status"] == "ok"


def test_unknown_shell_request_gets_an_error_reply(kernel: RunningKernel) -> None:
    client = kernel.client
    message = client.session.msg("teleport_request", {})
    client.shell_channel.send(message)
    reply = client.get_shell_msg(timeout=10)
    assert reply["msg_type"] == "teleport_reply"
    assert reply["content"]["ename"] == "UnknownMessageType"


def test_a_comm_msg_without_comm_id_is_logged_and_the_kernel_goes_on(pair: Pair) -> None:
    """It used to kill our kernel; both now log it and serve the next request."""

    def send_broken_comm_msg(kernel: RunningKernel) -> str:
        client = kernel.client
        contents: list[dict[str, object]] = [
            {"data": {}},
            {"comm_id": None},
            {"comm_id": ["list"], "data": 5},
        ]
        for content in contents:
            client.shell_channel.send(client.session.msg("comm_msg", content))
        reply, _ = kernel.execute("'still here'")
        assert reply["content"]["status"] == "ok"
        assert not client.shell_channel.msg_ready(), "a comm_msg has no reply"
        return str(reply["content"]["status"])

    assert pair.each(send_broken_comm_msg) == {"interlace": "ok", "ipykernel": "ok"}


@pytest.mark.parametrize("date", [None, "", "yesterday"], ids=["missing", "empty", "not-iso"])
def test_a_request_without_a_usable_date_is_served(pair: Pair, date: str | None) -> None:
    """Hand-written clients send such headers; ipykernel serves them, and so do we."""

    def ask(kernel: RunningKernel) -> str:
        client = kernel.client
        message = client.session.msg("kernel_info_request")
        if date is None:
            del message["header"]["date"]
        else:
            message["header"]["date"] = date
        client.shell_channel.send(message)
        reply = client.get_shell_msg(timeout=10)
        assert reply["parent_header"]["msg_id"] == message["header"]["msg_id"]
        return str(reply["msg_type"])

    assert pair.each(ask) == {"interlace": "kernel_info_reply", "ipykernel": "kernel_info_reply"}


def test_a_request_without_a_date_is_logged_once(kernel: RunningKernel) -> None:
    client = kernel.client
    message = client.session.msg("execute_request", {"code": "6 * 7"})
    message["header"]["date"] = ""
    client.shell_channel.send(message)
    assert client.get_shell_msg(timeout=10)["content"]["status"] == "ok"
    log = kernel.stop()
    assert log.count("no usable header date") == 1
