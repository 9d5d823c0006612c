"""What the notebook page asks of a server-owned notebook besides edits: completion,
inspection, input(), the kernel's state, trust, and the raw files and pages around it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.notebooks.ypeer import YPeer, outputs, set_source
from tests.server.conftest import TOKEN

if TYPE_CHECKING:
    from tests.server.conftest import RunningServer

API = "/api/notebooks/shared.ipynb"


def kernel_state(peer: YPeer) -> str | None:
    state = peer.document.kernel.get("state")
    return None if state is None else str(state)


def test_completion_and_inspection_come_from_the_notebooks_kernel(
    notebook_server: RunningServer,
) -> None:
    http = notebook_server.http
    peer = YPeer(notebook_server, "shared.ipynb")
    try:
        peer.until(lambda: kernel_state(peer) == "none")
        http.post(f"{API}/execute", json={"cells": ["first"]})
        peer.until(lambda: peer.document.cell("first").get("execution_count") is not None)
        assert kernel_state(peer) == "idle"
        reply = http.post(f"{API}/complete", json={"code": "import os\nos.pa", "cursor_pos": 15})
        assert reply.status_code == 200
        matches = reply.json()["matches"]
        assert "os.path" in matches or "path" in matches
        assert reply.json()["cursor_end"] == 15
        inspected = http.post(f"{API}/inspect", json={"code": "x", "cursor_pos": 1}).json()
        assert inspected["found"] is True
        assert "20" in inspected["data"]["text/plain"]  # x = 20 ran in this kernel
        bad = http.post(f"{API}/complete", json={"code": "x", "cursor_pos": 9})
        assert bad.status_code == 400
    finally:
        peer.close()


def test_input_is_asked_in_the_document_and_answered_over_rest(
    notebook_server: RunningServer,
) -> None:
    http = notebook_server.http
    peer = YPeer(notebook_server, "shared.ipynb")
    try:
        peer.until(lambda: "first" in peer.document.cells)
        assert http.post(f"{API}/input", json={"value": "early"}).status_code == 409
        set_source(peer, "first", "name = input('Who? ')\nprint('hello', name)")
        http.post(f"{API}/execute", json={"cells": ["first"]})
        peer.until(lambda: peer.document.kernel.get("input") is not None)
        assert dict(peer.document.kernel["input"]) == {
            "cell_id": "first",
            "prompt": "Who? ",
            "password": False,
        }
        assert kernel_state(peer) == "busy"
        assert http.post(f"{API}/input", json={"value": 3}).status_code == 400
        assert http.post(f"{API}/input", json={"value": "Ada"}).status_code == 204
        peer.until(lambda: any("hello Ada" in o.get("text", "") for o in outputs(peer, "first")))
        peer.until(lambda: peer.document.kernel.get("input") is None)
        assert kernel_state(peer) == "idle"
    finally:
        peer.close()


def test_a_notebook_is_trusted_only_when_its_owner_says_so(
    notebook_server: RunningServer,
) -> None:
    http = notebook_server.http
    assert http.get(f"{API}/trust").json() == {"trusted": False}
    assert http.post(f"{API}/trust", json={"trusted": True}).json() == {"trusted": True}
    assert http.get(f"{API}/trust").json() == {"trusted": True}
    assert not (notebook_server.root / ".interlace" / "trusted.json").exists()  # kept elsewhere
    assert http.get("/api/notebooks/missing.ipynb/trust").status_code == 404


def test_raw_files_pages_and_a_name_to_start_with(notebook_server: RunningServer) -> None:
    http = notebook_server.http
    (notebook_server.root / "data.csv").write_text("a,b\n1,2\n")
    inline = http.get("/files/data.csv")
    assert inline.text == "a,b\n1,2\n"
    attached = http.get("/files/data.csv", params={"download": "1"})
    assert attached.headers["content-disposition"].startswith("attachment")
    assert http.get("/files/../etc/passwd").status_code == 404
    assert http.get("/files/nowhere.txt").status_code == 404
    me = http.get("/api/me").json()
    assert me["name"].startswith("Guest ")
    assert me["color"].startswith("#")
    assert http.get("/", params={"token": TOKEN}).status_code in (302, 303)
    page = http.get("/notebooks/shared.ipynb")  # the app, built when interlace was installed
    assert page.status_code == 200
    assert '<script type="module"' in page.text
    assert "/static/assets/" in page.text
