"""The JSON-RPC API lives in the server: tests start a real one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.server.conftest import RunningServer

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    from tests.server.conftest import TOKEN

    running = RunningServer(tmp_path_factory.mktemp("root"), "--token", TOKEN)
    yield running
    running.stop()


def call(server: RunningServer, method: str, **params: Any) -> dict[str, Any]:
    """One raw JSON-RPC call over HTTP; the whole response object."""
    body = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
    response = server.http.post("/api/rpc", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer
