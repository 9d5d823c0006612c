"""A notebook's recorded history, through the server: a scripted session with two people,
and the notebook at several moments played back exactly as it was live."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tests.notebooks.ypeer import NOTEBOOK, YPeer, announce, outputs, set_source
from tests.server.conftest import TOKEN, RunningServer

if TYPE_CHECKING:
    from pathlib import Path

API = "/api/notebooks/shared.ipynb"


def cells(notebook: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What playback must reproduce: each cell's id, source, outputs and count."""
    return [
        (c["id"], c["source"], c.get("outputs"), c.get("execution_count"))
        for c in notebook["cells"]
    ]


def last_seq(server: RunningServer) -> int:
    return int(server.http.get(f"{API}/history").json()["events"][-1]["seq"])


def test_a_recorded_session_plays_back_as_it_was(notebook_server: RunningServer) -> None:
    http = notebook_server.http
    alice, bob = YPeer(notebook_server, "shared.ipynb"), YPeer(notebook_server, "shared.ipynb")
    moments: list[tuple[int, list[tuple[Any, ...]]]] = []

    def capture() -> None:
        alice.pump()
        moments.append((last_seq(notebook_server), cells(alice.document.to_notebook())))

    try:
        alice.until(lambda: "second" in alice.document.cells)
        announce(alice, "alice")
        announce(bob, "bob")
        bob.until(lambda: "second" in bob.document.cells)
        capture()
        set_source(alice, "first", "x = 21")
        capture()
        alice.ws.send(json.dumps({"action": "execute", "all": True, "who": "alice"}))
        alice.until(lambda: alice.document.cell("second").get("execution_count") is not None)
        capture()
        set_source(bob, "second", "print(x * 2)\n1 / 0")
        bob.ws.send(json.dumps({"action": "execute", "cells": ["second"], "who": "bob"}))
        alice.until(
            lambda: any(o.get("ename") == "ZeroDivisionError" for o in outputs(alice, "second"))
        )
        capture()
        added = bob.document.insert_cell(2, "markdown", "# notes")
        bob.pump()
        rendered = http.post(f"{API}/execute", json={"cells": [added], "who": "bob"})
        assert rendered.status_code == 202
        bob.document.move_cell(added, 0)
        bob.pump()
        alice.until(lambda: alice.document.cell_ids()[0] == added)
        capture()
        bob.document.delete_cell(added)
        bob.pump()
        alice.until(lambda: added not in alice.document.cells)
        http.post(f"{API}/restart", json={"who": "bob"})
        alice.until(lambda: alice.document.kernel.get("state") == "idle")
        capture()
    finally:
        bob.close()
        alice.close()

    events = http.get(f"{API}/history").json()["events"]
    kinds = [
        (e["kind"], e["actor"]) for e in events if e["kind"] not in ("edit", "output", "kernel")
    ]
    assert ("joined", "alice") in kinds
    assert ("joined", "bob") in kinds
    assert ("queued", "alice") in kinds
    assert ("restarted", "bob") in kinds
    assert ("left", "bob") in kinds
    finished = [e["data"] for e in events if e["kind"] == "finished"]
    assert [(f["cell_id"], f["status"]) for f in finished] == [
        ("first", "ok"),
        ("second", "ok"),
        ("second", "error"),
    ]
    (queued,) = [e["data"] for e in events if e["kind"] == "queued" and e["actor"] == "alice"]
    assert queued["cells"] == ["first", "second"]
    assert queued["kernel"] == http.get("/api/kernels").json()[0]["id"]
    assert [(e["actor"], e["data"]) for e in events if e["kind"] == "rendered"] == [
        ("bob", {"cell_id": added})
    ]
    for kind in ("created", "moved", "deleted"):
        assert [(e["actor"], e["data"]["cells"]) for e in events if e["kind"] == kind] == [
            ("bob", [added])
        ]
    edits = {e["actor"] for e in events if e["kind"] == "edit"}
    assert edits == {"alice", "bob"}
    outputs_by = {e["actor"] for e in events if e["kind"] == "output"}
    assert outputs_by == {"alice", "bob"}
    for seq, live in moments:
        moment = http.get(f"{API}/history/{seq}").json()
        assert cells(moment["notebook"]) == live, f"at event {seq}"
        again = http.get(f"{API}/history/{seq}").json()
        assert again == moment  # playback is deterministic
    assert http.get(f"{API}/history/{moments[1][0]}").json()["present"] == ["alice", "bob"]
    assert http.get(f"{API}/history/999999").status_code == 404


def test_fork_export_import_and_recording_off(notebook_server: RunningServer) -> None:
    http = notebook_server.http
    peer = YPeer(notebook_server, "shared.ipynb")
    try:
        peer.until(lambda: "first" in peer.document.cells)
        early = last_seq(notebook_server)
        set_source(peer, "first", "changed later")
    finally:
        peer.close()
    forked = http.post(f"{API}/fork", json={"seq": early})
    assert forked.status_code == 201
    path = forked.json()["path"]
    assert path == f"shared-at-{early}.ipynb"
    fork = json.loads((notebook_server.root / path).read_text())
    assert fork["cells"][0]["source"] == "x = 20"
    exported = http.get(f"{API}/recording")
    assert exported.headers["content-disposition"].startswith("attachment")
    imported = http.put("/api/notebooks/elsewhere/copy.ipynb/recording", content=exported.content)
    assert imported.status_code == 201
    events = http.get(f"{API}/history").json()["events"]
    copied = http.get("/api/notebooks/elsewhere/copy.ipynb/history").json()["events"]
    assert copied == events
    last = events[-1]["seq"]
    original = http.get(f"{API}/history/{last}").json()["notebook"]
    assert (
        http.get(f"/api/notebooks/elsewhere/copy.ipynb/history/{last}").json()["notebook"]
        == original
    )
    refused = http.put("/api/notebooks/bad.ipynb/recording", content=b"not a recording")
    assert refused.status_code == 400
    assert http.put(f"{API}/history", json={"enabled": False}).json() == {"enabled": False}
    quiet = YPeer(notebook_server, "shared.ipynb")
    try:
        quiet.until(lambda: "first" in quiet.document.cells)
        set_source(quiet, "first", "not recorded")
    finally:
        quiet.close()
    assert http.get(f"{API}/history").json() == {"enabled": False, "events": events}


def test_keep_history_forgets_what_is_older(tmp_path: Path) -> None:
    (tmp_path / "shared.ipynb").write_text(json.dumps(NOTEBOOK))
    first = RunningServer(tmp_path, "--token", TOKEN)
    peer = YPeer(first, "shared.ipynb")
    try:
        peer.until(lambda: "first" in peer.document.cells)
        set_source(peer, "first", "edited in the first session")
    finally:
        peer.close()
        first.stop()
    again = RunningServer(tmp_path, "--token", TOKEN, "--keep-history", "0")
    try:
        assert again.http.get(f"{API}/history").json()["events"] == []
        YPeer(again, "shared.ipynb").close()
        events = again.http.get(f"{API}/history").json()["events"]
        assert [e["kind"] for e in events] == ["resumed"]
        notebook = again.http.get(f"{API}/history/{events[0]['seq']}").json()["notebook"]
        assert notebook["cells"][0]["source"] == "edited in the first session"
    finally:
        again.stop()
