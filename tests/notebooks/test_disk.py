"""The file on disk is the truth when it changed outside the server; deletes and renames
through the API close the notebook, and nothing is resurrected from the log."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

from tests.notebooks.ypeer import NOTEBOOK, YPeer, set_source
from tests.server.conftest import TOKEN, RunningServer

if TYPE_CHECKING:
    from pathlib import Path


def _edit_and_stop(root: Path, text: str) -> None:
    """A session that edits the first cell, saves, and ends."""
    server = RunningServer(root, "--token", TOKEN)
    peer = YPeer(server, "shared.ipynb")
    try:
        peer.until(lambda: "first" in peer.document.cells)
        set_source(peer, "first", text)
        assert server.http.post("/api/notebooks/shared.ipynb/save").status_code == 204
    finally:
        peer.close()
        server.stop()


def _notebook_with(source: str, cell_id: str = "first") -> dict[str, Any]:
    notebook: dict[str, Any] = json.loads(json.dumps(NOTEBOOK))
    notebook["cells"] = [{**notebook["cells"][0], "id": cell_id, "source": source}]
    return notebook


def test_a_file_changed_while_the_server_was_down_wins(tmp_path: Path) -> None:
    (tmp_path / "shared.ipynb").write_text(json.dumps(NOTEBOOK))
    _edit_and_stop(tmp_path, "edited in the server")
    (tmp_path / "shared.ipynb").write_text(json.dumps(_notebook_with("pulled from git")))
    server = RunningServer(tmp_path, "--token", TOKEN)
    peer = YPeer(server, "shared.ipynb")
    try:
        peer.until(lambda: "first" in peer.document.cells)
        assert peer.document.source("first") == "pulled from git"
        assert peer.document.cell_ids() == ["first"]
        events = server.http.get("/api/notebooks/shared.ipynb/history").json()["events"]
        assert ("external", "disk") in {(e["kind"], e["actor"]) for e in events}
    finally:
        peer.close()
        server.stop()


def test_an_unchanged_file_keeps_what_the_log_holds(tmp_path: Path) -> None:
    (tmp_path / "shared.ipynb").write_text(json.dumps(NOTEBOOK))
    _edit_and_stop(tmp_path, "edited in the server")
    server = RunningServer(tmp_path, "--token", TOKEN)
    peer = YPeer(server, "shared.ipynb")
    try:
        peer.until(lambda: "first" in peer.document.cells)
        assert peer.document.source("first") == "edited in the server"
        events = server.http.get("/api/notebooks/shared.ipynb/history").json()["events"]
        assert "external" not in {e["kind"] for e in events}
    finally:
        peer.close()
        server.stop()


def test_a_new_notebook_under_an_old_name_shows_its_own_content(tmp_path: Path) -> None:
    (tmp_path / "shared.ipynb").write_text(json.dumps(NOTEBOOK))
    _edit_and_stop(tmp_path, "the old notebook")
    (tmp_path / "shared.ipynb").unlink()
    with RunningServer(tmp_path, "--token", TOKEN) as server:
        assert server.http.post("/api/notebooks/shared.ipynb/save").status_code == 404
    (tmp_path / "shared.ipynb").write_text(json.dumps(_notebook_with("a new one", "fresh")))
    with RunningServer(tmp_path, "--token", TOKEN) as server:
        peer = YPeer(server, "shared.ipynb")
        try:
            peer.until(lambda: "fresh" in peer.document.cells)
            assert peer.document.cell_ids() == ["fresh"]
            assert peer.document.source("fresh") == "a new one"
        finally:
            peer.close()


def _wait_for_first(peer: YPeer) -> None:
    peer.until(lambda: "first" in peer.document.cells)


def test_deleting_or_renaming_an_open_notebook_closes_it(notebook_server: RunningServer) -> None:
    http, root = notebook_server.http, notebook_server.root
    (root / "other.ipynb").write_text(json.dumps(NOTEBOOK))
    for path in ("shared.ipynb", "other.ipynb"):
        peer = YPeer(notebook_server, path)
        _wait_for_first(peer)
        set_source(peer, "first", "typed before")
        peer.close()
    assert http.delete("/api/contents/shared.ipynb").status_code == 204
    moved = http.patch("/api/contents/other.ipynb", json={"path": "moved.ipynb"})
    assert moved.status_code == 200
    assert http.post("/api/notebooks/shared.ipynb/save").status_code == 404
    assert http.post("/api/notebooks/other.ipynb/save").status_code == 404
    assert not (root / "shared.ipynb").exists()  # not re-created by a save
    assert not (root / "other.ipynb").exists()
    peer = YPeer(notebook_server, "moved.ipynb")
    try:
        peer.until(lambda: "first" in peer.document.cells)
    finally:
        peer.close()


def test_a_file_changed_while_open_is_loaded_for_everyone_and_not_trusted(
    notebook_server: RunningServer,
) -> None:
    http, target = notebook_server.http, notebook_server.root / "shared.ipynb"
    peer = YPeer(notebook_server, "shared.ipynb")
    try:
        _wait_for_first(peer)
        # Content of this test's own: trust is by content, in the user's store for the run.
        set_source(peer, "first", "trusted in the disk test")
        assert http.post("/api/notebooks/shared.ipynb/trust", json={"trusted": True}).json()
        assert http.post("/api/notebooks/shared.ipynb/save").status_code == 204
        target.write_text(json.dumps(_notebook_with("after a git pull")))
        peer.until(lambda: peer.document.source("first") == "after a git pull")
        trust = http.get("/api/notebooks/shared.ipynb/trust").json()
        assert trust == {"trusted": False}
        assert peer.document.notice("conflict") is None
    finally:
        peer.close()


def test_temporaries_of_saves_a_crash_interrupted_are_removed_at_start(tmp_path: Path) -> None:
    dead_pid = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                                  capture_output=True, text=True, check=True).stdout)  # fmt: skip
    folder = tmp_path / "project" / "analysis"
    folder.mkdir(parents=True)
    stale = folder / f".results.ipynb.{dead_pid}.tmp"
    stale.write_text('{"cells": [')
    server = RunningServer(tmp_path, "--token", TOKEN)
    try:
        deadline = time.monotonic() + 30
        while stale.exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # the sweep runs beside the server, off its event loop
        assert not stale.exists()
    finally:
        server.stop()
