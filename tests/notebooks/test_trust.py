"""Trust is a signature of a notebook's content with the user's secret, kept outside the root:
no directory brings its own, another program's change withdraws it, our own edits keep it."""

from __future__ import annotations

import copy
import json
import shutil
import sqlite3
import stat
import time
from typing import TYPE_CHECKING, Any

import pytest

from interlace.notebooks import Notary
from tests.notebooks.ypeer import NOTEBOOK, YPeer, outputs, set_source
from tests.server.conftest import TOKEN, RunningServer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

TRUST = "/api/notebooks/shared.ipynb/trust"


@pytest.fixture
def trust_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's data directory for the servers this test starts (they inherit it)."""
    folder = tmp_path / "user-data"
    monkeypatch.setenv("INTERLACE_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def serve(trust_dir: Path) -> Iterator[Callable[[Path], RunningServer]]:
    """Start a server on a root; every one started is stopped at the end."""
    running: list[RunningServer] = []

    def start(root: Path) -> RunningServer:
        running.append(RunningServer(root, "--token", TOKEN))
        return running[-1]

    yield start
    for server in running:
        server.stop()


def a_root(folder: Path, notebook: dict[str, object] = NOTEBOOK) -> Path:
    folder.mkdir()
    (folder / "shared.ipynb").write_text(json.dumps(notebook))
    return folder


def trusted(server: RunningServer) -> bool:
    answer = server.http.get(TRUST)
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["trusted"])


def saved_source(root: Path, cell: int) -> str:
    source = json.loads((root / "shared.ipynb").read_text())["cells"][cell]["source"]
    return "".join(source) if isinstance(source, list) else str(source)


def until(check: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.1)


def test_a_directory_that_ships_trust_is_not_trusted(
    tmp_path: Path, serve: Callable[[Path], RunningServer]
) -> None:
    root = a_root(tmp_path / "shipped")
    (root / ".interlace").mkdir()
    (root / ".interlace" / "trusted.json").write_text(json.dumps(["shared.ipynb"]))
    server = serve(root)
    assert not trusted(server)
    assert server.http.post(TRUST, json={"trusted": "yes"}).status_code == 400
    assert not trusted(server)


def test_trust_follows_the_content_and_not_the_path(
    tmp_path: Path, serve: Callable[[Path], RunningServer]
) -> None:
    root = a_root(tmp_path / "root")
    server = serve(root)
    assert not trusted(server)
    assert server.http.post(TRUST, json={"trusted": True}).json() == {"trusted": True}
    assert trusted(server)
    server.http.post("/api/notebooks/shared.ipynb/save", json={}).raise_for_status()
    signed = (root / "shared.ipynb").read_text()
    changed = json.loads(signed)
    changed["cells"][0]["outputs"] = [
        {"output_type": "display_data", "metadata": {}, "data": {"text/html": "<script>1</script>"}}
    ]
    (root / "shared.ipynb").write_text(json.dumps(changed))  # another program
    assert not trusted(server)
    assert server.http.post(TRUST, json={"trusted": True}).json() == {"trusted": True}
    assert trusted(server)  # what the page shows was trusted again, knowingly
    assert server.http.post(TRUST, json={"trusted": False}).json() == {"trusted": False}
    assert not trusted(server)
    assert server.http.post(TRUST, json={"trusted": True}).json() == {"trusted": True}
    server.stop()

    # A copy of the signed content is trusted wherever it is; the changed one nowhere.
    same = a_root(tmp_path / "copy", json.loads(signed))
    edited = a_root(tmp_path / "edited", changed)
    assert trusted(serve(same))
    assert not trusted(serve(edited))


def test_edits_through_the_server_keep_a_trusted_notebook_trusted(
    tmp_path: Path, trust_dir: Path, serve: Callable[[Path], RunningServer]
) -> None:
    root = a_root(tmp_path / "root")
    server = serve(root)
    server.http.post(TRUST, json={"trusted": True}).raise_for_status()
    peer = YPeer(server, "shared.ipynb")
    try:
        peer.until(lambda: "first" in peer.document.cells)
        set_source(peer, "second", "print('edited')")
        server.http.post(
            "/api/notebooks/shared.ipynb/execute", json={"cells": ["second"]}
        ).raise_for_status()
        peer.until(lambda: any("edited" in o.get("text", "") for o in outputs(peer, "second")))
        assert trusted(server)
        until(lambda: saved_source(root, 1) == "print('edited')")
        assert trusted(server)
    finally:
        peer.close()
    server.stop()  # saves, and signs what it saved
    with sqlite3.connect(trust_dir / "trust.sqlite") as db:
        (kept,) = db.execute("SELECT count(*) FROM signatures").fetchone()
    assert kept == 2  # as trusted, and as last saved: not every save in between

    copy = tmp_path / "elsewhere"
    copy.mkdir()
    shutil.copy(root / "shared.ipynb", copy / "shared.ipynb")
    assert "edited" in (copy / "shared.ipynb").read_text()
    assert trusted(serve(copy))  # the signature of the edited, run notebook is known
    assert trusted(serve(root))  # and the same root, opened again from its log, too


def test_the_secret_is_the_users_alone_and_lives_outside_the_root(
    tmp_path: Path, trust_dir: Path, serve: Callable[[Path], RunningServer]
) -> None:
    root = a_root(tmp_path / "root")
    server = serve(root)
    server.http.post(TRUST, json={"trusted": True}).raise_for_status()
    secret = trust_dir / "notebook_secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_bytes().strip()) >= 64
    assert not secret.resolve().is_relative_to(root.resolve())
    under_root = {path.name for path in root.rglob("*")}
    assert not under_root & {"notebook_secret", "trust.sqlite", "trusted.json"}


def test_a_signature_covers_the_content_and_not_the_run_records(tmp_path: Path) -> None:
    notary = Notary(tmp_path / "data")
    signature = notary.signature(NOTEBOOK)
    ran: dict[str, Any] = copy.deepcopy(NOTEBOOK)
    ran["metadata"]["signature"] = "sha256:an older tool's"
    ran["cells"][0]["metadata"]["interlace"] = {"by": "ada", "status": "ok"}
    ran["nbformat_minor"] = 5.0  # the shared document may hold a number as a float
    assert notary.signature(ran) == signature
    ran["cells"][0]["source"] = "x = 21"
    assert notary.signature(ran) != signature
    notary.add(signature)
    assert notary.knows(signature)
    assert not notary.knows(notary.signature(ran))
    notary.close()
    assert Notary(tmp_path / "data").knows(signature)  # the same secret, the same store
    assert not Notary(tmp_path / "another user").knows(signature)


def test_a_secret_others_can_read_or_too_short_is_mended(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    secret = folder / "notebook_secret"
    secret.write_text("0" * 64)
    secret.chmod(0o644)
    Notary(folder).close()
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert secret.read_text() == "0" * 64
    secret.write_text("short")
    Notary(folder).close()
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_bytes()) == 64
