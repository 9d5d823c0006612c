"""The same operations over REST and JSON-RPC, the MCP endpoint behind the server's door, and
`interlace mcp` when something is wrong."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING, Any

import httpx

from tests.agents.conftest import hashes, history, over_stdio
from tests.server.conftest import INTERLACE, TOKEN, free_port

if TYPE_CHECKING:
    from tests.server.conftest import RunningServer

AGENT = {"X-Interlace-Agent": "script"}


def test_a_script_reads_edits_and_runs_cells_over_rest(
    agents_server: RunningServer, notebook_path: str
) -> None:
    http, api = agents_server.http, f"/api/agents/notebooks/{notebook_path}"
    view = http.get(f"{api}/cells", params={"outputs": "0"}, headers=AGENT).json()
    assert "outputs" not in view["cells"][0]
    seen = hashes(view)
    edit = {"edit": {"old": "20", "new": "19"}, "hash": seen["first"]}
    edited = http.patch(f"{api}/cells/first", json=edit, headers=AGENT)
    assert edited.status_code == 200, edited.text
    stale = http.patch(f"{api}/cells/first", json=edit, headers=AGENT)
    assert stale.status_code == 409
    assert stale.json()["source"] == "x = 19"
    assert stale.json()["hash"] == edited.json()["hash"]
    inserted = http.post(f"{api}/cells", json={"source": "x", "after": "second"}, headers=AGENT)
    assert inserted.status_code == 201
    cells = [
        {"id": "first", "hash": edited.json()["hash"]},
        {"id": "second", "hash": seen["second"]},
    ]
    ran = http.post(f"{api}/run", json={"cells": cells, "timeout": 60}, headers=AGENT).json()
    assert ran["done"] is True
    assert [o["text"] for o in ran["cells"][1]["outputs"]] == ["38\n", "41"]
    read = http.get(f"{api}/cells/second/outputs", params={"since": 3}, headers=AGENT).json()
    assert read["text"] == "41"
    assert read["next"] == 5
    moved = http.patch(f"{api}/cells/{inserted.json()['id']}", json={"before": "first"})
    assert moved.status_code == 200
    gone = http.delete(f"{api}/cells/{inserted.json()['id']}", params={"hash": "stale"})
    assert gone.status_code == 409
    assert http.post(f"{api}/complete", json={"code": "x"}).json()["cursor_end"] == 1
    actors = {(e["kind"], e["actor"]) for e in history(agents_server, notebook_path)}
    assert ("edit", "agent: script") in actors
    assert ("queued", "agent: script") in actors
    assert ("moved", "agent: rest") in actors


def test_rest_refuses_bad_input_and_agents_a_notebook_refuses(
    agents_server: RunningServer, notebook_path: str
) -> None:
    http, api = agents_server.http, f"/api/agents/notebooks/{notebook_path}"
    assert http.patch(f"{api}/cells/first", json={}).status_code == 400
    assert http.patch(f"{api}/cells/first", json={"edit": {"old": 1}}).status_code == 400
    assert http.patch(f"{api}/cells/nope", json={"edit": {"source": ""}}).status_code == 404
    assert http.post(f"{api}/run", json={"cells": "first"}).status_code == 400
    assert http.get(f"{api}/cells/first/outputs", params={"since": "x"}).status_code == 400
    assert http.get("/api/agents/notebooks/missing.ipynb/cells").status_code == 404
    assert (
        http.post(
            f"{api}/run", content=b"{", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    http.put(f"/api/notebooks/{notebook_path}/agents", json={"agents": "refuse"})
    refused = http.get(f"{api}/cells")
    assert refused.status_code == 403
    assert "does not let agents in" in refused.json()["message"]
    log = agents_server.http.get("/api/status")
    assert log.status_code == 200


def _rpc(server: RunningServer, method: str, **params: Any) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    answer: dict[str, Any] = server.http.post("/api/rpc", json=body).json()
    return answer


def test_json_rpc_has_the_same_operations(agents_server: RunningServer, notebook_path: str) -> None:
    view = _rpc(agents_server, "agent_read", path=notebook_path, agent="notebook-bot")["result"]
    seen = hashes(view)
    cells = [{"id": "first", "hash": seen["first"]}, {"id": "second", "hash": seen["second"]}]
    ran = _rpc(agents_server, "agent_run", path=notebook_path, cells=cells, agent="notebook-bot")
    assert ran["result"]["cells"][1]["run"]["by"] == "agent: notebook-bot"
    edit = {"first_line": 1, "last_line": 1, "text": "x = 1"}
    _rpc(agents_server, "agent_edit_cell", path=notebook_path, cell_id="first", edit=edit)
    stale = _rpc(
        agents_server,
        "agent_edit_cell",
        path=notebook_path,
        cell_id="first",
        edit=edit,
        hash=seen["first"],
    )
    assert stale["error"]["code"] == -32011
    assert stale["error"]["data"]["source"] == "x = 1"
    unknown = _rpc(agents_server, "agent_read_cell", path=notebook_path, cell_id="nope")
    assert unknown["error"]["code"] == -32010
    wrong = _rpc(agents_server, "agent_read", path=notebook_path, pages=3)
    assert wrong["error"]["code"] == -32602


def test_the_mcp_endpoint_is_behind_the_servers_door(agents_server: RunningServer) -> None:
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "x", "version": "1"},
        },
    }
    accept = {"Accept": "application/json, text/event-stream"}
    with httpx.Client(base_url=agents_server.url, timeout=30) as anonymous:
        assert anonymous.post("/api/mcp", json=initialize, headers=accept).status_code == 401
        wrong = {**accept, "Authorization": "token wrong"}
        assert anonymous.post("/api/mcp", json=initialize, headers=wrong).status_code == 403
        site = {**accept, "Authorization": f"token {TOKEN}", "Origin": "https://evil.example"}
        assert anonymous.post("/api/mcp", json=initialize, headers=site).status_code == 403
        rebinding = {**accept, "Authorization": f"token {TOKEN}", "Host": "evil.example"}
        assert anonymous.post("/api/mcp", json=initialize, headers=rebinding).status_code == 403
        preflight = anonymous.options(
            "/api/mcp",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in preflight.headers
        bearer = {**accept, "Authorization": f"Bearer {TOKEN}"}
        opened = anonymous.post("/api/mcp", json=initialize, headers=bearer)
        assert opened.status_code == 200, opened.text
        assert "access-control-allow-origin" not in opened.headers


def test_interlace_mcp_says_clearly_what_is_wrong(agents_server: RunningServer) -> None:
    missing = subprocess.run(
        [INTERLACE, "mcp"], capture_output=True, text=True, timeout=60, check=False, env={}
    )
    assert missing.returncode == 2
    assert "Missing option '--url'" in missing.stderr
    nowhere = f"http://127.0.0.1:{free_port()}"
    with over_stdio(agents_server, "--url", nowhere) as agent:
        result = agent.call("read_notebook", path="x.ipynb")
    assert result.is_error
    assert f"cannot reach the interlace server at {nowhere}/api/mcp" in result.content[0].text  # type: ignore[union-attr]
