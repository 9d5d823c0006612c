"""Many clients on one kernel: each sees everyone's inputs and outputs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.kernel.conftest import execute, iopub_until_idle, stream_text

if TYPE_CHECKING:
    from tests.kernel.conftest import RunningKernel


def test_every_client_sees_the_others_input_and_output(shared_kernel: RunningKernel) -> None:
    others = [shared_kernel.new_client() for _ in range(3)]
    try:
        reply, _ = execute(others[0], "print('from client 0')")
        msg_id = reply["parent_header"]["msg_id"]
        for client in [shared_kernel.client, *others[1:]]:
            seen = iopub_until_idle(client, msg_id)
            inputs = [m["content"]["code"] for m in seen if m["msg_type"] == "execute_input"]
            assert inputs == ["print('from client 0')"]
            assert stream_text(seen) == "from client 0\n"
    finally:
        for client in others:
            client.stop_channels()


def test_replies_go_to_the_client_that_asked(shared_kernel: RunningKernel) -> None:
    other = shared_kernel.new_client()
    try:
        execute(other, "'mine'")
        assert not shared_kernel.client.shell_channel.msg_ready()
    finally:
        other.stop_channels()
