"""Every notebook's history in one SQLite file: events, each with a time and an actor.

An event is a document change (a Yjs update: an edit, an output) or something
that happened (a cell queued, started, finished; the kernel interrupted,
restarted or dead; someone joining or leaving). Every so often (every
``SNAPSHOT_EVERY`` changes at least, once the changes outweigh the last
snapshot ``SNAPSHOT_RATIO`` times, and ``SNAPSHOT_AT_MOST`` changes apart at
most) the whole document state is stored too, compressed, so the state at any
moment is the nearest snapshot before it plus a bounded number of updates:
seeking never replays from the start, and a long stream output's snapshots
cost a few bytes per line.

This is also the one log an open notebook is kept in: each change is written
here once, before it is broadcast, and a notebook reopens from its latest
snapshot and the changes after it (``current_state``), so a killed server loses
no edit. A notebook whose recording is off still logs its changes, as
``recorded = 0``: they are never listed, exported or played back, and each
snapshot deletes the unrecorded changes it holds.

A write the disk refuses (it is full) raises ``StorageError`` and stores nothing
of that event. A peer's change is stored before it is applied (``store_ahead``),
so a refused one is never applied. A change the server made already is held in
the recorder's copy of the document, and the first write that succeeds after the
disk failed stores that copy whole first (``catch_up``), so the log never
misses a change it holds later ones of.
"""

from __future__ import annotations

import base64
import contextlib
import json
import sqlite3
import time
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pycrdt import Doc, merge_updates

from interlace.errors import RecordingError, StorageError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

__all__ = ["SNAPSHOT_EVERY", "Event", "NotebookRecorder", "Recordings"]

SNAPSHOT_EVERY = 1000
"""Document changes at least between two stored states of the whole document."""

SNAPSHOT_RATIO = 16.0
"""A snapshot waits until the changes since the last one are this many times its size
(compressed), so snapshots of a large notebook (a long stream output) cost little per change."""

SNAPSHOT_AT_MOST = 10_000
"""Document changes at most between two snapshots, so seeking stays fast."""

_MERGED = 100
"""Changes merged into one update before they are applied when seeking: applying many
small updates one by one to a large document costs far more."""

EXPORT_FORMAT = "interlace-notebook-recording"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    path TEXT NOT NULL, seq INTEGER NOT NULL, at REAL NOT NULL, actor TEXT NOT NULL,
    kind TEXT NOT NULL, data TEXT, change BLOB, recorded INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (path, seq));
CREATE TABLE IF NOT EXISTS snapshots (
    path TEXT NOT NULL, seq INTEGER NOT NULL, state BLOB NOT NULL,
    compressed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (path, seq));
CREATE TABLE IF NOT EXISTS settings (path TEXT PRIMARY KEY, enabled INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, digest TEXT, pending TEXT);
"""


@dataclass(frozen=True)
class Event:
    """One thing that happened to a notebook."""

    seq: int
    at: float
    actor: str
    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    change: bytes | None = None

    def summary(self) -> dict[str, Any]:
        """The event as JSON, without its document change."""
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "kind": self.kind,
            "data": self.data,
        }


def _state(row: tuple[Any, ...]) -> bytes:
    """A snapshot row's document state: (seq, state, compressed)."""
    _, state, compressed = row
    return zlib.decompress(state) if compressed else bytes(state)


def _event(row: tuple[Any, ...]) -> Event:
    seq, at, actor, kind, data, change = row
    return Event(seq, at, actor, kind, json.loads(data) if data else {}, change)


def _json(data: dict[str, Any]) -> str | None:
    return json.dumps(data, separators=(",", ":")) if data else None


@contextlib.contextmanager
def _storing(what: str) -> Iterator[None]:
    """Translate the database refusing a write (disk full, I/O error) into StorageError."""
    try:
        yield
    except sqlite3.Error as exc:
        raise StorageError(f"could not store {what}: {exc}") from exc


class Recordings:
    """The recordings of every notebook under one root."""

    def __init__(
        self,
        database: Path,
        snapshot_every: int = SNAPSHOT_EVERY,
        snapshot_ratio: float = SNAPSHOT_RATIO,
    ) -> None:
        database.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        # A database from before the log and history were one, or snapshots compressed.
        self._add_column("events", "recorded INTEGER NOT NULL DEFAULT 1")
        self._add_column("snapshots", "compressed INTEGER NOT NULL DEFAULT 0")
        self.snapshot_every = snapshot_every
        self.snapshot_ratio = snapshot_ratio
        self._enabled: dict[str, bool] = {}

    def _add_column(self, table: str, column: str) -> None:
        columns = [row[1] for row in self._db.execute(f"PRAGMA table_info({table})")]
        if column.split()[0] not in columns:
            self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")

    def close(self) -> None:
        self._db.close()

    # Settings.

    def enabled(self, path: str) -> bool:
        """Whether ``path`` is recorded (every notebook is, unless turned off)."""
        if path not in self._enabled:
            row = self._db.execute("SELECT enabled FROM settings WHERE path = ?", (path,))
            found = row.fetchone()
            self._enabled[path] = True if found is None else bool(found[0])
        return self._enabled[path]

    def set_enabled(self, path: str, enabled: bool) -> None:
        with _storing("the recording setting"):
            self._db.execute(
                "INSERT INTO settings (path, enabled) VALUES (?, ?)"
                " ON CONFLICT (path) DO UPDATE SET enabled = excluded.enabled",
                (path, int(enabled)),
            )
        self._enabled[path] = enabled

    # The file each notebook was last read from or written to.

    def file_digests(self, path: str) -> set[str]:
        """Digests of what the server last read or wrote as ``path``'s file (and is
        writing now): a file with any other content was changed by someone else."""
        row = self._db.execute(
            "SELECT digest, pending FROM files WHERE path = ?", (path,)
        ).fetchone()
        return {digest for digest in row or () if digest}

    def writing_file(self, path: str, digest: str) -> None:
        """``path``'s file is about to be written with content of ``digest``."""
        with _storing("the digest of a file"):
            self._db.execute(
                "INSERT INTO files (path, pending) VALUES (?, ?)"
                " ON CONFLICT (path) DO UPDATE SET pending = excluded.pending",
                (path, digest),
            )

    def file_is(self, path: str, digest: str) -> None:
        """``path``'s file was read or written: it holds content of ``digest``."""
        with _storing("the digest of a file"):
            self._db.execute(
                "INSERT INTO files (path, digest, pending) VALUES (?, ?, NULL)"
                " ON CONFLICT (path) DO UPDATE SET digest = excluded.digest, pending = NULL",
                (path, digest),
            )

    # Writing.

    def recorder(self, path: str, state: Callable[[], bytes]) -> NotebookRecorder:
        """Where one open notebook appends; ``state`` gives its whole document for snapshots."""
        return NotebookRecorder(self, path, state)

    def _last_seq(self, path: str) -> int:
        """The last event number used (a snapshot outlives the events retention drops)."""
        row = self._db.execute(
            "SELECT MAX(seq) FROM (SELECT seq FROM events WHERE path = ?"
            " UNION ALL SELECT seq FROM snapshots WHERE path = ?)",
            (path, path),
        ).fetchone()
        return int(row[0]) if row[0] is not None else -1

    def _append(
        self, path: str, event: Event, recorded: bool, snapshot: tuple[int, bytes] | None
    ) -> int:
        """Store ``event`` and the ``snapshot`` (seq, state) due with it, both or neither;
        the snapshot's size. StorageError if the disk refuses."""
        with _storing(f"a change of {path}"), self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._insert(path, event, recorded)
            if snapshot is None:
                return 0
            size = self._snapshot(path, *snapshot)
            if not recorded:
                self._forget_unrecorded(path, snapshot[0])
            return size

    def _relabel(self, path: str, seq: int, kind: str, data: dict[str, Any]) -> None:
        with _storing(f"an event of {path}"):
            self._db.execute(
                "UPDATE events SET kind = ?, data = ? WHERE path = ? AND seq = ?",
                (kind, _json(data), path, seq),
            )

    def _retract(self, path: str, seq: int) -> None:
        """Unlist event ``seq``: its change turned out to change nothing (the next snapshot
        forgets it, as it forgets every unrecorded change)."""
        with _storing(f"an event of {path}"):
            self._db.execute(
                "UPDATE events SET recorded = 0 WHERE path = ? AND seq = ?", (path, seq)
            )

    def _insert(self, path: str, event: Event, recorded: bool = True) -> None:
        data = _json(event.data)
        self._db.execute(
            "INSERT INTO events (path, seq, at, actor, kind, data, change, recorded)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (path, event.seq, event.at, event.actor, event.kind, data, event.change, recorded),
        )

    def _forget_unrecorded(self, path: str, snapshot: int) -> None:
        """After a snapshot at ``snapshot``: drop the unrecorded changes (and the snapshots
        taken only for them) that it now holds."""
        last_recorded = self._db.execute(
            "SELECT COALESCE(MAX(seq), -1) FROM events WHERE path = ? AND recorded = 1", (path,)
        ).fetchone()[0]
        self._db.execute(
            "DELETE FROM events WHERE path = ? AND recorded = 0 AND seq < ?", (path, snapshot)
        )
        self._db.execute(
            "DELETE FROM snapshots WHERE path = ? AND seq > ? AND seq < ?",
            (path, last_recorded, snapshot),
        )

    def _snapshot(self, path: str, seq: int, state: bytes) -> int:
        """Store the document's ``state`` right after event ``seq``; the bytes it takes."""
        stored = zlib.compress(state, 1)
        self._db.execute(
            "INSERT OR REPLACE INTO snapshots (path, seq, state, compressed) VALUES (?, ?, ?, 1)",
            (path, seq, stored),
        )
        return len(stored)

    # Reading.

    def events(self, path: str) -> list[Event]:
        rows = self._db.execute(
            "SELECT seq, at, actor, kind, data, NULL FROM events"
            " WHERE path = ? AND recorded = 1 ORDER BY seq",
            (path,),
        )
        return [_event(row) for row in rows]

    def event(self, path: str, seq: int) -> Event:
        row = self._db.execute(
            "SELECT seq, at, actor, kind, data, change FROM events"
            " WHERE path = ? AND seq = ? AND recorded = 1",
            (path, seq),
        ).fetchone()
        if row is None:
            raise RecordingError(f"{path} has no event {seq}")
        return _event(row)

    def current_state(self, path: str) -> bytes | None:
        """The whole document as last logged (a Yjs update), or None if it never was."""
        last = self._last_seq(path)
        return self.state_at(path, last) if last >= 0 else None

    def state_at(self, path: str, seq: int) -> bytes:
        """The whole document (a Yjs update) right after event ``seq``."""
        snapshot = self._db.execute(
            "SELECT seq, state, compressed FROM snapshots WHERE path = ? AND seq <= ?"
            " ORDER BY seq DESC LIMIT 1",
            (path, seq),
        ).fetchone()
        if snapshot is None:
            raise RecordingError(f"{path} has no recording before event {seq}")
        doc: Doc[Any] = Doc()
        doc.apply_update(_state(snapshot))
        changes = self._db.execute(
            "SELECT change FROM events WHERE path = ? AND seq > ? AND seq <= ?"
            " AND change IS NOT NULL ORDER BY seq",
            (path, snapshot[0], seq),
        )
        batch: list[bytes] = []
        for (change,) in changes:
            batch.append(change)
            if len(batch) == _MERGED:
                doc.apply_update(merge_updates(*batch))
                batch.clear()
        if batch:
            doc.apply_update(merge_updates(*batch))
        return doc.get_update()

    def present_at(self, path: str, seq: int) -> list[str]:
        """Who was in the notebook right after event ``seq``."""
        counts: dict[str, int] = {}
        rows = self._db.execute(
            "SELECT kind, actor FROM events WHERE path = ? AND seq <= ? AND recorded = 1"
            " AND kind IN ('joined', 'left') ORDER BY seq",
            (path, seq),
        )
        for kind, actor in rows:
            counts[actor] = counts.get(actor, 0) + (1 if kind == "joined" else -1)
        return sorted(name for name, count in counts.items() if count > 0)

    # Keeping it bounded.

    def forget_before(self, path: str, moment: float) -> int:
        """Drop the events before ``moment`` (retention), keeping later moments seekable.

        The state where the kept history starts stays as a snapshot, so the
        moments after it still come back whole.
        """
        oldest, last, kept = self._db.execute(
            "SELECT MIN(seq), MAX(seq), MIN(CASE WHEN at >= ? THEN seq END)"
            " FROM events WHERE path = ?",
            (moment, path),
        ).fetchone()
        if last is None:
            return 0
        keep_from = kept if kept is not None else last + 1
        if keep_from <= oldest:
            return 0
        with _storing(f"the kept history of {path}"), self._db:
            self._db.execute("BEGIN")
            self._snapshot(path, keep_from - 1, self.state_at(path, keep_from - 1))
            dropped = self._db.execute(
                "DELETE FROM events WHERE path = ? AND seq < ?", (path, keep_from)
            ).rowcount
            self._db.execute(
                "DELETE FROM snapshots WHERE path = ? AND seq < ?", (path, keep_from - 1)
            )
        return int(dropped)

    def forget_all_before(self, moment: float) -> int:
        """Retention for every recorded notebook; how many events were dropped."""
        paths = [row[0] for row in self._db.execute("SELECT DISTINCT path FROM events")]
        return sum(self.forget_before(path, moment) for path in paths)

    # Moving between servers.

    def export(self, path: str) -> Iterator[str]:
        """The recording as JSON lines: a header, its first state, then every event."""
        first = self._db.execute(
            "SELECT seq, state, compressed FROM snapshots WHERE path = ? ORDER BY seq LIMIT 1",
            (path,),
        ).fetchone()
        recorded = self._db.execute(
            "SELECT 1 FROM events WHERE path = ? AND recorded = 1 LIMIT 1", (path,)
        ).fetchone()
        if first is None or recorded is None:
            raise RecordingError(f"{path} has no recording")
        yield json.dumps({"format": EXPORT_FORMAT, "version": 1, "path": path}) + "\n"
        yield (
            json.dumps({"snapshot": first[0], "state": base64.b64encode(_state(first)).decode()})
            + "\n"
        )
        rows = self._db.execute(
            "SELECT seq, at, actor, kind, data, change FROM events"
            " WHERE path = ? AND seq >= ? AND recorded = 1 ORDER BY seq",
            (path, first[0]),
        )
        for row in rows:
            event = _event(row)
            line = event.summary()
            if event.change is not None:
                line["change"] = base64.b64encode(event.change).decode()
            yield json.dumps(line, separators=(",", ":")) + "\n"

    def import_(self, path: str, lines: Iterator[str]) -> int:
        """Replace ``path``'s recording with an exported one; how many events it holds."""
        try:
            header = json.loads(next(lines))
            if header.get("format") != EXPORT_FORMAT:
                raise RecordingError("not an interlace notebook recording")
            first = json.loads(next(lines))
            doc: Doc[Any] = Doc()
            doc.apply_update(base64.b64decode(first["state"]))
            with _storing(f"the recording of {path}"), self._db:
                self._db.execute("BEGIN")
                self._db.execute("DELETE FROM events WHERE path = ?", (path,))
                self._db.execute("DELETE FROM snapshots WHERE path = ?", (path,))
                self._snapshot(path, int(first["snapshot"]), doc.get_update())
                count = 0
                for line in lines:
                    count += 1
                    self._import_event(path, json.loads(line), doc, count)
        except (StopIteration, KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise RecordingError(f"the recording cannot be read: {exc}") from exc
        return count

    def _import_event(self, path: str, line: dict[str, Any], doc: Doc[Any], count: int) -> None:
        change = base64.b64decode(line["change"]) if "change" in line else None
        event = Event(
            int(line["seq"]),
            float(line["at"]),
            str(line["actor"]),
            str(line["kind"]),
            dict(line.get("data") or {}),
            change,
        )
        self._insert(path, event)
        if change is not None:
            doc.apply_update(change)
        if count % self.snapshot_every == 0:
            self._snapshot(path, event.seq, doc.get_update())


class NotebookRecorder:
    """Appends one open notebook's events, with a snapshot every so often.

    Snapshots come from a copy of the document that every change is applied
    to, never from the document itself: changes arrive inside its transactions,
    where it cannot be read. The first event of every opening has a snapshot,
    and so has the first recorded event after recording was off, so every
    recorded moment is its nearest snapshot plus recorded changes only.

    While the disk refuses writes the copy keeps every change the server made
    (``behind``); the first write after that stores the copy whole (``catch_up``).
    """

    def __init__(self, recordings: Recordings, path: str, state: Callable[[], bytes]) -> None:
        self.recordings = recordings
        self.path = path
        self._seq = recordings._last_seq(path)
        self._copy: Doc[Any] = Doc()
        self._copy.apply_update(state())
        self._changes_since_snapshot = 0
        self._change_bytes_since_snapshot = 0
        self._snapshot_bytes = 0
        self._snapshot_due = True
        """The next recorded event needs a snapshot (the first one, or one after a pause)."""
        self._opening = True
        self.behind = False
        """Whether the copy holds changes the disk refused to store."""
        with contextlib.suppress(StorageError):  # behind: the next write that works catches up
            self.record("opened" if self._seq < 0 else "resumed", "server")

    def record(
        self, kind: str, actor: str, data: dict[str, Any] | None = None, change: bytes | None = None
    ) -> int | None:
        """Append an event now (``change``, if any, is in the document already); its seq, or
        None when this notebook's recording is off (a change is still logged, to be kept
        until the next snapshot holds it).

        StorageError if the disk refuses: the change is kept in the copy, for ``catch_up``.
        """
        recorded = self.recordings.enabled(self.path)
        if change is not None:
            self._copy.apply_update(change)
            self._count(change)
        elif not recorded:
            return None
        if change is None:  # nothing to hold: a refused event is lost, the document is not
            return self._append_event(kind, actor, data, None, recorded)
        if self.behind:  # the change goes into the catch-up too: applying it again is a no-op
            self._mark_behind(self.catch_up)
        return self._mark_behind(lambda: self._append_event(kind, actor, data, change, recorded))

    def _mark_behind(self, write: Callable[[], int | None]) -> int | None:
        try:
            return write()
        except StorageError:
            self.behind = True
            raise

    def _append_event(
        self,
        kind: str,
        actor: str,
        data: dict[str, Any] | None,
        change: bytes | None,
        recorded: bool,
    ) -> int | None:
        seq = self._seq + 1
        event = Event(seq, time.time(), actor, kind, data or {}, change)
        due = self._opening or (recorded and self._snapshot_due) or self._full()
        self._commit(event, recorded, (seq, self._copy.get_update()) if due else None)
        self._opening = False
        if not recorded:
            self._snapshot_due = True
        return seq if recorded else None

    def _commit(self, event: Event, recorded: bool, snapshot: tuple[int, bytes] | None) -> None:
        size = self.recordings._append(self.path, event, recorded, snapshot)
        self._seq = event.seq
        if snapshot is not None:
            self._snapshot_bytes = size
            self._change_bytes_since_snapshot = 0
            self._changes_since_snapshot = 0
            self._snapshot_due = False

    def catch_up(self) -> None:
        """Store the document whole as it is now (after changes the disk refused), as the
        event ``stored``; StorageError if the disk still refuses."""
        seq = self._seq + 1
        recorded = self.recordings.enabled(self.path)
        event = Event(seq, time.time(), "server", "stored", {})
        self._commit(event, recorded, (seq, self._copy.get_update()))
        self._opening = False
        self.behind = False

    def store_ahead(self, actor: str, change: bytes) -> int:
        """Store a peer's change before it is applied to the document, as an ``edit`` (its
        kind and cells are set by ``relabel`` once it is applied); its seq. StorageError if
        the disk refuses: then nothing is stored and the change must not be applied."""
        if self.behind:
            self._mark_behind(self.catch_up)
        recorded = self.recordings.enabled(self.path)
        seq = self._seq + 1
        event = Event(seq, time.time(), actor, "edit", {}, change)
        due = self._opening or (recorded and self._snapshot_due) or self._full()
        # A snapshot due now holds the document as it is before this change.
        self._commit(event, recorded, (seq - 1, self._copy.get_update()) if due else None)
        self._opening = False
        self._copy.apply_update(change)
        self._count(change)
        return seq

    def relabel(self, seq: int, kind: str, data: dict[str, Any]) -> None:
        """Give a change stored ahead the kind and data its application showed."""
        if (kind, data) != ("edit", {}):
            self.recordings._relabel(self.path, seq, kind, data)

    def retract(self, seq: int) -> None:
        """A change stored ahead changed nothing (the peer sent what the server had)."""
        self.recordings._retract(self.path, seq)

    def _count(self, change: bytes) -> None:
        self._changes_since_snapshot += 1
        self._change_bytes_since_snapshot += len(change)

    def _full(self) -> bool:
        """Enough changed since the last snapshot for a new one (see ``SNAPSHOT_RATIO``)."""
        count = self._changes_since_snapshot
        if count >= max(SNAPSHOT_AT_MOST, self.recordings.snapshot_every):
            return True
        worth = self._change_bytes_since_snapshot >= self.recordings.snapshot_ratio * (
            self._snapshot_bytes
        )
        return count >= self.recordings.snapshot_every and worth
