"""Notebooks logged by an earlier interlace, in its separate update log, carried over once.

Before the recording became each notebook's one log, open notebooks were kept
in ``.interlace/collab.sqlite`` as well. Whatever it holds (edits a killed
server had not saved yet) is merged into the recording as one change per
notebook — Yjs updates merge idempotently, so nothing is doubled — and the old
file is renamed ``collab.sqlite.migrated``.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING, Any

from pycrdt import Doc

if TYPE_CHECKING:
    from pathlib import Path

    from interlace.record import Recordings

__all__ = ["migrate_update_log"]

log = logging.getLogger("interlace.notebooks")


def _logged(database: Path) -> dict[str, Doc[Any]]:
    documents: dict[str, Doc[Any]] = {}
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute("SELECT path, data FROM updates ORDER BY seq")
        for path, data in rows:
            documents.setdefault(str(path), Doc()).apply_update(bytes(data))
    finally:
        connection.close()
    return documents


def migrate_update_log(database: Path, recordings: Recordings) -> None:
    """Merge ``database`` (an old update log) into ``recordings``, if there is one."""
    if not database.exists():
        return
    try:
        documents = _logged(database)
    except sqlite3.DatabaseError as exc:
        log.error("could not read the old update log %s: %s", database, exc)
        return
    for path, doc in documents.items():
        merged: Doc[Any] = Doc()
        if (state := recordings.current_state(path)) is not None:
            merged.apply_update(state)
        recorder = recordings.recorder(path, merged.get_update)
        recorder.record("migrated", "server", change=doc.get_update())
    for suffix in ("", "-wal", "-shm"):
        old = database.with_name(database.name + suffix)
        if old.exists():
            old.rename(old.with_name(old.name + ".migrated"))
    log.info("carried %d notebooks over from %s", len(documents), database)
