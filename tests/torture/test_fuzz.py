"""Hypothesis against a real server: whatever a peer sends, the server keeps serving, answers
with a 4xx or an error reply (never a 500), and the notebook stays a valid notebook.

- Yjs updates that are valid Yjs but no notebook (any value anywhere in the document);
- REST bodies of any JSON shape on every notebook, kernel, session and contents endpoint;
- commands of any shape on the notebook websocket;
- frames of any shape on the kernel websocket, both protocols.
"""

from __future__ import annotations

import json
import string
from typing import TYPE_CHECKING, Any

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Array, Map, Text

from interlace.protocol import Frames, encode_v1_frame
from tests.notebooks.ypeer import NOTEBOOK, YPeer
from tests.server.conftest import TOKEN, RunningServer, execute_request, receive_until_idle

if TYPE_CHECKING:
    from collections.abc import Iterator

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
"""Any JSON value (plus the keys Jupyter uses, below, so the shapes come close)."""

known_keys = st.sampled_from(
    ["cells", "all", "below", "keep", "who", "action", "id", "code", "cursor_pos", "value",
     "trusted", "path", "type", "format", "content", "name", "kernel", "detail_level"]
)  # fmt: skip
bodies = json_values | st.dictionaries(known_keys, json_values, max_size=5)


def shared_values() -> st.SearchStrategy[Any]:
    """Values a Yjs peer can put in the document: JSON, or shared text, maps and arrays."""
    return (
        json_values
        | st.builds(Text, st.text(max_size=10))
        | st.builds(Map, st.dictionaries(st.text(max_size=8), json_values, max_size=3))
        | st.builds(Array, st.lists(json_values, max_size=3))
    )


cell_fields = st.sampled_from(
    ["source", "cell_type", "metadata", "outputs", "execution_count", "position", "id",
     "attachments"]
)  # fmt: skip
edits = st.one_of(
    st.tuples(st.just("cell field"), cell_fields, shared_values()),
    st.tuples(st.just("drop field"), cell_fields, st.none()),
    st.tuples(st.just("new cell"), st.text(string.printable, max_size=12), shared_values()),
    st.tuples(st.just("meta"), st.sampled_from(["nbformat", "nbformat_minor", "metadata"]),
              shared_values()),
    st.tuples(st.just("output"), st.just("outputs"), shared_values()),
)  # fmt: skip


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "shared.ipynb").write_text(json.dumps(NOTEBOOK))
    (root / "bystander.ipynb").write_text(json.dumps(NOTEBOOK))
    server = RunningServer(root, "--token", TOKEN)
    yield server
    server.stop()


def apply_edit(peer: YPeer, edit: tuple[str, str, Any]) -> None:
    kind, key, value = edit
    document = peer.document
    cells = list(document.cells.keys())
    if kind == "new cell":
        document.cells[key or "x"] = value
    elif kind == "meta":
        document.meta[key] = value
    elif cells and isinstance(cell := document.cells[cells[0]], Map):
        if kind == "drop field":
            if key in cell:
                del cell[key]
        elif kind == "output" and isinstance(cell.get("outputs"), Array):
            cell["outputs"].append(value)
        else:
            cell[key] = value


def assert_still_a_notebook(server: RunningServer, path: str = "shared.ipynb") -> None:
    assert server.http.post(f"/api/notebooks/{path}/save").status_code == 204
    saved = nbformat.read(str(server.root / path), as_version=4)
    nbformat.validate(saved)


@FUZZ
@given(st.lists(edits, min_size=1, max_size=4))
def test_any_yjs_value_anywhere_leaves_a_valid_notebook(
    fuzzed: RunningServer, batch: list[tuple[str, str, Any]]
) -> None:
    peer = YPeer(fuzzed, "shared.ipynb")
    try:
        peer.until(lambda: len(peer.document.cells) > 0)
        with peer.document.doc.transaction():
            for edit in batch:
                apply_edit(peer, edit)
        peer.pump(0.1)
        assert_still_a_notebook(fuzzed)
        witness = YPeer(fuzzed, "shared.ipynb")  # and a newcomer still syncs
        witness.until(lambda: len(witness.document.cells) > 0)
        witness.close()
    finally:
        peer.close()
    assert json.loads((fuzzed.root / "bystander.ipynb").read_text()) == NOTEBOOK


ENDPOINTS = [
    ("POST", "/api/notebooks/shared.ipynb/execute"),
    ("POST", "/api/notebooks/shared.ipynb/interrupt"),
    ("POST", "/api/notebooks/shared.ipynb/save"),
    ("POST", "/api/notebooks/shared.ipynb/resolve"),
    ("POST", "/api/notebooks/shared.ipynb/complete"),
    ("POST", "/api/notebooks/shared.ipynb/inspect"),
    ("POST", "/api/notebooks/shared.ipynb/input"),
    ("POST", "/api/notebooks/shared.ipynb/trust"),
    ("PUT", "/api/notebooks/shared.ipynb/history"),
    ("PUT", "/api/contents/fuzz.txt"),
    ("PUT", "/api/contents/fuzz.ipynb"),
    ("PATCH", "/api/contents/fuzz.txt"),
    ("POST", "/api/contents/"),
    ("POST", "/api/sessions"),
    ("POST", "/api/kernels"),
    ("POST", "/api/rpc"),
]


@FUZZ
@given(st.sampled_from(ENDPOINTS), bodies)
def test_any_json_body_on_any_endpoint_is_answered_below_500(
    fuzzed: RunningServer, endpoint: tuple[str, str], body: Any
) -> None:
    method, path = endpoint
    answer = fuzzed.http.request(method, path, json=body)
    assert answer.status_code < 500, (method, path, body, answer.text)
    if path == "/api/rpc" and answer.status_code == 200 and isinstance(body, dict):
        assert "error" in answer.json() or "result" in answer.json()
    assert fuzzed.http.get("/api/status").status_code == 200


@FUZZ
@given(st.lists(st.text(max_size=30) | bodies.map(json.dumps), min_size=1, max_size=5))
def test_any_command_on_the_notebook_websocket_gets_a_reply(
    fuzzed: RunningServer, frames: list[str]
) -> None:
    peer = YPeer(fuzzed, "shared.ipynb")
    try:
        peer.until(lambda: len(peer.document.cells) > 0)
        for frame in frames:
            peer.ws.send(frame)
        peer.ws.send(json.dumps({"action": "save", "id": "last"}))
        peer.until(lambda: any(reply.get("id") == "last" for reply in peer.replies))
        assert len(peer.replies) >= len(frames)
    finally:
        peer.close()


@pytest.fixture(scope="module")
def fuzzed_kernel(fuzzed: RunningServer) -> str:
    return fuzzed.start_kernel()


frame_parts = st.dictionaries(
    st.sampled_from(["header", "parent_header", "metadata", "content", "channel", "buffers"]),
    json_values,
    max_size=6,
)


def v1_frame(channel: str, parts: dict[str, Any]) -> bytes:
    """A v1 binary frame of any JSON parts (as many as hypothesis made, in any order)."""
    return encode_v1_frame(Frames(channel, [json.dumps(v).encode() for v in parts.values()]))


@FUZZ
@given(
    st.lists(
        st.binary(max_size=64)
        | st.text(max_size=40)
        | frame_parts.map(json.dumps)
        | st.builds(
            v1_frame, st.sampled_from(["shell", "control", "stdin", "iopub", "x"]), frame_parts
        ),
        min_size=1,
        max_size=4,
    ),
    st.booleans(),
)
def test_any_frame_on_the_kernel_websocket_leaves_the_kernel_serving(
    fuzzed: RunningServer, fuzzed_kernel: str, frames: list[bytes | str], v1: bool
) -> None:
    subprotocols = ["v1.kernel.websocket.jupyter.org"] if v1 else None
    with fuzzed.websocket(fuzzed_kernel, subprotocols=subprotocols) as ws:
        for frame in frames:
            ws.send(frame)
    with fuzzed.websocket(fuzzed_kernel) as ws:
        request = execute_request("6 * 7")
        ws.send(json.dumps(request))
        replies = receive_until_idle(ws, request["header"]["msg_id"])
        results = [m for m in replies if m["msg_type"] == "execute_result"]
        assert results[0]["content"]["data"]["text/plain"] == "42"
