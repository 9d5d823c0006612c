"""input() and getpass() go to the client that ran the cell."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.kernel.conftest import execute, iopub_until_idle, stream_text

if TYPE_CHECKING:
    from tests.kernel.conftest import RunningKernel


def answer_input(kernel: RunningKernel, code: str, answer: str) -> tuple[dict, list, dict]:  # type: ignore[type-arg]
    client = kernel.client
    msg_id = client.execute(code, allow_stdin=True)
    request = client.get_stdin_msg(timeout=10)
    assert request["msg_type"] == "input_request"
    assert request["parent_header"]["msg_id"] == msg_id
    client.input(answer)
    reply = client.get_shell_msg(timeout=10)
    return reply, iopub_until_idle(client, msg_id), request


def test_input_round_trip(shared_kernel: RunningKernel) -> None:
    reply, messages, request = answer_input(
        shared_kernel, "name = input('Who? ')\nprint('hello', name)", "Ada"
    )
    assert request["content"] == {"prompt": "Who? ", "password": False}
    assert reply["content"]["status"] == "ok"
    assert stream_text(messages) == "hello Ada\n"


def test_getpass_asks_for_a_password(shared_kernel: RunningKernel) -> None:
    code = "import getpass\nsecret = getpass.getpass('Key: ')\nprint(len(secret))"
    _, messages, request = answer_input(shared_kernel, code, "s3cret")
    assert request["content"] == {"prompt": "Key: ", "password": True}
    assert stream_text(messages) == "6\n"


def test_input_without_stdin_is_a_clear_error_not_a_hang(shared_kernel: RunningKernel) -> None:
    reply, _ = execute(shared_kernel.client, "input('x')", allow_stdin=False, timeout=10)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "StdinNotImplementedError"
    assert "allow_stdin" in reply["content"]["evalue"]


def test_input_request_goes_to_the_asking_client_only(shared_kernel: RunningKernel) -> None:
    other = shared_kernel.new_client()
    try:
        _reply, messages, _ = answer_input(shared_kernel, "print(input() * 2)", "ab")
        assert stream_text(messages) == "abab\n"
        assert other.stdin_channel.msg_ready() is False
    finally:
        other.stop_channels()


def test_interrupt_while_waiting_for_input(kernel: RunningKernel) -> None:
    client = kernel.client
    msg_id = client.execute("input('waiting: ')", allow_stdin=True)
    assert client.get_stdin_msg(timeout=10)["msg_type"] == "input_request"
    message = client.session.msg("interrupt_request", {})
    client.control_channel.send(message)
    reply = client.get_shell_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    _again, messages = execute(client, "print('usable')")
    assert stream_text(messages) == "usable\n"


def test_interrupt_while_an_awaiting_cell_waits_for_input(kernel: RunningKernel) -> None:
    """In a cell that awaits, SIGINT cancels at the next await; input() is no await, so the
    wait for the answer is interrupted directly."""
    client = kernel.client
    msg_id = client.execute("import asyncio\nawait asyncio.sleep(0)\ninput('waiting: ')")
    assert client.get_stdin_msg(timeout=10)["msg_type"] == "input_request"
    client.control_channel.send(client.session.msg("interrupt_request", {}))
    reply = client.get_shell_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    _again, messages = execute(client, "print('usable')")
    assert stream_text(messages) == "usable\n"
