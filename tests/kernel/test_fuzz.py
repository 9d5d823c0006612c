"""Any content, on any shell or control message type: the kernel answers the next good request.

Hypothesis builds contents with fields missing, of the wrong types, nested, or
huge. A request gets a reply (an error reply for content it cannot use); a
message without reply (comm_open, comm_msg, comm_close) is logged and dropped.
Either way the next good request is served.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

if TYPE_CHECKING:
    from jupyter_client.channels import ZMQSocketChannel

    from tests.kernel.conftest import RunningKernel

SHELL_TYPES = [
    "execute_request",
    "complete_request",
    "inspect_request",
    "history_request",
    "is_complete_request",
    "comm_info_request",
    "kernel_info_request",
    "connect_request",
    "shutdown_request",
    "comm_open",
    "comm_msg",
    "comm_close",
]
CONTROL_TYPES = [
    "kernel_info_request",
    "interrupt_request",
    "debug_request",
    "create_subshell_request",
    "list_subshell_request",
    "delete_subshell_request",
    "usage_request",
    "comm_info_request",
]
FIELDS = [
    "code",
    "cursor_pos",
    "detail_level",
    "silent",
    "store_history",
    "user_expressions",
    "allow_stdin",
    "stop_on_error",
    "hist_access_type",
    "output",
    "raw",
    "session",
    "start",
    "stop",
    "n",
    "pattern",
    "unique",
    "target_name",
    "target_module",
    "comm_id",
    "data",
    "metadata",
    "command",
    "subshell_id",
]
SAFE_CODE = ["1", "", "x = )", "'a' * 3", "1 / 0", "%pwd", "len?", "import sys", "def f(:"]
"""What fuzzed cells run: any text could be ``exit`` or ``input()``, which end or block
the kernel by design, not by failure."""

REPLY_TIMEOUT = 30

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["tail", "range", "search", "jupyter.widget", "update", "comm"])
)
huge = st.sampled_from([10**30, -(10**30), 2**63, 1e308, "x" * 100_000, [0] * 10_000])
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
contents = st.dictionaries(st.sampled_from(FIELDS), values | huge, max_size=7)


def safe(content: dict[str, Any]) -> dict[str, Any]:
    """Code that is text becomes one of ``SAFE_CODE`` (expressions too); the rest stays."""
    safe_content = dict(content)
    if isinstance(content.get("code"), str):
        safe_content["code"] = SAFE_CODE[len(content["code"]) % len(SAFE_CODE)]
    expressions = content.get("user_expressions")
    if isinstance(expressions, dict):
        safe_content["user_expressions"] = {key: "1 + 1" for key in expressions}
    return safe_content


def exchange(
    kernel: RunningKernel, channel: ZMQSocketChannel, msg_type: str, content: dict[str, Any]
) -> None:
    """Send the message, then (after its reply, if it has one) a good request; assert
    that both replies come.

    The good request waits for the first reply because a failing cell rightly
    aborts the requests queued behind it.
    """
    client = kernel.client
    message = client.session.msg(msg_type, safe(content))
    channel.send(message)
    if msg_type.endswith("_request"):
        reply = channel.get_msg(timeout=REPLY_TIMEOUT)
        assert reply["parent_header"]["msg_id"] == message["header"]["msg_id"]
        assert reply["content"]["status"] in ("ok", "error")
    alive = client.session.msg("execute_request", {"code": "'alive'", "silent": False})
    client.shell_channel.send(alive)
    reply = client.get_shell_msg(timeout=REPLY_TIMEOUT)
    assert reply["parent_header"]["msg_id"] == alive["header"]["msg_id"], reply
    assert reply["content"]["status"] == "ok"
    assert kernel.process.poll() is None


FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(msg_type=st.sampled_from(SHELL_TYPES), content=contents)
def test_shell_messages_with_any_content(
    shared_kernel: RunningKernel, msg_type: str, content: dict[str, Any]
) -> None:
    exchange(shared_kernel, shared_kernel.client.shell_channel, msg_type, content)


@FUZZ
@given(msg_type=st.sampled_from(CONTROL_TYPES), content=contents)
def test_control_messages_with_any_content(
    shared_kernel: RunningKernel, msg_type: str, content: dict[str, Any]
) -> None:
    exchange(shared_kernel, shared_kernel.client.control_channel, msg_type, content)


@settings(max_examples=20, deadline=None, database=None, derandomize=True)
@given(msg_type=st.text(min_size=1, max_size=40), content=contents)
def test_unknown_message_types(
    shared_kernel: RunningKernel, msg_type: str, content: dict[str, Any]
) -> None:
    channel = shared_kernel.client.shell_channel
    exchange(shared_kernel, channel, msg_type, content)
