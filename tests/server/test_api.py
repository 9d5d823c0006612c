"""The REST API: same paths and JSON shapes as Jupyter Server."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.server.conftest import RunningServer


def test_version_status_and_kernelspecs(server: RunningServer) -> None:
    assert "version" in server.http.get("/api").json()
    status = server.http.get("/api/status").json()
    assert set(status) == {"started", "last_activity", "connections", "kernels"}
    specs = server.http.get("/api/kernelspecs").json()
    assert specs["default"] == "interlace"
    assert {"interlace", "python3"} <= set(specs["kernelspecs"])
    assert specs["kernelspecs"]["python3"]["spec"]["language"] == "python"
    one = server.http.get("/api/kernelspecs/interlace").json()
    assert one["spec"]["display_name"] == "Python 3 (interlace)"
    assert server.http.get("/api/kernelspecs/nope").status_code == 404


def test_kernel_lifecycle(server: RunningServer) -> None:
    kernel_id = server.start_kernel()
    model = server.http.get(f"/api/kernels/{kernel_id}").json()
    assert model["id"] == kernel_id
    assert model["name"] == "interlace"
    assert set(model) >= {"last_activity", "execution_state", "connections"}
    assert kernel_id in [k["id"] for k in server.http.get("/api/kernels").json()]
    assert server.http.post(f"/api/kernels/{kernel_id}/interrupt").status_code == 204
    assert server.http.post(f"/api/kernels/{kernel_id}/restart").json()["id"] == kernel_id
    assert server.http.delete(f"/api/kernels/{kernel_id}").status_code == 204
    assert server.http.get(f"/api/kernels/{kernel_id}").status_code == 404
    assert server.http.post("/api/kernels", json={"name": "nope"}).status_code == 404


def test_sessions_bind_a_path_to_a_kernel(server: RunningServer) -> None:
    body = {
        "path": "work/a.ipynb",
        "name": "a.ipynb",
        "type": "notebook",
        "kernel": {"name": "interlace"},
    }
    created = server.http.post("/api/sessions", json=body)
    assert created.status_code == 201
    session = created.json()
    assert session["kernel"]["name"] == "interlace"
    assert session["notebook"] == {"path": "work/a.ipynb", "name": "a.ipynb"}
    again = server.http.post("/api/sessions", json=body).json()
    assert again["id"] == session["id"]
    renamed = server.http.patch(
        f"/api/sessions/{session['id']}", json={"path": "work/b.ipynb"}
    ).json()
    assert renamed["path"] == "work/b.ipynb"
    assert session["id"] in [s["id"] for s in server.http.get("/api/sessions").json()]
    assert server.http.delete(f"/api/sessions/{session['id']}").status_code == 204
    assert server.http.get(f"/api/kernels/{session['kernel']['id']}").status_code == 404
    assert server.http.get(f"/api/sessions/{session['id']}").status_code == 404


NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "source": "1+1",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
        }
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_contents_files_notebooks_and_directories(server: RunningServer) -> None:
    http = server.http
    folder = http.post("/api/contents", json={"type": "directory"}).json()
    assert folder["type"] == "directory"
    base = folder["path"]
    untitled = http.post(f"/api/contents/{base}", json={"type": "notebook"})
    assert untitled.status_code == 201
    assert untitled.json()["name"] == "Untitled.ipynb"
    saved = http.put(
        f"/api/contents/{base}/nb.ipynb", json={"type": "notebook", "content": NOTEBOOK}
    )
    assert saved.status_code == 201
    model = http.get(f"/api/contents/{base}/nb.ipynb").json()
    assert model["type"] == "notebook"
    assert model["content"]["cells"][0]["source"] == "1+1"
    assert (
        http.get(f"/api/contents/{base}/nb.ipynb", params={"content": "0"}).json()["content"]
        is None
    )
    text = http.put(
        f"/api/contents/{base}/t.txt", json={"type": "file", "format": "text", "content": "hé"}
    )
    assert text.status_code == 201
    assert http.get(f"/api/contents/{base}/t.txt").json()["content"] == "hé"
    listing = http.get(f"/api/contents/{base}").json()
    assert sorted(e["name"] for e in listing["content"]) == ["Untitled.ipynb", "nb.ipynb", "t.txt"]
    renamed = http.patch(f"/api/contents/{base}/t.txt", json={"path": f"{base}/u.txt"})
    assert renamed.json()["path"] == f"{base}/u.txt"
    copy = http.post(f"/api/contents/{base}", json={"copy_from": f"{base}/nb.ipynb"}).json()
    assert copy["name"] == "nb-Copy1.ipynb"
    assert http.delete(f"/api/contents/{base}/u.txt").status_code == 204
    assert http.get(f"/api/contents/{base}/u.txt").status_code == 404


def test_checkpoints_restore_a_saved_state(server: RunningServer) -> None:
    http = server.http
    http.put("/api/contents/cp.ipynb", json={"type": "notebook", "content": NOTEBOOK})
    checkpoint = http.post("/api/contents/cp.ipynb/checkpoints")
    assert checkpoint.status_code == 201
    assert checkpoint.json()["id"] == "checkpoint"
    changed = json.loads(json.dumps(NOTEBOOK))
    changed["cells"][0]["source"] = "changed"
    http.put("/api/contents/cp.ipynb", json={"type": "notebook", "content": changed})
    assert [c["id"] for c in http.get("/api/contents/cp.ipynb/checkpoints").json()] == [
        "checkpoint"
    ]
    assert http.post("/api/contents/cp.ipynb/checkpoints/checkpoint").status_code == 204
    assert http.get("/api/contents/cp.ipynb").json()["content"]["cells"][0]["source"] == "1+1"
    assert http.delete("/api/contents/cp.ipynb/checkpoints/checkpoint").status_code == 204
    assert http.get("/api/contents/cp.ipynb/checkpoints").json() == []


def test_invalid_notebooks_and_escaping_paths_are_refused(server: RunningServer) -> None:
    http = server.http
    bad = http.put("/api/contents/bad.ipynb", json={"type": "notebook", "content": {"cells": 3}})
    assert bad.status_code == 400
    assert "nbformat" in bad.json()["message"]
    assert not (server.root / "bad.ipynb").exists()
    for path in ("../outside.txt", "%2e%2e/outside.txt", "a/../../outside.txt"):
        response = http.put(
            f"/api/contents/{path}", json={"type": "file", "format": "text", "content": "x"}
        )
        assert response.status_code in (400, 404), path
    assert not (server.root.parent / "outside.txt").exists()
    assert http.put("/api/contents/x.txt", content=b"{not json").status_code == 400


def test_saves_are_atomic(server: RunningServer) -> None:
    http = server.http
    big = "x" * 2_000_000
    http.put("/api/contents/big.txt", json={"type": "file", "format": "text", "content": big})
    assert (server.root / "big.txt").read_text() == big
    leftovers = [p.name for p in server.root.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
