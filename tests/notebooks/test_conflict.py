"""A file changed on disk while the notebook had unsaved changes: both kept, shown, chosen.

JupyterLab asks "overwrite or revert?" when its save finds the file changed on
disk; ours tells everyone on the notebook at once, shows what differs cell by
cell, saves nothing meanwhile, and keeps the version not chosen: the file's as
a copy beside it, the document's in its history.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import nbformat
import pytest

from tests.notebooks.ypeer import NOTEBOOK, YPeer, set_source
from tests.server.conftest import TOKEN, RunningServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def slow_saving_server(tmp_path: Path) -> Iterator[RunningServer]:
    """A server that saves a minute after the last change: an edit stays unsaved."""
    (tmp_path / "shared.ipynb").write_text(json.dumps(NOTEBOOK))
    server = RunningServer(tmp_path, "--token", TOKEN, "--autosave-delay", "60")
    yield server
    server.stop()


def pulled(source: str) -> dict[str, Any]:
    """The notebook as another program (a ``git pull``) leaves it."""
    changed = json.loads(json.dumps(NOTEBOOK))
    changed["cells"][1]["source"] = source
    changed["cells"].append(
        {"id": "pulled", "cell_type": "markdown", "metadata": {}, "source": "from git"}
    )
    return changed


def conflicting(server: RunningServer) -> tuple[YPeer, YPeer]:
    """Two peers on a notebook whose file changed while one of them had typed."""
    alice, bob = YPeer(server, "shared.ipynb"), YPeer(server, "shared.ipynb")
    alice.until(lambda: "first" in alice.document.cells)
    bob.until(lambda: "first" in bob.document.cells)
    set_source(alice, "first", "x = 21  # alice, unsaved")
    bob.until(lambda: bob.document.source("first") == "x = 21  # alice, unsaved")
    (server.root / "shared.ipynb").write_text(json.dumps(pulled("print(x)  # from git")))
    bob.until(lambda: bob.document.notice("conflict") is not None)
    return alice, bob


def test_both_changes_are_kept_and_shown_to_everyone(slow_saving_server: RunningServer) -> None:
    server = slow_saving_server
    alice, bob = conflicting(server)
    target = server.root / "shared.ipynb"
    alice.until(lambda: alice.document.notice("conflict") is not None)
    assert "since" in alice.document.notice("conflict")
    save = server.http.post("/api/notebooks/shared.ipynb/save")
    assert save.status_code == 409
    assert "changed on disk" in save.json()["message"]
    assert json.loads(target.read_text()) == pulled("print(x)  # from git")
    assert bob.document.source("first") == "x = 21  # alice, unsaved"  # nothing replaced

    found = server.http.get("/api/notebooks/shared.ipynb/conflict").json()["conflict"]
    by_cell = {cell["id"]: cell for cell in found["cells"]}
    assert set(by_cell) == {"first", "second", "pulled"}
    assert by_cell["first"]["change"] == "changed"
    assert "-x = 20" in by_cell["first"]["diff"]
    assert "+x = 21  # alice, unsaved" in by_cell["first"]["diff"]
    assert by_cell["second"]["change"] == "changed"
    assert by_cell["pulled"]["change"] == "only on disk"
    assert found["order_differs"] is False
    alice.close()
    bob.close()


def test_keeping_the_shared_version_keeps_the_files_beside_it(
    slow_saving_server: RunningServer,
) -> None:
    server = slow_saving_server
    alice, bob = conflicting(server)
    reply = server.http.post("/api/notebooks/shared.ipynb/resolve", json={"keep": "shared"})
    assert reply.status_code == 200, reply.text
    copy = reply.json()["kept_copy"]
    assert copy.startswith("shared.on-disk-")
    assert json.loads((server.root / copy).read_text()) == pulled("print(x)  # from git")
    saved = nbformat.read(str(server.root / "shared.ipynb"), as_version=4)
    nbformat.validate(saved)
    assert [c.source for c in saved.cells] == ["x = 21  # alice, unsaved", "print(x * 2)\nx + 22"]
    bob.until(lambda: bob.document.notice("conflict") is None)
    assert server.http.get("/api/notebooks/shared.ipynb/conflict").json() == {"conflict": None}
    set_source(alice, "second", "saved again")  # and saving goes on as before
    assert server.http.post("/api/notebooks/shared.ipynb/save").status_code == 204
    history = server.http.get("/api/notebooks/shared.ipynb/history").json()["events"]
    kinds = [(e["kind"], e["actor"]) for e in history]
    assert ("conflict", "disk") in kinds
    assert ("resolved", "rest") in kinds
    alice.close()
    bob.close()


def test_keeping_the_file_loads_it_for_everyone(slow_saving_server: RunningServer) -> None:
    server = slow_saving_server
    alice, bob = conflicting(server)
    alice.ws.send(json.dumps({"action": "resolve", "keep": "file", "id": 7, "who": "alice"}))
    alice.until(lambda: any(r.get("id") == 7 for r in alice.replies))
    assert next(r for r in alice.replies if r.get("id") == 7)["ok"] is True
    expected = ["x = 20", "print(x)  # from git", "from git"]
    bob.until(lambda: [c["source"] for c in bob.document.to_notebook()["cells"]] == expected)
    assert bob.document.notice("conflict") is None
    assert not list(server.root.glob("*.on-disk-*"))
    alice.close()
    bob.close()


def test_json_rpc_resolves_a_conflict_too(slow_saving_server: RunningServer) -> None:
    server = slow_saving_server
    alice, bob = conflicting(server)
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "notebook_resolve",
        "params": {"path": "shared.ipynb", "keep": "shared", "who": "agent"},
    }
    answer = server.http.post("/api/rpc", json=body).json()
    assert answer["result"]["kept_copy"].startswith("shared.on-disk-")
    bob.until(lambda: bob.document.notice("conflict") is None)
    alice.close()
    bob.close()


def test_a_file_put_back_as_it_was_ends_the_conflict(slow_saving_server: RunningServer) -> None:
    server = slow_saving_server
    alice, bob = conflicting(server)
    # What the server last knew the file to hold (it read it at open): no conflict left.
    (server.root / "shared.ipynb").write_text(json.dumps(NOTEBOOK))
    bob.until(lambda: bob.document.notice("conflict") is None)
    alice.close()
    bob.close()


def test_resolving_without_a_conflict_is_refused(notebook_server: RunningServer) -> None:
    reply = notebook_server.http.post("/api/notebooks/shared.ipynb/resolve", json={"keep": "file"})
    assert reply.status_code == 400
    assert "no conflict" in reply.json()["message"]
    bad = notebook_server.http.post("/api/notebooks/shared.ipynb/resolve", json={"keep": "mine"})
    assert bad.status_code == 400


def test_unsaved_changes_from_before_a_crash_meet_a_changed_file_as_a_conflict(
    tmp_path: Path,
) -> None:
    (tmp_path / "shared.ipynb").write_text(json.dumps(NOTEBOOK))
    server = RunningServer(tmp_path, "--token", TOKEN, "--autosave-delay", "60")
    peer = YPeer(server, "shared.ipynb")
    peer.until(lambda: "first" in peer.document.cells)
    set_source(peer, "first", "typed just before the crash")
    witness = YPeer(server, "shared.ipynb")
    witness.until(lambda: witness.document.source("first") == "typed just before the crash")
    witness.close()
    peer.close()
    server.kill()  # the edit is in the log, not in the file
    (tmp_path / "shared.ipynb").write_text(json.dumps(pulled("from git, meanwhile")))
    server = RunningServer(tmp_path, "--token", TOKEN)
    try:
        again = YPeer(server, "shared.ipynb")
        again.until(lambda: again.document.notice("conflict") is not None)
        assert again.document.source("first") == "typed just before the crash"
        found = server.http.get("/api/notebooks/shared.ipynb/conflict").json()["conflict"]
        assert {cell["id"] for cell in found["cells"]} == {"first", "second", "pulled"}
        again.close()
    finally:
        server.stop()
