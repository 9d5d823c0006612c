"""Interrupts, restarts and errors on a server-owned notebook: each cell records what happened
to its last run, and cells still queued are dropped, as Jupyter does."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tests.notebooks.ypeer import YPeer, outputs, set_source

if TYPE_CHECKING:
    from tests.server.conftest import RunningServer

SLEEPER = "import time\nprint('started', flush=True)\ntime.sleep(60)"


def record(peer: YPeer, cell_id: str) -> dict[str, Any]:
    return dict(dict(peer.document.cell(cell_id)["metadata"]).get("interlace") or {})


def status(peer: YPeer, cell_id: str) -> str | None:
    return record(peer, cell_id).get("status")


def started(peer: YPeer, cell_id: str) -> bool:
    return any("started" in o.get("text", "") for o in outputs(peer, cell_id))


def test_an_interrupt_is_recorded_on_the_running_cell_and_drops_the_queue(
    notebook_server: RunningServer,
) -> None:
    alice, bob = YPeer(notebook_server, "shared.ipynb"), YPeer(notebook_server, "shared.ipynb")
    try:
        alice.until(lambda: "second" in alice.document.cells)
        set_source(alice, "first", SLEEPER)
        alice.ws.send(
            json.dumps({"action": "execute", "cells": ["first", "second"], "who": "alice"})
        )
        bob.until(lambda: started(bob, "first") and status(bob, "second") == "queued")
        assert status(bob, "first") == "running"
        bob.ws.send(json.dumps({"action": "interrupt", "who": "bob"}))
        bob.until(lambda: status(bob, "first") == "interrupted")
        first = record(bob, "first")
        assert first["by"] == "alice"
        assert first["interrupted"]["by"] == "bob"
        assert 0 < first["seconds"] < 30
        assert {"queued", "started", "finished"} <= first.keys()
        assert [o.get("ename") for o in outputs(bob, "first")][-1] == "KeyboardInterrupt"
        assert status(bob, "second") == "cancelled"
        assert outputs(bob, "second") == []
    finally:
        alice.close()
        bob.close()


def test_a_restart_is_recorded_and_the_kernel_comes_back_empty(
    notebook_server: RunningServer,
) -> None:
    peer = YPeer(notebook_server, "shared.ipynb")
    try:
        peer.until(lambda: "second" in peer.document.cells)
        notebook_server.http.post("/api/notebooks/shared.ipynb/execute", json={"cells": ["first"]})
        peer.until(lambda: status(peer, "first") == "ok")
        set_source(peer, "first", SLEEPER)
        response = notebook_server.http.post(
            "/api/notebooks/shared.ipynb/execute", json={"cells": ["first", "second"]}
        )
        assert response.status_code == 202
        peer.until(lambda: started(peer, "first"))
        response = notebook_server.http.post(
            "/api/notebooks/shared.ipynb/restart", json={"who": "carol"}
        )
        assert response.status_code == 204
        peer.until(lambda: status(peer, "first") == "restarted")
        assert record(peer, "first")["restarted"]["by"] == "carol"
        assert status(peer, "second") == "cancelled"
        notebook_server.http.post("/api/notebooks/shared.ipynb/execute", json={"cells": ["second"]})
        peer.until(lambda: status(peer, "second") == "error")
        assert outputs(peer, "second")[-1]["ename"] == "NameError"  # x went with the old kernel
    finally:
        peer.close()


def test_an_error_drops_the_cells_queued_after_it(notebook_server: RunningServer) -> None:
    peer = YPeer(notebook_server, "shared.ipynb")
    try:
        peer.until(lambda: "second" in peer.document.cells)
        set_source(peer, "first", "1 / 0")
        peer.ws.send(json.dumps({"action": "execute", "cells": ["first", "second"]}))
        peer.until(lambda: status(peer, "first") == "error")
        peer.until(lambda: status(peer, "second") == "cancelled")
        assert outputs(peer, "first")[-1]["ename"] == "ZeroDivisionError"
        assert outputs(peer, "second") == []
        peer.ws.send(json.dumps({"action": "interrupt"}))
        peer.ws.send(json.dumps({"action": "execute", "cells": ["nowhere"]}))
        peer.until(lambda: peer.notices == [{"error": "no cells ['nowhere']"}])
    finally:
        peer.close()


def test_run_all_and_run_below(notebook_server: RunningServer) -> None:
    peer = YPeer(notebook_server, "shared.ipynb")
    http = notebook_server.http
    try:
        peer.until(lambda: "second" in peer.document.cells)
        response = http.post("/api/notebooks/shared.ipynb/execute", json={"below": "second"})
        assert response.json() == {"queued": ["second"]}
        peer.until(lambda: status(peer, "second") == "error")
        assert status(peer, "first") is None
        peer.ws.send(json.dumps({"action": "execute", "all": True}))
        peer.until(lambda: status(peer, "second") == "ok")
        assert status(peer, "first") == "ok"
        assert outputs(peer, "second")[0]["text"] == "40\n"
        refused = http.post("/api/notebooks/shared.ipynb/execute", json={"cells": "first"})
        assert refused.status_code == 400
        assert "name the cells to run" in refused.json()["message"]
        missing = http.post("/api/notebooks/shared.ipynb/execute", json={"below": "nowhere"})
        assert missing.status_code == 404
    finally:
        peer.close()
