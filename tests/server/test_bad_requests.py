"""Bad input gets a clear 4xx and a log line, never a 500, and the server keeps serving."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.server.conftest import RunningServer

DEEP = "[" * 100_000 + "]" * 100_000


def _rpc(server: RunningServer, body: str) -> tuple[int, str]:
    answer = server.http.post(
        "/api/rpc", content=body, headers={"Content-Type": "application/json"}
    )
    return answer.status_code, answer.text


def test_deeply_nested_json_is_a_bad_request(notebook_server: RunningServer) -> None:
    http = notebook_server.http
    headers = {"Content-Type": "application/json"}
    assert http.post("/api/kernels", content=DEEP, headers=headers).status_code == 400
    assert http.put("/api/contents/x.ipynb", content=DEEP, headers=headers).status_code == 400
    status, text = _rpc(notebook_server, DEEP)
    assert status == 200
    assert json.loads(text)["error"]["code"] == -32700


def test_a_json_rpc_id_that_is_not_a_finite_number_is_an_invalid_request(
    notebook_server: RunningServer,
) -> None:
    status, text = _rpc(notebook_server, '{"jsonrpc": "2.0", "id": NaN, "method": "list_sessions"}')
    assert status == 200
    assert json.loads(text)["error"]["code"] == -32600


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/contents/a%00b", None),
        ("PUT", "/api/contents/a%00b.txt", {"type": "file", "format": "text", "content": ""}),
        ("GET", "/api/notebooks/a%00b.ipynb/history", None),
        ("POST", "/api/notebooks/a%00b.ipynb/execute", {"all": True}),
        ("PATCH", "/api/contents/shared.ipynb", {"path": "missing/dir/shared.ipynb"}),
        ("PATCH", "/api/contents/", {"path": "elsewhere"}),
        ("PUT", "/api/contents/no/parent", {"type": "directory"}),
        ("POST", "/api/contents/no/such/dir", {"type": "notebook"}),
    ],
)
def test_bad_paths_are_4xx(
    notebook_server: RunningServer, method: str, path: str, body: dict[str, str] | None
) -> None:
    answer = notebook_server.http.request(method, path, json=body)
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
    assert notebook_server.http.get("/api/contents/shared.ipynb").status_code == 200


def test_a_malformed_recording_is_refused(notebook_server: RunningServer) -> None:
    http, url = notebook_server.http, "/api/notebooks/imported.ipynb/recording"
    header = json.dumps({"format": "interlace-notebook-recording", "version": 1})
    for body in (
        "not a recording",
        header,
        header + "\n" + json.dumps({"snapshot": 0, "state": "bm90IHlqcw=="}),
        header + "\n" + json.dumps({"snapshot": "x", "state": 5}),
        header + "\n" + json.dumps({"snapshot": 0, "state": ""}) + "\n" + DEEP,
    ):
        answer = http.put(url, content=body)
        assert answer.status_code == 400, (body[:80], answer.status_code, answer.text)
