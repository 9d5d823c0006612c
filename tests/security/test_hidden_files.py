"""The server's own state and dotfiles, through the contents API and /files/.

The attack: ``.interlace/`` (history, trust, spilled outputs) and dotfiles were
readable and writable through ``/api/contents`` and ``/files/``: a client could
mark notebooks trusted by writing ``.interlace/trusted.json``, or read
``~/.ssh`` under a root in the home directory. Now hidden paths are 404 to get,
list, save, rename, delete and copy, and skipped in listings, as
jupyter_server's ``ContentsManager.allow_hidden = False`` does (it answers
writes 400, and does not look through symbolic links); ``--allow-hidden`` shows
them, but never ``.interlace/``. Long outputs spilled there have a read-only
route of their own: ``GET /api/notebooks/{path}/outputs/{cell}-{stream}.txt``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from interlace.notebooks._files import FileSpill
from tests.server.conftest import TOKEN, RunningServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

TEXT = {"type": "file", "format": "text", "content": "planted"}


def plant(root: Path) -> None:
    (root / ".secret").write_text("ssh key")
    (root / ".config").mkdir()
    (root / ".config" / "x.txt").write_text("hidden")
    (root / "visible.txt").write_text("shown")
    (root / "link.txt").symlink_to(".secret")
    (root / "state").symlink_to(".interlace")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("root")
    plant(root)
    running = RunningServer(root, "--token", TOKEN)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def showing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("root")
    plant(root)
    running = RunningServer(root, "--token", TOKEN, "--allow-hidden")
    yield running
    running.stop()


def listed(server: RunningServer) -> set[str]:
    return {entry["name"] for entry in server.http.get("/api/contents").json()["content"]}


STATE = (".interlace/recordings.sqlite", ".interlace/trusted.json", "state/recordings.sqlite")


def test_hidden_files_and_the_servers_state_cannot_be_read(server: RunningServer) -> None:
    assert (server.root / ".interlace" / "recordings.sqlite").exists()
    assert listed(server) == {"visible.txt"}
    http = server.http
    for path in (".secret", ".config", ".config/x.txt", "link.txt", ".interlace", *STATE):
        assert http.get(f"/api/contents/{path}").status_code == 404, path
        assert http.get(f"/files/{path}").status_code == 404, path
    assert http.get("/api/contents/visible.txt").json()["content"] == "shown"


def test_hidden_files_and_the_servers_state_cannot_be_written(server: RunningServer) -> None:
    http, root = server.http, server.root
    trusted = {**TEXT, "content": json.dumps(["evil.ipynb"])}
    assert http.put("/api/contents/.interlace/trusted.json", json=trusted).status_code == 404
    assert not (root / ".interlace" / "trusted.json").exists()
    assert http.put("/api/contents/.bashrc", json=TEXT).status_code == 404
    assert http.put("/api/contents/.config/x.txt", json=TEXT).status_code == 404
    assert http.patch("/api/contents/visible.txt", json={"path": ".profile"}).status_code == 404
    assert http.patch("/api/contents/.secret", json={"path": "out.txt"}).status_code == 404
    assert http.delete("/api/contents/.secret").status_code == 404
    assert http.delete("/api/contents/.interlace/recordings.sqlite").status_code == 404
    assert http.post("/api/contents", json={"copy_from": ".secret"}).status_code == 404
    assert http.post("/api/contents/.config", json={"type": "file"}).status_code == 404
    assert not (root / ".bashrc").exists()
    assert not (root / ".profile").exists()
    assert (root / ".secret").read_text() == "ssh key"
    assert (root / ".config" / "x.txt").read_text() == "hidden"
    assert http.post("/api/contents/visible.txt/checkpoints").status_code == 201


def test_notebook_urls_of_hidden_paths_are_refused(server: RunningServer) -> None:
    assert server.http.get("/api/notebooks/.config/n.ipynb/trust").status_code == 404
    assert server.http.get("/api/notebooks/.interlace/n.ipynb/history").status_code == 404
    url = f"ws://127.0.0.1:{server.port}/api/collab/.interlace/n.ipynb?token={TOKEN}"
    with pytest.raises((InvalidStatus, ConnectionClosed)), connect(url, open_timeout=10) as ws:
        ws.recv(timeout=10)


def test_allow_hidden_shows_dotfiles_but_never_the_servers_state(showing: RunningServer) -> None:
    http = showing.http
    assert listed(showing) == {".config", ".secret", "link.txt", "visible.txt"}
    assert http.get("/api/contents/.secret").json()["content"] == "ssh key"
    assert http.get("/files/link.txt").text == "ssh key"
    assert http.put("/api/contents/.bashrc", json=TEXT).status_code == 201
    for path in (".interlace", *STATE):
        assert http.get(f"/api/contents/{path}").status_code == 404, path
        assert http.get(f"/files/{path}").status_code == 404, path
        assert http.put(f"/api/contents/{path}", json=TEXT).status_code == 404, path
    assert http.get("/api/notebooks/.config/n.ipynb/history").status_code != 404


def test_spilled_outputs_have_their_own_read_only_route(server: RunningServer) -> None:
    spilled = FileSpill(server.root, "sub/n.ipynb").append("c1", "stdout", "line\n" * 1000)
    name = spilled.rpartition("/")[2]  # the file FileSpill wrote (the link will be ours)
    http = server.http
    route = "/api/notebooks/sub/n.ipynb/outputs"
    whole = http.get(f"{route}/{name}")
    assert whole.status_code == 200
    assert whole.text == "line\n" * 1000
    assert whole.headers["content-type"] == "text/plain; charset=utf-8"
    assert whole.headers["x-content-type-options"] == "nosniff"
    assert http.put(f"{route}/{name}", json=TEXT).status_code == 405
    other = name.replace("stdout", "stderr")
    for refused in (other, "..", "recordings.sqlite", f".{name}", "x-stdout.txt"):
        assert http.get(f"{route}/{refused}").status_code == 404, refused
    assert http.get(f"/api/notebooks/sub/other.ipynb/outputs/{name}").status_code == 404
    hidden = FileSpill(server.root, ".config/n.ipynb").append("c1", "stdout", "hidden notebook")
    url = f"/api/notebooks/.config/n.ipynb/outputs/{hidden.rpartition('/')[2]}"
    assert http.get(url).status_code == 404
