"""Edits an earlier interlace left in its separate update log come back after an upgrade."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

from interlace.collab import NotebookDocument
from tests.notebooks.ypeer import NOTEBOOK, YPeer
from tests.server.conftest import TOKEN, RunningServer

if TYPE_CHECKING:
    from pathlib import Path


def _old_update_log(database: Path, path: str, updates: list[bytes]) -> None:
    database.parent.mkdir(parents=True)
    with sqlite3.connect(database) as connection:
        connection.execute(
            "CREATE TABLE updates (path TEXT NOT NULL,"
            " seq INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB NOT NULL)"
        )
        connection.executemany(
            "INSERT INTO updates (path, data) VALUES (?, ?)", [(path, u) for u in updates]
        )


def test_unsaved_edits_in_the_old_update_log_are_carried_over(tmp_path: Path) -> None:
    (tmp_path / "shared.ipynb").write_text(json.dumps(NOTEBOOK))
    document = NotebookDocument.from_notebook(NOTEBOOK)
    first = document.doc.get_update()
    source = document.cell("first")["source"]
    source.insert(len(source), "  # unsaved when the old server was killed")
    _old_update_log(
        tmp_path / ".interlace" / "collab.sqlite",
        "shared.ipynb",
        [first, document.doc.get_update()],
    )
    server = RunningServer(tmp_path, "--token", TOKEN)
    peer = YPeer(server, "shared.ipynb")
    try:
        peer.until(
            lambda: (
                "unsaved" in peer.document.source("first")
                if "first" in peer.document.cells
                else False
            )
        )
        assert peer.document.source("first") == "x = 20  # unsaved when the old server was killed"
        assert peer.document.cell_ids() == ["first", "second"]
        assert not (tmp_path / ".interlace" / "collab.sqlite").exists()
        assert (tmp_path / ".interlace" / "collab.sqlite.migrated").exists()
    finally:
        peer.close()
        server.stop()
