"""Commands on a notebook's websocket, REST and JSON-RPC: one path, in order after edits."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tests.notebooks.ypeer import YPeer, outputs, set_source

if TYPE_CHECKING:
    from tests.server.conftest import RunningServer


def _send(peer: YPeer, command: dict[str, Any]) -> None:
    peer.ws.send(json.dumps(command))


def _reply(peer: YPeer, command_id: int) -> dict[str, Any]:
    peer.until(lambda: any(r.get("id") == command_id for r in peer.replies))
    return next(r for r in peer.replies if r.get("id") == command_id)


def test_a_run_sent_right_after_an_edit_runs_the_edited_source(
    notebook_server: RunningServer,
) -> None:
    peer = YPeer(notebook_server, "shared.ipynb")
    try:
        peer.until(lambda: "first" in peer.document.cells)
        for number in range(8):
            source = peer.document.cell("first")["source"]
            del source[:]
            source.insert(0, f"print({number})")  # sent at once, not pumped
            _send(peer, {"action": "execute", "id": number, "cells": ["first"], "who": "ann"})
            assert _reply(peer, number) == {"id": number, "ok": True, "queued": ["first"]}
            printed = [f"{number}\n"]
            peer.until(lambda: [o.get("text") for o in outputs(peer, "first")] == printed)  # noqa: B023
    finally:
        peer.close()


def test_the_notebooks_kernel_is_its_session_for_every_client(
    notebook_server: RunningServer,
) -> None:
    http = notebook_server.http
    peer = YPeer(notebook_server, "shared.ipynb")
    try:
        peer.until(lambda: "first" in peer.document.cells)
        http.post("/api/notebooks/shared.ipynb/execute", json={"cells": ["first"]})
        peer.until(lambda: peer.document.cell("first")["execution_count"] == 1)
        (session,) = http.get("/api/sessions").json()
        assert (session["path"], session["type"]) == ("shared.ipynb", "notebook")
        kernel_id = session["kernel"]["id"]
        assert [k["id"] for k in http.get("/api/kernels").json()] == [kernel_id]
        again = http.post("/api/sessions", json={"path": "shared.ipynb", "type": "notebook"})
        assert again.json()["kernel"]["id"] == kernel_id  # JupyterLab joins the same kernel
        rpc = http.post("/api/rpc", json={"jsonrpc": "2.0", "id": 1, "method": "start_session"})
        assert "result" in rpc.json()
        types = sorted(s["type"] for s in http.get("/api/sessions").json())
        assert types == ["notebook", "rpc"]
    finally:
        peer.close()


def test_edits_keep_flowing_while_a_peers_restart_is_under_way(
    notebook_server: RunningServer,
) -> None:
    alice = YPeer(notebook_server, "shared.ipynb")
    bob = YPeer(notebook_server, "shared.ipynb")
    try:
        alice.until(lambda: "first" in alice.document.cells)
        # The kernel takes three seconds to exit, so the restart is surely under way below.
        set_source(alice, "first", "import atexit, time\natexit.register(time.sleep, 3)")
        _send(alice, {"action": "execute", "id": 1, "cells": ["first"]})
        bob.until(lambda: bob.document.cell("first")["execution_count"] == 1)
        _send(alice, {"action": "restart", "id": 2, "who": "alice"})
        set_source(alice, "second", "typed during the restart")

        def seen_mid_restart() -> bool:
            restarting = bob.document.kernel.get("state") == "restarting"
            return restarting and bob.document.source("second") == "typed during the restart"

        bob.until(seen_mid_restart)
        assert _reply(alice, 2) == {"id": 2, "ok": True}
        bob.until(lambda: bob.document.kernel.get("state") == "idle")
    finally:
        alice.close()
        bob.close()


def test_bad_commands_get_error_replies_and_the_socket_keeps_serving(
    notebook_server: RunningServer,
) -> None:
    peer = YPeer(notebook_server, "shared.ipynb")
    try:
        peer.until(lambda: "first" in peer.document.cells)
        peer.ws.send("not json")
        peer.ws.send("[" * 100_000 + "]" * 100_000)
        peer.ws.send(json.dumps(["a list"]))
        _send(peer, {"action": "execute", "id": "x", "cells": "first"})
        _send(peer, {"action": "execute", "id": 7, "cells": ["nowhere"]})
        peer.until(lambda: len(peer.replies) == 5)
        assert all(not reply["ok"] for reply in peer.replies)
        assert peer.replies[1]["error"] == "the command is nested too deeply"
        assert peer.replies[3]["id"] == "x"
        assert peer.replies[4] == {"id": 7, "ok": False, "error": "no cells ['nowhere']"}
        _send(peer, {"action": "save", "id": 8})
        assert _reply(peer, 8) == {"id": 8, "ok": True}
    finally:
        peer.close()


def test_commands_beyond_the_waiting_line_are_refused_not_queued(
    notebook_server: RunningServer,
) -> None:
    peer = YPeer(notebook_server, "shared.ipynb")
    try:
        peer.until(lambda: "first" in peer.document.cells)
        set_source(peer, "first", "import atexit, time\natexit.register(time.sleep, 3)")
        _send(peer, {"action": "execute", "id": 0, "cells": ["first"]})
        peer.until(lambda: peer.document.cell("first")["execution_count"] == 1)
        _send(peer, {"action": "restart", "id": 1})  # holds the line for three seconds
        for number in range(2, 102):
            _send(peer, {"action": "save", "id": number})
        peer.until(lambda: len(peer.replies) == 102)
        refused = [r for r in peer.replies if not r["ok"]]
        assert refused, "a hundred commands behind a restart should not all have been queued"
        assert {r["error"] for r in refused} == {"too many commands waiting; try again"}
        assert all(r["ok"] for r in peer.replies if r.get("id") is not None)
    finally:
        peer.close()


def test_json_rpc_runs_cells_through_the_same_commands(notebook_server: RunningServer) -> None:
    http = notebook_server.http
    peer = YPeer(notebook_server, "shared.ipynb")

    def call(method: str, **params: Any) -> dict[str, Any]:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        return dict(http.post("/api/rpc", json=body).json())

    try:
        peer.until(lambda: "second" in peer.document.cells)
        assert call("notebook_execute", path="shared.ipynb", all=True, who="script") == {
            "jsonrpc": "2.0",
            "result": ["first", "second"],
            "id": 1,
        }
        peer.until(lambda: peer.document.cell("second")["execution_count"] == 2)
        record = peer.document.cell("second")["metadata"]["interlace"]
        assert record["by"] == "script"
        refused = call("notebook_execute", path="shared.ipynb", cells=["nowhere"])
        assert refused["error"]["code"] == -32010
        assert call("notebook_save", path="shared.ipynb")["result"] is True
        assert call("notebook_interrupt", path="nowhere.ipynb")["error"]["code"] == -32010
        no_conflict = call("notebook_resolve", path="shared.ipynb", keep="file")
        assert no_conflict["error"]["code"] == -32010
        assert "no conflict" in no_conflict["error"]["message"]
    finally:
        peer.close()


def test_the_servers_state_and_hidden_notebooks_are_never_opened(
    notebook_server: RunningServer,
) -> None:
    hidden = notebook_server.root / ".secret"
    hidden.mkdir()
    (hidden / "n.ipynb").write_text((notebook_server.root / "shared.ipynb").read_text())
    (notebook_server.root / "visible").symlink_to(hidden)
    http = notebook_server.http

    def rpc(path: str) -> dict[str, Any]:
        body = {"jsonrpc": "2.0", "id": 1, "method": "notebook_save", "params": {"path": path}}
        return dict(http.post("/api/rpc", json=body).json())

    for path in (".secret/n.ipynb", "visible/n.ipynb", ".interlace/recordings.sqlite"):
        assert rpc(path)["error"]["code"] == -32010, path
        assert http.post(f"/api/notebooks/{path}/save").status_code == 404, path
    assert rpc("shared.ipynb")["result"] is True
