"""Other sites' pages: cross-site writes, JSON disguised as text, and DNS rebinding.

The attacks, on a server in open mode (``--token ''``): a page of another site
POSTed a ``text/plain`` JSON-RPC ``eval_cell`` (a "simple" request: no CORS
preflight) and the code ran; a page whose name was rebound to 127.0.0.1 was
served under its own Host. Now, in every mode:

- a write (or websocket) whose Origin, or Referer when there is no Origin, is
  another site is refused 403 and logged, as jupyter_server's ``check_origin``
  and ``check_referer`` refuse it (it answers 404 for the API, and lets
  token-authenticated requests through; we check those too, and refuse
  ``Origin: null``);
- a JSON body must be declared ``application/json`` (415 otherwise) unless the
  request carries ``Authorization`` or ``X-XSRFToken``, which no other site can
  send without a preflight (jupyter_server takes any Content-Type);
- a request whose Host is not local is refused 403 and logged, as
  jupyter_server's ``check_host`` does: loopback addresses and ``localhost``
  (``--local-hostnames`` for more), unless ``--allow-remote-access``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.security.conftest import websocket_status
from tests.server.conftest import TOKEN, RunningServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

EVIL = "http://evil.example"


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = RunningServer(tmp_path_factory.mktemp("root"), "--token", "")
    yield running
    running.stop()


def eval_cell(code: str) -> bytes:
    call = {"jsonrpc": "2.0", "id": 1, "method": "eval_cell", "params": {"code": code}}
    return json.dumps(call).encode()


def write_marker(marker: Path) -> bytes:
    return eval_cell(f"open({str(marker)!r}, 'w').write('ran')")


def post(server: RunningServer, body: bytes, **headers: str) -> httpx.Response:
    """A POST to /api/rpc with only the headers given (no token), as a browser sends it."""
    with httpx.Client(base_url=server.url, timeout=120) as anonymous:
        return anonymous.post("/api/rpc", content=body, headers=headers)


def own_origin(server: RunningServer) -> str:
    return f"http://127.0.0.1:{server.port}"


def test_a_cross_site_text_plain_eval_cell_is_refused(
    open_server: RunningServer, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    simple = {"Content-Type": "text/plain;charset=UTF-8"}
    assert post(open_server, write_marker(marker), **simple, Origin=EVIL).status_code == 403
    referer = {"Referer": f"{EVIL}/page.html?token=not-logged"}
    assert post(open_server, write_marker(marker), **simple, **referer).status_code == 403
    assert post(open_server, write_marker(marker), **simple, Origin="null").status_code == 403
    assert post(open_server, write_marker(marker), **simple).status_code == 415
    assert post(open_server, write_marker(marker)).status_code == 415  # a Blob: no type at all
    assert not marker.exists()


def test_the_same_call_from_the_servers_own_page_runs(
    open_server: RunningServer, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    json_type = {"Content-Type": "application/json"}
    answer = post(open_server, write_marker(marker), **json_type, Origin=own_origin(open_server))
    assert answer.status_code == 200, answer.text
    assert marker.read_text() == "ran"
    same_site = {"Referer": f"{own_origin(open_server)}/notebooks/a.ipynb"}
    assert post(open_server, eval_cell("1"), **json_type, **same_site).json()["result"] == "1"
    lab = {"Content-Type": "text/plain;charset=UTF-8", "X-XSRFToken": "x"}  # JupyterLab's way
    assert post(open_server, eval_cell("2"), **lab).json()["result"] == "2"


def test_a_foreign_host_is_refused(open_server: RunningServer, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    rebound = f"evil.example:{open_server.port}"
    with httpx.Client(base_url=open_server.url, headers={"Host": rebound}) as page:
        assert page.get("/api/contents").status_code == 403
        assert page.get("/tree/").status_code == 403
        headers = {"Content-Type": "application/json", "Origin": f"http://{rebound}"}
        assert (
            page.post("/api/rpc", content=write_marker(marker), headers=headers).status_code == 403
        )
    assert not marker.exists()
    channels = "/api/kernels/any/channels"
    assert websocket_status(open_server, channels, rebound, f"http://{rebound}").startswith(
        "HTTP/1.1 403"
    )
    assert websocket_status(open_server, "/api/rpc/ws", rebound, None).startswith("HTTP/1.1 403")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "127.0.0.2", "LOCALHOST"])
def test_local_host_names_are_served(open_server: RunningServer, host: str) -> None:
    with httpx.Client(
        base_url=open_server.url, headers={"Host": f"{host}:{open_server.port}"}
    ) as local:
        assert local.get("/api/contents").status_code == 200


def test_cross_site_writes_are_refused_with_a_token_too(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    friend = "http://friend.example:8000"
    root = tmp_path_factory.mktemp("root")
    arguments = ("--token", TOKEN, "--allow-origin", friend, "--local-hostnames", "nb.lan,box")
    with RunningServer(root, *arguments) as running:
        http = running.http
        created = {"type": "file", "format": "text", "content": "x"}
        refused = http.put("/api/contents/a.txt", json=created, headers={"Origin": EVIL})
        assert refused.status_code == 403
        assert not (root / "a.txt").exists()
        assert http.put("/api/contents/a.txt", json=created, headers={"Origin": friend}).is_success
        for name in ("nb.lan", "box", "localhost"):
            assert http.get("/api", headers={"Host": f"{name}:{running.port}"}).is_success
        assert http.get("/api", headers={"Host": "elsewhere.lan"}).status_code == 403
    err = running.logged
    assert "refused PUT /api/contents/a.txt: cross-origin request from 'http://evil.example'" in err
    assert "refused GET /api: non-local Host 'elsewhere.lan'" in err
    assert TOKEN not in err


def test_remote_access_answers_any_host(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("root")
    with RunningServer(root, "--token", TOKEN, "--allow-remote-access") as running:
        assert running.http.get("/api", headers={"Host": "notebook.example.org"}).is_success
        cross: dict[str, Any] = {"headers": {"Origin": EVIL}, "json": {}}
        assert running.http.post("/api/kernels", **cross).status_code == 403  # still not a site
