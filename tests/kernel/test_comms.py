"""Comms through the ``comm`` package, as ipywidgets uses them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.kernel.conftest import iopub_until_idle

if TYPE_CHECKING:
    from tests.kernel.conftest import RunningKernel

TARGET = """
import comm
received = []
def on_open(c, msg):
    received.append(('open', msg['content']['data']))
    @c.on_msg
    def echo(msg):
        received.append(('msg', msg['content']['data']))
        c.send({'echo': msg['content']['data']}, buffers=[b'\\x00\\x01'])
comm.get_comm_manager().register_target('echo', on_open)
"""


def send_shell(kernel: RunningKernel, msg_type: str, content: dict[str, object]) -> str:
    message = kernel.client.session.msg(msg_type, content)
    kernel.client.shell_channel.send(message)
    return str(message["header"]["msg_id"])


def test_client_opened_comm_round_trip(shared_kernel: RunningKernel) -> None:
    assert shared_kernel.execute(TARGET)[0]["content"]["status"] == "ok"
    open_id = send_shell(
        shared_kernel, "comm_open", {"comm_id": "c1", "target_name": "echo", "data": {"a": 1}}
    )
    iopub_until_idle(shared_kernel.client, open_id)
    msg_id = send_shell(shared_kernel, "comm_msg", {"comm_id": "c1", "data": {"ping": 1}})
    messages = iopub_until_idle(shared_kernel.client, msg_id)
    (echo,) = [m for m in messages if m["msg_type"] == "comm_msg"]
    assert echo["content"] == {"data": {"echo": {"ping": 1}}, "comm_id": "c1"}
    assert [bytes(b) for b in echo["buffers"]] == [b"\x00\x01"]

    shared_kernel.client.comm_info()
    info = shared_kernel.client.get_shell_msg(timeout=10)
    assert info["content"]["comms"] == {"c1": {"target_name": "echo"}}

    close_id = send_shell(shared_kernel, "comm_close", {"comm_id": "c1", "data": {}})
    iopub_until_idle(shared_kernel.client, close_id)
    _reply, messages = shared_kernel.execute("received")
    (result,) = [m for m in messages if m["msg_type"] == "execute_result"]
    assert result["content"]["data"]["text/plain"] == "[('open', {'a': 1}), ('msg', {'ping': 1})]"


def test_kernel_opened_comm_is_published(shared_kernel: RunningKernel) -> None:
    code = "import comm\nc = comm.create_comm(target_name='frontend', data={'x': 1})"
    _, messages = shared_kernel.execute(code)
    (opened,) = [m for m in messages if m["msg_type"] == "comm_open"]
    assert opened["content"]["target_name"] == "frontend"
    assert opened["content"]["data"] == {"x": 1}


def test_ipywidgets_open_their_comm_and_display(shared_kernel: RunningKernel) -> None:
    code = "import ipywidgets\nslider = ipywidgets.IntSlider(value=3)\nslider"
    reply, messages = shared_kernel.execute(code)
    assert reply["content"]["status"] == "ok"
    opened = [m for m in messages if m["msg_type"] == "comm_open"]
    assert any(m["content"]["target_name"] == "jupyter.widget" for m in opened)
    states = [m["content"]["data"]["state"] for m in opened]
    assert any(state.get("value") == 3 for state in states)
    (result,) = [m for m in messages if m["msg_type"] == "execute_result"]
    view = result["content"]["data"]["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] in {m["content"]["comm_id"] for m in opened}
