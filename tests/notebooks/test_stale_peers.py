"""A peer that comes back with an old document: merged when it shares the room's history,
kept apart (and its changes kept as a copy) when it does not.

The first is a laptop that slept through a server restart; the second what cut
jupyter-collaboration's notebooks to one empty cell: a client merging a
document from before the server lost its history.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import nbformat

from tests.notebooks.ypeer import NOTEBOOK, YPeer
from tests.server.conftest import TOKEN, RunningServer

if TYPE_CHECKING:
    from pathlib import Path


def joined(server: RunningServer, peer: YPeer | None = None) -> YPeer:
    """A new peer, or ``peer``'s document back on ``server``, synced."""
    again = YPeer(server, "shared.ipynb", peer.document if peer is not None else None)
    again.until(lambda: "first" in again.document.cells)
    return again


def append(peer: YPeer, cell_id: str, text: str) -> None:
    source = peer.document.cell(cell_id)["source"]
    source.insert(len(source), text)


def cells(peer: YPeer) -> list[tuple[str, str]]:
    return [(c["id"], c["source"]) for c in peer.document.to_notebook()["cells"]]


def test_a_laptop_that_slept_through_a_restart_keeps_both_sides_edits(tmp_path: Path) -> None:
    (tmp_path / "shared.ipynb").write_text(json.dumps(NOTEBOOK))
    server = RunningServer(tmp_path, "--token", TOKEN)
    laptop, desk = joined(server), joined(server)
    laptop.close()  # the lid closes
    append(laptop, "first", "  # typed on the train")
    offline = laptop.document.insert_cell(2, "markdown", "written offline")
    append(desk, "second", "  # typed at the desk")
    desk.until(lambda: desk.document.source("second").endswith("desk"))
    desk.close()
    server.kill()  # and the server restarts meanwhile (its rooms are gone)

    server = RunningServer(tmp_path, "--token", TOKEN)
    try:
        back = joined(server, laptop)
        witness = joined(server)
        expected = [
            ("first", "x = 20  # typed on the train"),
            ("second", "print(x * 2)\nx + 22  # typed at the desk"),
            (offline, "written offline"),
        ]
        witness.until(lambda: cells(witness) == expected)
        back.until(lambda: cells(back) == expected)
        assert back.resync is None
        back.close()
        witness.close()
    finally:
        server.stop()


def test_a_document_from_a_lost_history_is_kept_apart_and_its_changes_kept(
    tmp_path: Path,
) -> None:
    (tmp_path / "shared.ipynb").write_text(json.dumps(NOTEBOOK))
    server = RunningServer(tmp_path, "--token", TOKEN)
    laptop = joined(server)
    laptop.close()
    append(laptop, "first", "  # typed offline")
    offline = laptop.document.insert_cell(2, "code", "y = 1")
    server.stop()
    for log in (tmp_path / ".interlace").glob("recordings.sqlite*"):
        log.unlink()  # the history is lost: the room is rebuilt from the file

    server = RunningServer(tmp_path, "--token", TOKEN)
    try:
        fresh = joined(server)
        stale = YPeer(server, "shared.ipynb", laptop.document)
        stale.until(lambda: stale.resync is not None)
        stale.until(lambda: stale.closed)
        assert stale.resync is not None
        copy = stale.resync["recovered"]
        assert copy is not None
        assert copy.startswith("shared.recovered-")
        kept = nbformat.read(str(tmp_path / copy), as_version=4)
        nbformat.validate(kept)
        assert [(c.id, c.source) for c in kept.cells] == [
            ("first", "x = 20  # typed offline"),
            ("second", "print(x * 2)\nx + 22"),
            (offline, "y = 1"),
        ]
        # Nothing of the stale document reached the room: no cell twice, no source mixed.
        fresh.pump(0.5)
        assert cells(fresh) == [("first", "x = 20"), ("second", "print(x * 2)\nx + 22")]
        assert fresh.document.notice("recovered")["path"] == copy
        again = joined(server)  # the page starts again from the server's document
        assert cells(again) == cells(fresh)
        again.close()
        fresh.close()
        history = server.http.get("/api/notebooks/shared.ipynb/history").json()
        assert any(e["kind"] == "resynced" for e in history["events"])
    finally:
        server.stop()


def test_a_stale_document_with_nothing_new_is_resynced_without_a_copy(tmp_path: Path) -> None:
    (tmp_path / "shared.ipynb").write_text(json.dumps(NOTEBOOK))
    server = RunningServer(tmp_path, "--token", TOKEN)
    idle = joined(server)
    idle.close()
    server.stop()
    for log in (tmp_path / ".interlace").glob("recordings.sqlite*"):
        log.unlink()
    server = RunningServer(tmp_path, "--token", TOKEN)
    try:
        stale = YPeer(server, "shared.ipynb", idle.document)
        stale.until(lambda: stale.resync is not None)
        assert stale.resync == {
            "reason": "the notebook's history on the server is not the one your document has",
            "recovered": None,
        }
        assert not list(tmp_path.glob("*.recovered-*"))
    finally:
        server.stop()
