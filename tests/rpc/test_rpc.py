"""JSON-RPC 2.0 at /api/rpc: a stock client library and raw HTTP, every error code."""

from __future__ import annotations

import json
import os
import signal
import time
from typing import TYPE_CHECKING, Any

import pytest
from tinyrpc.client import RPCClient
from tinyrpc.exc import RPCError
from tinyrpc.protocols.jsonrpc import JSONRPCProtocol
from tinyrpc.transports.http import HttpPostClientTransport
from websockets.sync.client import connect

from tests.rpc.conftest import call
from tests.server.conftest import TOKEN

if TYPE_CHECKING:
    from tests.server.conftest import RunningServer


def _second_caller(server: RunningServer) -> Any:
    """A stock JSON-RPC client with its own HTTP connection: another caller."""
    transport = HttpPostClientTransport(
        f"{server.url}/api/rpc", headers={"Authorization": f"token {TOKEN}"}
    )
    return RPCClient(JSONRPCProtocol(), transport).get_proxy()


@pytest.fixture(scope="module")
def rpc(server: RunningServer) -> Any:
    return _second_caller(server)


def test_eval_cell_with_a_stock_client(rpc: Any) -> None:
    assert rpc.eval_cell(code="2+3") == "5"
    assert rpc.eval_cell(code="a = 20") == ""
    assert rpc.eval_cell(code="a * 2 + 2") == "42"
    assert rpc.eval_cell("print('positional')") == ""


def test_errors_carry_ename_evalue_and_traceback(server: RunningServer) -> None:
    answer = call(server, "eval_cell", code="def f():\n    raise KeyError('k')\nf()")
    error = answer["error"]
    assert error["code"] == -32001
    assert error["data"]["ename"] == "KeyError"
    assert error["data"]["evalue"] == "'k'"
    assert "raise KeyError" in error["data"]["traceback"]
    assert "\x1b[" not in error["data"]["traceback"]


def test_eval_cell_full_returns_everything(server: RunningServer) -> None:
    code = "import sys\nprint('out')\nprint('err', file=sys.stderr)\ndisplay('shown')\n7 * 6"
    result = call(server, "eval_cell_full", code=code)["result"]
    assert result["stdout"] == "out\n"
    assert result["stderr"] == "err\n"
    assert result["execute_result"]["text/plain"] == "42"
    assert result["display_data"] == [{"text/plain": "'shown'"}]
    assert isinstance(result["execution_count"], int)
    assert result["status"] == "ok"


def test_submit_and_poll_stdout_while_it_runs(server: RunningServer) -> None:
    code = "import time\nfor i in range(5):\n    print(i, flush=True)\n    time.sleep(0.3)"
    handle = call(server, "submit", code=code)["result"]
    seen, offset, polls = "", 0, 0
    while not call(server, "status", handle=handle)["result"]["done"]:
        chunk = call(server, "get_stdout", handle=handle, since=offset)["result"]
        seen += chunk["text"]
        offset = chunk["offset"]
        polls += 1
        time.sleep(0.1)
    seen += call(server, "get_stdout", handle=handle, since=offset)["result"]["text"]
    assert seen == "0\n1\n2\n3\n4\n"
    assert polls > 3
    assert call(server, "result", handle=handle)["result"]["status"] == "ok"


def test_a_timeout_leaves_the_execution_running_and_its_handle_usable(
    server: RunningServer,
) -> None:
    answer = call(server, "eval_cell", code="import time; time.sleep(1.5); 'slow'", timeout=0.3)
    assert answer["error"]["code"] == -32002
    handle = answer["error"]["data"]["handle"]
    assert call(server, "result", handle=handle)["error"]["code"] == -32005
    assert call(server, "wait", handle=handle, timeout=10)["result"]["done"] is True
    assert (
        call(server, "result", handle=handle)["result"]["execute_result"]["text/plain"] == "'slow'"
    )


def test_sessions_are_separate_namespaces_shared_by_their_callers(server: RunningServer) -> None:
    session = call(server, "start_session")["result"]
    other = call(server, "start_session", kernel_name="python3")["result"]
    call(server, "eval_cell", code="shared = 'first caller'", session=session)
    second_caller = _second_caller(server)
    assert second_caller.eval_cell(code="shared", session=session) == "'first caller'"
    missing = call(server, "eval_cell", code="shared", session=other)["error"]
    assert missing["data"]["ename"] == "NameError"
    listed = {s["session"]: s for s in call(server, "list_sessions")["result"]}
    assert listed[other]["kernel_name"] == "python3"
    kernels = {k["id"] for k in server.http.get("/api/kernels").json()}
    assert listed[session]["kernel_id"] in kernels
    assert call(server, "close_session", session=other)["result"] is True
    assert call(server, "eval_cell", code="1", session=other)["error"]["code"] == -32003


def test_input_is_a_clear_error_not_a_hang(server: RunningServer) -> None:
    error = call(server, "eval_cell", code="input('name? ')", timeout=30)["error"]
    assert error["code"] == -32001
    assert error["data"]["ename"] == "StdinNotImplementedError"


def test_complete_inspect_is_complete_history_interrupt(server: RunningServer) -> None:
    assert "print" in call(server, "complete", code="pri")["result"]["matches"]
    assert call(server, "inspect", code="len", detail_level=0)["result"]["found"] is True
    assert call(server, "is_complete", code="def f(x):")["result"]["status"] == "incomplete"
    call(server, "eval_cell", code="history_marker = 1")
    assert call(server, "history", n=1)["result"][-1][2] == "history_marker = 1"
    code = "import time\nprint('started', flush=True)\ntime.sleep(30)"
    handle = call(server, "submit", code=code)["result"]
    deadline = time.monotonic() + 30
    while not call(server, "get_stdout", handle=handle)["result"]["text"]:
        assert time.monotonic() < deadline, "the cell never started"
    assert call(server, "interrupt")["result"] is True
    finished = call(server, "wait", handle=handle, timeout=20)["result"]
    assert finished["status"] == "error"


def raw(server: RunningServer, body: str | bytes) -> Any:
    response = server.http.post(
        "/api/rpc", content=body, headers={"Content-Type": "application/json"}
    )
    return response.json() if response.status_code == 200 else response.status_code


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{not json", -32700),
        ('{"jsonrpc": "1.0", "method": "eval_cell", "id": 1}', -32600),
        ('{"jsonrpc": "2.0", "method": 5, "id": 1}', -32600),
        ("[]", -32600),
        ('{"jsonrpc": "2.0", "method": "teleport", "id": 1}', -32601),
        ('{"jsonrpc": "2.0", "method": "eval_cell", "params": {"nope": 1}, "id": 1}', -32602),
        ('{"jsonrpc": "2.0", "method": "eval_cell", "params": {"code": 5}, "id": 1}', -32602),
        ('{"jsonrpc": "2.0", "method": "status", "params": ["no-such-handle"], "id": 1}', -32004),
        ('{"jsonrpc": "2.0", "method": "eval_cell", "params": ["1", "nope"], "id": 1}', -32003),
    ],
)
def test_error_codes(server: RunningServer, body: str, code: int) -> None:
    answer = raw(server, body)
    assert answer["error"]["code"] == code
    assert answer["error"]["message"]


def test_batches_and_notifications(server: RunningServer) -> None:
    batch = [
        {"jsonrpc": "2.0", "method": "eval_cell", "params": ["1 + 1"], "id": "a"},
        {"jsonrpc": "2.0", "method": "eval_cell", "params": ["x_from_notification = 9"]},
        {"jsonrpc": "2.0", "method": "teleport", "id": "b"},
        "not a request",
    ]
    answers = {a.get("id"): a for a in raw(server, json.dumps(batch))}
    assert answers["a"]["result"] == "2"
    assert answers["b"]["error"]["code"] == -32601
    assert answers[None]["error"]["code"] == -32600
    only_notification = {"jsonrpc": "2.0", "method": "eval_cell", "params": ["1"]}
    assert raw(server, json.dumps(only_notification)) == 204


def test_the_same_methods_over_a_websocket(server: RunningServer) -> None:
    url = f"ws://127.0.0.1:{server.port}/api/rpc/ws?token={TOKEN}"
    with connect(url, open_timeout=30) as ws:
        ws.send(json.dumps({"jsonrpc": "2.0", "method": "eval_cell", "params": ["3 * 3"], "id": 7}))
        assert json.loads(ws.recv(timeout=60)) == {"jsonrpc": "2.0", "result": "9", "id": 7}


def test_a_dead_kernel_is_an_error_not_a_hang(server: RunningServer) -> None:
    session = call(server, "start_session")["result"]
    pid = int(call(server, "eval_cell", code="import os; os.getpid()", session=session)["result"])
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        answer = call(server, "eval_cell", code="1", session=session, timeout=5)
        if "error" in answer and answer["error"]["code"] == -32000:
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"no kernel-died error: {answer}")
    assert "died" in answer["error"]["message"]


def test_stock_client_sees_errors_as_exceptions(rpc: Any) -> None:
    with pytest.raises(RPCError):
        rpc.eval_cell(code="1/0")
