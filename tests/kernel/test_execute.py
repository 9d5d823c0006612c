"""Execution through IPython: what a notebook cell can do, seen from a real client."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from tests.kernel.conftest import RunningKernel, stream_text

if TYPE_CHECKING:
    from pathlib import Path


def types(messages: list[dict[str, object]]) -> list[object]:
    return [m["msg_type"] for m in messages]


def test_busy_input_result_idle_in_order(shared_kernel: RunningKernel) -> None:
    reply, messages = shared_kernel.execute("40 + 2")
    assert types(messages) == ["status", "execute_input", "execute_result", "status"]
    count = reply["content"]["execution_count"]
    assert messages[1]["content"]["execution_count"] == count
    assert messages[2]["content"]["execution_count"] == count
    assert messages[2]["content"]["data"]["text/plain"] == "42"


def test_execution_count_rules(shared_kernel: RunningKernel) -> None:
    first, _ = shared_kernel.execute("1")
    second, _ = shared_kernel.execute("2")
    assert second["content"]["execution_count"] == first["content"]["execution_count"] + 1
    silent, messages = shared_kernel.execute("3", silent=True)
    assert "execute_input" not in types(messages)
    assert "execute_result" not in types(messages)
    unstored, _ = shared_kernel.execute("4", store_history=False)
    after, _ = shared_kernel.execute("5")
    assert after["content"]["execution_count"] == second["content"]["execution_count"] + 1
    assert unstored["content"]["status"] == silent["content"]["status"] == "ok"


def test_error_has_ename_evalue_and_traceback(shared_kernel: RunningKernel) -> None:
    reply, messages = shared_kernel.execute("def f():\n    raise KeyError('k')\nf()")
    content = reply["content"]
    assert (content["status"], content["ename"], content["evalue"]) == ("error", "KeyError", "'k'")
    errors = [m for m in messages if m["msg_type"] == "error"]
    assert len(errors) == 1
    plain = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(errors[0]["content"]["traceback"]))
    assert "raise KeyError" in plain
    assert errors[0]["content"]["traceback"] == content["traceback"]


def test_magics_and_shell_commands(shared_kernel: RunningKernel) -> None:
    reply, messages = shared_kernel.execute("%load_ext autoreload\n!echo from-a-shell")
    assert reply["content"]["status"] == "ok"
    assert "from-a-shell" in stream_text(messages)
    reply, messages = shared_kernel.execute("x = %time 6 * 7\nx")
    assert reply["content"]["status"] == "ok"
    assert [
        m["content"]["data"]["text/plain"] for m in messages if m["msg_type"] == "execute_result"
    ] == ["42"]


def test_display_update_and_clear(shared_kernel: RunningKernel) -> None:
    code = (
        "from IPython.display import display, clear_output\n"
        "h = display('first', display_id='d1')\n"
        "h.update('second')\n"
        "clear_output(wait=True)"
    )
    reply, messages = shared_kernel.execute(code)
    assert reply["content"]["status"] == "ok"
    shown = [m for m in messages if m["msg_type"] in ("display_data", "update_display_data")]
    assert [m["msg_type"] for m in shown] == ["display_data", "update_display_data"]
    assert all(m["content"]["transient"] == {"display_id": "d1"} for m in shown)
    assert shown[1]["content"]["data"]["text/plain"] == "'second'"
    assert [m["content"] for m in messages if m["msg_type"] == "clear_output"] == [{"wait": True}]


def test_rich_repr_in_execute_result(shared_kernel: RunningKernel) -> None:
    code = "class R:\n    def _repr_html_(self): return '<i>r</i>'\nR()"
    _, messages = shared_kernel.execute(code)
    (result,) = [m for m in messages if m["msg_type"] == "execute_result"]
    assert result["content"]["data"]["text/html"] == "<i>r</i>"
    assert "text/plain" in result["content"]["data"]


def test_user_expressions(shared_kernel: RunningKernel) -> None:
    reply, _ = shared_kernel.execute("y = 10", user_expressions={"double": "y * 2", "bad": "1/0"})
    expressions = reply["content"]["user_expressions"]
    assert expressions["double"]["data"]["text/plain"] == "20"
    assert expressions["bad"]["status"] == "error"
    assert expressions["bad"]["ename"] == "ZeroDivisionError"


def test_stop_on_error_aborts_queued_requests(shared_kernel: RunningKernel) -> None:
    client = shared_kernel.client
    failing = client.execute("import time; time.sleep(0.3); 1/0")
    queued = client.execute("print('must not run')")
    kept = client.execute("print('runs')", stop_on_error=False)
    replies: dict[str, str] = {}
    while len(replies) < 3:
        reply = client.get_shell_msg(timeout=30)
        replies[reply["parent_header"]["msg_id"]] = reply["content"]["status"]
    assert replies[failing] == "error"
    assert replies[queued] == "aborted"
    assert replies[kept] == "aborted"
    reply, messages = shared_kernel.execute("print('after')")
    assert reply["content"]["status"] == "ok"
    assert stream_text(messages) == "after\n"


def test_not_stopping_on_error_runs_the_next_cell(shared_kernel: RunningKernel) -> None:
    client = shared_kernel.client
    failing = client.execute("1/0", stop_on_error=False)
    following = client.execute("'ran'")
    replies: dict[str, str] = {}
    while len(replies) < 2:
        reply = client.get_shell_msg(timeout=30)
        replies[reply["parent_header"]["msg_id"]] = reply["content"]["status"]
    assert replies == {failing: "error", following: "ok"}


def test_print_arrives_while_the_cell_still_runs(shared_kernel: RunningKernel) -> None:
    client = shared_kernel.client
    msg_id = client.execute("import time\nprint('early', flush=True)\ntime.sleep(3)")
    sent = time.monotonic()
    while True:
        message = client.get_iopub_msg(timeout=10)
        if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "stream":
            break
    assert message["content"]["text"] == "early\n"
    assert time.monotonic() - sent < 1.5
    client.get_shell_msg(timeout=10)


def test_streams_keep_order_with_display_output(shared_kernel: RunningKernel) -> None:
    code = (
        "print('a')\ndisplay('b')\nprint('c')\nimport sys; sys.stderr.write('d\\n')\ndisplay('e')"
    )
    _, messages = shared_kernel.execute(code)
    outputs: list[tuple[str, str]] = []
    for m in messages:
        if m["msg_type"] == "stream":
            name, text = m["content"]["name"], m["content"]["text"]
            if outputs and outputs[-1][0] == name:  # a print may come in two messages
                text = outputs.pop()[1] + text
            outputs.append((name, text))
        elif m["msg_type"] == "display_data":
            outputs.append(("display", m["content"]["data"]["text/plain"]))
    assert outputs == [
        ("stdout", "a\n"),
        ("display", "'b'"),
        ("stdout", "c\n"),
        ("stderr", "d\n"),
        ("display", "'e'"),
    ]


def test_a_million_lines_arrive_complete(shared_kernel: RunningKernel) -> None:
    reply, messages = shared_kernel.execute("for i in range(1_000_000):\n    print(i)", timeout=120)
    assert reply["content"]["status"] == "ok"
    text = stream_text(messages)
    assert text.count("\n") == 1_000_000
    assert text.startswith("0\n1\n2\n")
    assert text.endswith("999998\n999999\n")
    assert len([m for m in messages if m["msg_type"] == "stream"]) < 2000
    reply, _ = shared_kernel.execute("'still responsive'")
    assert reply["content"]["status"] == "ok"


def test_large_output_travels_in_messages_of_a_mebibyte_at_most(
    shared_kernel: RunningKernel,
) -> None:
    """A gigabyte printed must not become one message every process on its way holds whole."""
    code = (
        "import sys\n"
        "sys.stdout.write('a' * (5 << 20) + '\\n')\n"  # one write of 5 MiB
        "for _ in range(3 << 10):\n"
        "    sys.stdout.write('b' * 1023 + '\\n')\n"  # and 3 MiB in lines of 1 KiB
    )
    reply, messages = shared_kernel.execute(code, timeout=60)
    assert reply["content"]["status"] == "ok"
    texts = [m["content"]["text"] for m in messages if m["msg_type"] == "stream"]
    assert max(map(len, texts)) <= 1 << 20
    assert "".join(texts) == "a" * (5 << 20) + "\n" + ("b" * 1023 + "\n") * (3 << 10)


def test_history_is_kept_across_restarts_per_session(tmp_path: Path) -> None:
    first = RunningKernel(tmp_path)
    try:
        first.execute("marker_before_restart = 1")
        first.client.history(hist_access_type="tail", n=1, output=False, raw=True)
        ((old_session, _, _),) = first.client.get_shell_msg(timeout=10)["content"]["history"]
    finally:
        first.stop()
    second = RunningKernel(tmp_path)
    try:
        second.execute("'after restart'")
        second.client.history(hist_access_type="search", pattern="marker_before*", raw=True)
        found = second.client.get_shell_msg(timeout=10)["content"]["history"]
        assert [entry[2] for entry in found] == ["marker_before_restart = 1"]
        assert found[0][0] == old_session
        second.client.history(hist_access_type="tail", n=1, raw=True)
        ((new_session, _, code),) = second.client.get_shell_msg(timeout=10)["content"]["history"]
        assert new_session != old_session
        assert code == "'after restart'"
    finally:
        second.stop()
