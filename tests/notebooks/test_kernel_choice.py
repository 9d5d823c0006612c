"""A notebook runs on the kernel its metadata names, in its own folder; anyone on it can
change that kernel for everyone."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.notebooks.ypeer import YPeer, outputs, set_source
from tests.server.conftest import TOKEN, RunningServer, execute_request, receive_until_idle

if TYPE_CHECKING:
    from collections.abc import Iterator

WHERE = "import os, sys\nprint(os.getcwd())\nprint(type(get_ipython().kernel).__module__)"
"""What a cell prints to tell where its kernel runs, and whose kernel it is."""

IPYKERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def notebook(kernelspec: dict[str, str] | None, source: str = WHERE) -> dict[str, Any]:
    metadata: dict[str, Any] = {} if kernelspec is None else {"kernelspec": kernelspec}
    cell: dict[str, Any] = {
        "id": "where",
        "cell_type": "code",
        "metadata": {},
        "source": source,
        "outputs": [],
        "execution_count": None,
    }
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": [cell]}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "project" / "analysis"
    folder.mkdir(parents=True)
    (folder / "data.csv").write_text("a,b\n1,2\n")
    (folder / "on-ipykernel.ipynb").write_text(json.dumps(notebook(IPYKERNEL)))
    (folder / "unnamed.ipynb").write_text(json.dumps(notebook(None)))
    lost = {"name": "no-such-kernel", "display_name": "Gone", "language": "python"}
    (tmp_path / "lost.ipynb").write_text(json.dumps(notebook(lost)))
    return tmp_path


@pytest.fixture
def running(root: Path) -> Iterator[RunningServer]:
    server = RunningServer(root, "--token", TOKEN)
    yield server
    server.stop()


@contextlib.contextmanager
def opened(server: RunningServer, path: str) -> Iterator[YPeer]:
    """A Yjs peer on the notebook, once it has its cells; closed after."""
    peer = YPeer(server, path)
    try:
        peer.until(lambda: "where" in peer.document.cells)
        yield peer
    finally:
        peer.close()


def run_cell(server: RunningServer, path: str, peer: YPeer, cell_id: str = "where") -> str:
    """Run ``cell_id`` of ``path`` through REST; the text it printed, once it has finished."""
    response = server.http.post(f"/api/notebooks/{path}/execute", json={"cells": [cell_id]})
    assert response.status_code == 202, response.text

    def finished() -> bool:
        record = dict(dict(peer.document.cell(cell_id)["metadata"]).get("interlace") or {})
        return "finished" in record

    peer.until(finished, timeout=60)
    return "".join(
        str(o.get("text", "")) if o["output_type"] == "stream" else json.dumps(o)
        for o in outputs(peer, cell_id)
    )


def kernel_of(server: RunningServer, path: str) -> str:
    (session,) = [s for s in server.http.get("/api/sessions").json() if s["path"] == path]
    return str(session["kernel"]["name"])


def kernelspec(peer: YPeer) -> dict[str, Any]:
    return dict(dict(peer.document.meta["metadata"]).get("kernelspec") or {})


def test_a_notebook_runs_on_the_kernel_its_metadata_names_in_its_own_folder(
    running: RunningServer, root: Path
) -> None:
    folder = root.resolve() / "project" / "analysis"
    for name, kernel, module in [
        ("on-ipykernel.ipynb", "python3", "ipykernel.ipkernel"),
        ("unnamed.ipynb", "interlace", "interlace"),
    ]:
        path = f"project/analysis/{name}"
        cwd, implementation = where(running, path)
        assert Path(cwd) == folder
        assert implementation.startswith(module)
        assert kernel_of(running, path) == kernel


def where(server: RunningServer, path: str) -> tuple[str, str]:
    """What the notebook's WHERE cell printed: its kernel's folder, and its kernel's module."""
    with opened(server, path) as peer:
        cwd, implementation = run_cell(server, path, peer).splitlines()[:2]
        return cwd, implementation


def test_a_file_beside_the_notebook_opens_by_its_bare_name(running: RunningServer) -> None:
    path = "project/analysis/unnamed.ipynb"
    with opened(running, path) as peer:
        set_source(peer, "where", "import csv\nprint(list(csv.reader(open('data.csv'))))")
        assert run_cell(running, path, peer) == "[['a', 'b'], ['1', '2']]\n"


def test_changing_the_kernel_moves_everyone_and_replaces_the_running_one(
    running: RunningServer,
) -> None:
    path = "project/analysis/unnamed.ipynb"
    alice, bob = YPeer(running, path), YPeer(running, path)
    try:
        alice.until(lambda: "where" in alice.document.cells)
        set_source(alice, "where", "x = 41\nprint(type(get_ipython().kernel).__module__)")
        assert run_cell(running, path, alice).startswith("interlace")
        alice.ws.send(
            json.dumps({"action": "change_kernel", "kernel_name": "python3", "who": "alice"})
        )
        bob.until(lambda: kernelspec(bob).get("name") == "python3")
        assert kernelspec(bob) == IPYKERNEL
        assert dict(bob.document.meta["metadata"])["language_info"]["name"] == "python"
        bob.until(lambda: kernel_of(running, path) == "python3")
        set_source(bob, "where", "print(type(get_ipython().kernel).__module__)\nx")
        text = run_cell(running, path, bob)
        assert text.startswith("ipykernel.ipkernel")
        assert "NameError" in text  # x went with the kernel it was defined in
        assert [k["name"] for k in running.http.get("/api/kernels").json()] == ["python3"]
        events = running.http.get(f"/api/notebooks/{path}/history").json()["events"]
        changed = [e for e in events if e["kind"] == "kernel_changed"]
        assert [(e["actor"], e["data"]) for e in changed] == [("alice", {"kernel_name": "python3"})]
        assert running.http.post(f"/api/notebooks/{path}/save", json={}).status_code == 204
        saved = json.loads((running.root / path).read_text())
        assert saved["metadata"]["kernelspec"] == IPYKERNEL
    finally:
        alice.close()
        bob.close()


def test_a_kernel_that_is_not_installed_falls_back_and_says_so(running: RunningServer) -> None:
    with opened(running, "lost.ipynb") as peer:
        assert "interlace" in run_cell(running, "lost.ipynb", peer)
        assert peer.document.notice("kernel") == {"wanted": "no-such-kernel", "using": "interlace"}
        assert kernel_of(running, "lost.ipynb") == "interlace"
        response = running.http.post(
            "/api/notebooks/lost.ipynb/change_kernel", json={"kernel_name": "interlace"}
        )
        assert response.status_code == 204
        peer.until(lambda: peer.document.notice("kernel") is None)
        assert kernelspec(peer)["name"] == "interlace"


def test_an_unknown_kernel_is_refused_and_nothing_changes(running: RunningServer) -> None:
    path = "project/analysis/unnamed.ipynb"
    with opened(running, path) as peer:
        for body in ({"kernel_name": "no-such-kernel"}, {"kernel_name": ""}, {}):
            response = running.http.post(f"/api/notebooks/{path}/change_kernel", json=body)
            assert response.status_code == 400, response.text
        assert kernelspec(peer) == {}


def test_kernels_and_sessions_started_by_path_start_in_that_folder(
    running: RunningServer, root: Path
) -> None:
    folder = root.resolve() / "project" / "analysis"
    started = running.http.post("/api/kernels", json={"name": "interlace", "path": "project"})
    session = running.http.post(
        "/api/sessions",
        json={
            "path": "project/analysis/x.ipynb",
            "type": "notebook",
            "kernel": {"name": "python3"},
        },
    )
    escaping = running.http.post("/api/kernels", json={"name": "interlace", "path": "../.."})
    expected = {
        started.json()["id"]: folder.parent,
        session.json()["kernel"]["id"]: folder,
        escaping.json()["id"]: root.resolve(),
    }
    for kernel_id, cwd in expected.items():
        with running.websocket(kernel_id, "&session_id=where") as ws:
            request = execute_request("import os\nprint(os.getcwd())", "where")
            ws.send(json.dumps(request))
            messages = receive_until_idle(ws, request["header"]["msg_id"], timeout=60)
            text = "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream")
            assert Path(text.strip()) == cwd


def test_json_rpc_changes_the_kernel_through_the_same_command(running: RunningServer) -> None:
    path = "project/analysis/unnamed.ipynb"

    def call(**params: Any) -> dict[str, Any]:
        body = {"jsonrpc": "2.0", "id": 1, "method": "notebook_change_kernel", "params": params}
        return dict(running.http.post("/api/rpc", json=body).json())

    with opened(running, path) as peer:
        refused = call(path=path, kernel_name="no-such-kernel")
        assert refused["error"]["code"] == -32010
        assert "no-such-kernel" in refused["error"]["message"]
        assert call(path=path, kernel_name="python3", who="script")["result"] is True
        peer.until(lambda: kernelspec(peer).get("name") == "python3")
        assert run_cell(running, path, peer).splitlines()[1] == "ipykernel.ipkernel"
