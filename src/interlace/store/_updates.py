"""Document updates in SQLite, written as they arrive, so a crash loses no acknowledged edit."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["UpdateLog"]


class UpdateLog:
    """An append-only log of CRDT updates per document path, in one SQLite file."""

    def __init__(self, database: Path) -> None:
        database.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS updates"
            " (path TEXT NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB NOT NULL)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS updates_path ON updates (path, seq)")

    def append(self, path: str, update: bytes) -> None:
        self._db.execute("INSERT INTO updates (path, data) VALUES (?, ?)", (path, update))

    def read(self, path: str) -> list[bytes]:
        rows = self._db.execute("SELECT data FROM updates WHERE path = ? ORDER BY seq", (path,))
        return [bytes(row[0]) for row in rows]

    def replace(self, path: str, snapshot: bytes) -> None:
        """Compact a document's log into one update holding its whole state."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM updates WHERE path = ?", (path,))
            self._db.execute("INSERT INTO updates (path, data) VALUES (?, ?)", (path, snapshot))

    def close(self) -> None:
        self._db.close()
