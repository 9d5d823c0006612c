"""Control channel and heartbeat: served while a cell runs; interrupt and shutdown."""

from __future__ import annotations

import os
import signal
import time
from typing import TYPE_CHECKING, Any

import pytest
import zmq

from tests.kernel.conftest import iopub_until_idle, stream_text

if TYPE_CHECKING:
    from tests.kernel.conftest import RunningKernel


def control_request(kernel: RunningKernel, msg_type: str, **content: object) -> dict[str, Any]:
    client = kernel.client
    message = client.session.msg(msg_type, content)
    client.control_channel.send(message)
    reply = client.control_channel.get_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == message["header"]["msg_id"]
    return reply


def start_sleeping(kernel: RunningKernel, seconds: int = 60) -> str:
    client = kernel.client
    msg_id = client.execute(f"import time\nprint('sleeping', flush=True)\ntime.sleep({seconds})")
    while True:
        message = client.get_iopub_msg(timeout=10)
        if message["msg_type"] == "stream" and message["parent_header"]["msg_id"] == msg_id:
            return msg_id


def assert_interrupted(kernel: RunningKernel, msg_id: str) -> None:
    reply = kernel.client.get_shell_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    iopub_until_idle(kernel.client, msg_id)
    again, messages = kernel.execute("print('usable')")
    assert again["content"]["status"] == "ok"
    assert stream_text(messages) == "usable\n"


def test_interrupt_request_stops_a_sleeping_cell(kernel: RunningKernel) -> None:
    msg_id = start_sleeping(kernel)
    started = time.monotonic()
    assert control_request(kernel, "interrupt_request")["content"] == {"status": "ok"}
    assert_interrupted(kernel, msg_id)
    assert time.monotonic() - started < 5


def test_sigint_stops_a_busy_loop(kernel: RunningKernel) -> None:
    client = kernel.client
    msg_id = client.execute("print('spinning', flush=True)\nwhile True:\n    pass")
    while client.get_iopub_msg(timeout=10)["msg_type"] != "stream":
        pass
    os.kill(kernel.process.pid, signal.SIGINT)
    assert_interrupted(kernel, msg_id)


def test_interrupt_while_idle_is_harmless(kernel: RunningKernel) -> None:
    os.kill(kernel.process.pid, signal.SIGINT)
    control_request(kernel, "interrupt_request")
    reply, _ = kernel.execute("1")
    assert reply["content"]["status"] == "ok"


def test_control_and_heartbeat_answer_while_a_cell_holds_the_kernel(kernel: RunningKernel) -> None:
    client = kernel.client
    msg_id = client.execute("print('spinning', flush=True)\nwhile True:\n    pass")
    while client.get_iopub_msg(timeout=10)["msg_type"] != "stream":
        pass
    info = control_request(kernel, "kernel_info_request")
    assert info["content"]["implementation"] == "interlace"
    context = zmq.Context()
    ping = context.socket(zmq.REQ)
    ping.setsockopt(zmq.LINGER, 0)
    ping.connect(f"tcp://127.0.0.1:{kernel.client.hb_port}")
    ping.send(b"ping")
    assert ping.poll(2000), "the heartbeat did not answer while a cell ran"
    assert ping.recv() == b"ping"
    context.destroy()
    control_request(kernel, "interrupt_request")
    assert_interrupted(kernel, msg_id)


@pytest.mark.parametrize("restart", [False, True])
def test_shutdown_replies_broadcasts_and_exits(kernel: RunningKernel, restart: bool) -> None:
    reply = control_request(kernel, "shutdown_request", restart=restart)
    assert reply["content"] == {"status": "ok", "restart": restart}
    broadcast = kernel.client.get_iopub_msg(timeout=10)
    while broadcast["msg_type"] != "shutdown_reply":
        broadcast = kernel.client.get_iopub_msg(timeout=10)
    assert broadcast["content"]["restart"] is restart
    assert kernel.process.wait(timeout=10) == 0


def test_shutdown_during_a_long_cell_still_exits(kernel: RunningKernel) -> None:
    start_sleeping(kernel, 600)
    control_request(kernel, "shutdown_request", restart=False)
    assert kernel.process.wait(timeout=15) == 0


def test_unknown_control_request_gets_an_error_reply(kernel: RunningKernel) -> None:
    reply = control_request(kernel, "debug_request", command="initialize")
    assert reply["msg_type"] == "debug_reply"
    assert reply["content"]["status"] == "error"
