"""Server-owned notebooks over the Yjs sync protocol: edits converge, cells run on the server,
outputs survive every client leaving, and a killed server loses no edit."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import nbformat

from tests.notebooks.ypeer import NOTEBOOK, YPeer, outputs
from tests.server.conftest import TOKEN, RunningServer, run_yjs_peers

if TYPE_CHECKING:
    from pathlib import Path


def test_two_peers_see_each_others_edits_and_concurrent_edits_converge(
    notebook_server: RunningServer,
) -> None:
    alice, bob = YPeer(notebook_server, "shared.ipynb"), YPeer(notebook_server, "shared.ipynb")
    try:
        alice.until(lambda: alice.document.cell_ids() == ["first", "second"])
        bob.until(lambda: bob.document.cell_ids() == ["first", "second"])
        alice.document.cell("first")["source"].insert(0, "# alice\n")
        text = bob.document.cell("first")["source"]
        text.insert(len(text), "  # bob")
        bob.document.move_cell("second", 0)
        expected = "# alice\nx = 20  # bob"
        alice.until(lambda: alice.document.source("first") == expected)
        bob.until(lambda: bob.document.source("first") == expected)
        assert alice.document.cell_ids() == bob.document.cell_ids() == ["second", "first"]
    finally:
        alice.close()
        bob.close()


def test_one_runs_cells_and_the_other_sees_outputs_arrive(notebook_server: RunningServer) -> None:
    alice, bob = YPeer(notebook_server, "shared.ipynb"), YPeer(notebook_server, "shared.ipynb")
    try:
        bob.until(lambda: "second" in bob.document.cells)
        response = notebook_server.http.post(
            "/api/notebooks/shared.ipynb/execute",
            json={"cells": ["first", "second"], "who": "alice"},
        )
        assert response.status_code == 202
        bob.until(lambda: len(outputs(bob, "second")) == 2)
        stream, result = outputs(bob, "second")
        assert stream["text"] == "40\n"
        assert result["data"]["text/plain"] == "42"
        bob.until(lambda: bob.document.cell("second").get("execution_count") is not None)
        record = dict(bob.document.cell("second")["metadata"])["interlace"]
        assert record["by"] == "alice"
        assert record["status"] == "ok"
    finally:
        alice.close()
        bob.close()


def test_outputs_written_while_nobody_is_connected_are_there_on_return(
    notebook_server: RunningServer,
) -> None:
    peer = YPeer(notebook_server, "shared.ipynb")
    peer.until(lambda: "first" in peer.document.cells)
    source = peer.document.cell("first")["source"]
    del source[:]
    source.insert(
        0, "import time\nfor i in range(5):\n    print('tick', i, flush=True)\n    time.sleep(0.4)"
    )
    peer.pump()
    notebook_server.http.post("/api/notebooks/shared.ipynb/execute", json={"cells": ["first"]})
    peer.close()
    time.sleep(3)  # the point of the test: the cell runs its 2 s while nobody is connected
    later = YPeer(notebook_server, "shared.ipynb")
    try:
        later.until(lambda: any("tick 4" in o.get("text", "") for o in outputs(later, "first")))
        (stream,) = outputs(later, "first")
        assert stream["text"] == "".join(f"tick {i}\n" for i in range(5))
    finally:
        later.close()


def test_a_killed_server_loses_no_edit_and_the_file_is_valid(tmp_path: Path) -> None:
    (tmp_path / "shared.ipynb").write_text(json.dumps(NOTEBOOK))
    server = RunningServer(tmp_path, "--token", TOKEN)
    peer = YPeer(server, "shared.ipynb")
    try:
        peer.until(lambda: "first" in peer.document.cells)
        new = peer.document.insert_cell(2, "markdown", "kept after a crash")
        peer.pump()
        witness = YPeer(server, "shared.ipynb")
        witness.until(lambda: new in witness.document.cells)
        witness.close()
    finally:
        peer.close()
        server.kill()
    restarted = RunningServer(tmp_path, "--token", TOKEN)
    again = YPeer(restarted, "shared.ipynb")
    try:
        again.until(lambda: new in again.document.cells)
        assert again.document.source(new) == "kept after a crash"
        assert restarted.http.post("/api/notebooks/shared.ipynb/save").status_code == 204
        saved = nbformat.read(str(tmp_path / "shared.ipynb"), as_version=4)
        nbformat.validate(saved)
        assert [c.id for c in saved.cells] == ["first", "second", new]
    finally:
        again.close()
        restarted.stop()


def test_stock_yjs_websocket_providers_edit_together(notebook_server: RunningServer) -> None:
    """y-websocket, the provider every Yjs app uses, unmodified, on our endpoint."""
    outcome = run_yjs_peers(notebook_server, "peers.js", "shared.ipynb", "first")
    assert outcome["alice"] == outcome["bob"] == "# alice\nx = 20  # bob"
    assert outcome["cells"] == ["first", "second"]
    peer = YPeer(notebook_server, "shared.ipynb")
    try:
        peer.until(lambda: peer.document.source("first") == "# alice\nx = 20  # bob")
    finally:
        peer.close()


def test_cells_run_over_the_websocket_and_a_dying_kernel_marks_its_cell(
    notebook_server: RunningServer,
) -> None:
    peer = YPeer(notebook_server, "shared.ipynb")
    try:
        peer.until(lambda: "first" in peer.document.cells)
        peer.ws.send(json.dumps({"action": "teleport"}))
        peer.until(lambda: peer.notices == [{"error": "unknown action 'teleport'"}])
        source = peer.document.cell("first")["source"]
        del source[:]
        source.insert(0, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
        peer.pump()
        peer.ws.send(json.dumps({"action": "execute", "cells": ["first"], "who": "bob"}))
        peer.until(lambda: [o.get("ename") for o in outputs(peer, "first")] == ["KernelDied"])
        assert "SIGKILL" in outputs(peer, "first")[0]["evalue"]
        peer.ws.send(json.dumps({"action": "execute", "cells": ["second"]}))
        peer.until(lambda: len(outputs(peer, "second")) == 1)
        assert outputs(peer, "second")[0]["ename"] == "NameError"
    finally:
        peer.close()


def test_a_million_lines_keep_a_bounded_tail_and_the_whole_text_is_kept(
    notebook_server: RunningServer,
) -> None:
    peer = YPeer(notebook_server, "shared.ipynb")
    try:
        peer.until(lambda: "first" in peer.document.cells)
        source = peer.document.cell("first")["source"]
        del source[:]
        source.insert(0, "for i in range(1_000_000):\n    print(i)")
        peer.pump()
        notebook_server.http.post("/api/notebooks/shared.ipynb/execute", json={"cells": ["first"]})
        peer.until(lambda: peer.document.cell("first").get("execution_count") is not None, 120)
        (stream,) = outputs(peer, "first")
        assert len(stream["text"]) <= 200_000
        assert stream["text"].endswith("999998\n999999\n")
        link = stream["metadata"]["interlace_full_output"]
        assert stream["metadata"]["interlace_dropped"] > 0
        whole = notebook_server.http.get(link).text
        assert whole.count("\n") == 1_000_000
        assert whole.startswith("0\n1\n2\n")
    finally:
        peer.close()
