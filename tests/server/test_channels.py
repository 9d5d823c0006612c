"""The kernel WebSocket: both Jupyter protocols, many sockets, replay after a reconnect."""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any

import pytest

from interlace.protocol import (
    V1_SUBPROTOCOL,
    Frames,
    decode_v1_frame,
    dumps,
    encode_v1_frame,
)
from tests.server.conftest import execute_request, receive_until_idle

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

    from tests.server.conftest import RunningServer


@pytest.fixture(scope="module")
def kernel_id(server: RunningServer) -> str:
    return server.start_kernel()


def run(ws: ClientConnection, code: str, session: str = "s") -> list[dict[str, Any]]:
    request = execute_request(code, session)
    ws.send(json.dumps(request))
    return receive_until_idle(ws, request["header"]["msg_id"])


def texts(messages: list[dict[str, Any]]) -> str:
    return "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream")


def test_json_protocol_executes_and_streams(server: RunningServer, kernel_id: str) -> None:
    with server.websocket(kernel_id, "&session_id=json-one") as ws:
        messages = run(ws, "print('over json')\n6 * 7", "json-one")
        assert texts(messages) == "over json\n"
        (result,) = [m for m in messages if m["msg_type"] == "execute_result"]
        assert result["content"]["data"]["text/plain"] == "42"
        assert result["channel"] == "iopub"
        replies = [m for m in messages if m["channel"] == "shell"]
        while not replies:
            message = json.loads(ws.recv(timeout=30))
            if message["channel"] == "shell":
                replies.append(message)
        assert replies[0]["msg_type"] == "execute_reply"
        assert replies[0]["content"]["status"] == "ok"


def v1_request(code: str) -> tuple[str, bytes]:
    request = execute_request(code, "v1-session")
    parts = [dumps(request[name]) for name in ("header", "parent_header", "metadata", "content")]
    return request["header"]["msg_id"], encode_v1_frame(Frames("shell", parts))


def test_v1_binary_protocol_with_buffers(server: RunningServer, kernel_id: str) -> None:
    with server.websocket(kernel_id, "&session_id=v1-session", subprotocols=[V1_SUBPROTOCOL]) as ws:
        assert ws.subprotocol == V1_SUBPROTOCOL
        code = "import comm\nc = comm.create_comm(target_name='t', buffers=[b'\\x00\\x01\\x02'])"
        msg_id, frame = v1_request(code)
        ws.send(frame)
        seen: dict[str, Frames] = {}
        idle = False
        while "execute_reply" not in seen or not idle:
            frames = decode_v1_frame(ws.recv(timeout=30))  # type: ignore[arg-type]
            header = json.loads(frames.parts[0])
            parent = json.loads(frames.parts[1])
            if parent.get("msg_id") == msg_id:
                seen[header["msg_type"]] = frames
                idle = idle or json.loads(frames.parts[3]).get("execution_state") == "idle"
        assert seen["execute_reply"].channel == "shell"
        assert seen["comm_open"].channel == "iopub"
        assert list(seen["comm_open"].buffers) == [b"\x00\x01\x02"]


def test_many_websockets_each_see_every_output(server: RunningServer, kernel_id: str) -> None:
    with contextlib.ExitStack() as stack:
        sockets = [
            stack.enter_context(server.websocket(kernel_id, f"&session_id=many-{i}"))
            for i in range(10)
        ]
        request = execute_request("for i in range(100): print(i, flush=True)", "many-0")
        sockets[0].send(json.dumps(request))
        for ws in sockets:
            messages = receive_until_idle(ws, request["header"]["msg_id"])
            assert texts(messages) == "".join(f"{i}\n" for i in range(100))


def test_reconnect_under_a_new_session_replays_what_was_missed(
    server: RunningServer, kernel_id: str
) -> None:
    with server.websocket(kernel_id, "&session_id=before-reload") as ws:
        messages = run(ws, "print('seen before the reload')", "before-reload")
        last_seen = messages[-1]["header"]["msg_id"]
        code = "import time\nfor i in range(3):\n    print('while away', i, flush=True)\n"
        request = execute_request(code + "    time.sleep(0.2)", "before-reload")
        ws.send(json.dumps(request))
    observer_query = "&session_id=observer"
    with server.websocket(kernel_id, observer_query) as observer:
        receive_until_idle(observer, request["header"]["msg_id"])
    query = f"&session_id=after-reload&last_msg_id={last_seen}"
    with server.websocket(kernel_id, query) as ws:
        replayed = receive_until_idle(ws, request["header"]["msg_id"])
    assert texts(replayed) == "while away 0\nwhile away 1\nwhile away 2\n"


def test_same_session_resumes_without_asking(server: RunningServer, kernel_id: str) -> None:
    with server.websocket(kernel_id, "&session_id=resumer") as ws:
        run(ws, "'hello'", "resumer")
    with server.websocket(kernel_id, "&session_id=other") as other:
        done = run(other, "print('while resumer was away')", "other")
    with server.websocket(kernel_id, "&session_id=resumer") as ws:
        replayed = receive_until_idle(ws, done[-1]["parent_header"]["msg_id"])
    assert texts(replayed) == "while resumer was away\n"


def test_a_position_older_than_the_buffer_is_reported_as_a_gap(
    server: RunningServer, kernel_id: str
) -> None:
    with server.websocket(kernel_id, "&session_id=gap&last_msg_id=never-seen") as ws:
        notice = json.loads(ws.recv(timeout=30))
    assert notice["msg_type"] == "replay_gap"
    assert notice["channel"] == "iopub"


def test_bad_frames_are_dropped_and_the_socket_keeps_working(
    server: RunningServer, kernel_id: str
) -> None:
    with server.websocket(kernel_id, "&session_id=bad") as ws:
        ws.send("{not json")
        ws.send(json.dumps({"header": {}, "channel": "nowhere"}))
        ws.send(b"\x00\x01")
        assert texts(run(ws, "print('fine')", "bad")) == "fine\n"
