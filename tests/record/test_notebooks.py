"""Notebook recordings: any moment comes back as it was, cheaply, and moves between servers."""

from __future__ import annotations

import random
import sqlite3
import string
from typing import TYPE_CHECKING, Any

import pytest
from pycrdt import Doc, Text

from interlace.errors import StorageError
from interlace.record import RecordingError, Recordings

if TYPE_CHECKING:
    from pathlib import Path

    from pycrdt import TransactionEvent


def typing_session(recordings: Recordings, path: str, edits: int) -> tuple[Doc[Any], list[str]]:
    """Record ``edits`` one-character edits; the text after each, by seq."""
    doc: Doc[Any] = Doc()
    text = doc.get("source", type=Text)
    recorder = recordings.recorder(path, doc.get_update)
    seen = [""]  # after "opened", seq 0

    def changed(event: TransactionEvent) -> None:
        recorder.record("edit", "alice", change=event.update)

    doc.observe(changed)
    for number in range(edits):
        text.insert(len(text), str(number % 10))
        seen.append(str(text))
    return doc, seen


def text_at(recordings: Recordings, path: str, seq: int) -> str:
    doc: Doc[Any] = Doc()
    doc.apply_update(recordings.state_at(path, seq))
    return str(doc.get("source", type=Text))


def test_every_moment_comes_back_from_the_nearest_snapshot(tmp_path: Path) -> None:
    recordings = Recordings(tmp_path / "r.sqlite", snapshot_every=7)
    _, seen = typing_session(recordings, "a.ipynb", 40)
    for seq in (0, 1, 6, 7, 8, 20, 40):
        assert text_at(recordings, "a.ipynb", seq) == seen[seq]
    assert text_at(recordings, "a.ipynb", 13) == text_at(recordings, "a.ipynb", 13)
    events = recordings.events("a.ipynb")
    assert [e.kind for e in events[:2]] == ["opened", "edit"]
    assert {e.actor for e in events[1:]} == {"alice"}
    assert events[5].change is None  # listing events leaves the changes in the database


def test_a_notebook_with_recording_off_records_nothing(tmp_path: Path) -> None:
    recordings = Recordings(tmp_path / "r.sqlite")
    recordings.set_enabled("quiet.ipynb", False)
    typing_session(recordings, "quiet.ipynb", 5)
    assert recordings.events("quiet.ipynb") == []
    assert recordings.enabled("other.ipynb")


def test_recording_again_after_a_pause_starts_from_a_snapshot(tmp_path: Path) -> None:
    recordings = Recordings(tmp_path / "r.sqlite", snapshot_every=1000)
    doc: Doc[Any] = Doc()
    text = doc.get("source", type=Text)
    recorder = recordings.recorder("p.ipynb", doc.get_update)

    def changed(event: TransactionEvent) -> None:
        recorder.record("edit", "bob", change=event.update)

    doc.observe(changed)
    text.insert(0, "seen ")
    recordings.set_enabled("p.ipynb", False)
    text.insert(len(text), "unrecorded ")
    recordings.set_enabled("p.ipynb", True)
    text.insert(len(text), "seen again")
    last = recordings.events("p.ipynb")[-1].seq
    assert text_at(recordings, "p.ipynb", last) == "seen unrecorded seen again"


def test_forgetting_old_events_keeps_later_moments(tmp_path: Path) -> None:
    recordings = Recordings(tmp_path / "r.sqlite", snapshot_every=10)
    _, seen = typing_session(recordings, "old.ipynb", 30)
    cutoff = recordings.events("old.ipynb")[15].at
    dropped = recordings.forget_before("old.ipynb", cutoff)
    assert dropped >= 1
    remaining = recordings.events("old.ipynb")
    assert remaining[0].at >= cutoff
    for event in remaining:
        assert text_at(recordings, "old.ipynb", event.seq) == seen[event.seq]


def test_export_and_import_play_back_the_same(tmp_path: Path) -> None:
    source = Recordings(tmp_path / "a.sqlite", snapshot_every=5)
    _, seen = typing_session(source, "n.ipynb", 23)
    exported = list(source.export("n.ipynb"))
    target = Recordings(tmp_path / "b.sqlite", snapshot_every=5)
    assert target.import_("copy.ipynb", iter(exported)) == 24  # "opened" and 23 edits
    assert [e.summary() for e in target.events("copy.ipynb")] == [
        e.summary() for e in source.events("n.ipynb")
    ]
    for seq in range(24):
        assert text_at(target, "copy.ipynb", seq) == seen[seq]
    with pytest.raises(RecordingError):
        target.import_("bad.ipynb", iter(['{"format": "something else"}']))
    with pytest.raises(RecordingError):
        target.import_("bad.ipynb", iter([exported[0], "not json"]))
    with pytest.raises(RecordingError):
        target.state_at("nothing.ipynb", 3)


def _current_text(recordings: Recordings, path: str) -> str:
    state = recordings.current_state(path)
    assert state is not None
    doc: Doc[Any] = Doc()
    doc.apply_update(state)
    return str(doc.get("source", type=Text))


def _rows(database: Path, table: str, path: str) -> int:
    with sqlite3.connect(database) as connection:
        query = f"SELECT COUNT(*) FROM {table} WHERE path = ?"
        return int(connection.execute(query, (path,)).fetchone()[0])


def test_the_recording_is_the_notebooks_one_log_and_reopens_as_it_was(tmp_path: Path) -> None:
    database = tmp_path / "r.sqlite"
    recordings = Recordings(database, snapshot_every=10, snapshot_ratio=0)
    assert recordings.current_state("n.ipynb") is None
    _, seen = typing_session(recordings, "n.ipynb", 25)
    recordings.close()
    reopened = Recordings(database, snapshot_every=10, snapshot_ratio=0)
    assert _current_text(reopened, "n.ipynb") == seen[-1]
    assert _rows(database, "snapshots", "n.ipynb") == 3  # opened, and after 10 and 20 changes


def test_with_recording_off_changes_are_kept_until_a_snapshot_holds_them(tmp_path: Path) -> None:
    database = tmp_path / "r.sqlite"
    recordings = Recordings(database, snapshot_every=10, snapshot_ratio=0)
    recordings.set_enabled("quiet.ipynb", False)
    _, seen = typing_session(recordings, "quiet.ipynb", 25)
    assert recordings.events("quiet.ipynb") == []
    assert _current_text(recordings, "quiet.ipynb") == seen[-1]  # a killed server loses nothing
    assert _rows(database, "events", "quiet.ipynb") == 5  # only those after the last snapshot
    assert _rows(database, "snapshots", "quiet.ipynb") == 1
    with pytest.raises(RecordingError):
        list(recordings.export("quiet.ipynb"))


def test_an_old_database_gains_the_recorded_column(tmp_path: Path) -> None:
    database = tmp_path / "old.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute(
            "CREATE TABLE events (path TEXT NOT NULL, seq INTEGER NOT NULL, at REAL NOT NULL,"
            " actor TEXT NOT NULL, kind TEXT NOT NULL, data TEXT, change BLOB,"
            " PRIMARY KEY (path, seq))"
        )
        connection.execute(
            "INSERT INTO events VALUES ('a.ipynb', 0, 1.0, 'server', 'opened', NULL, NULL)"
        )
    recordings = Recordings(database)
    assert [event.kind for event in recordings.events("a.ipynb")] == ["opened"]


def test_a_large_notebook_is_snapshotted_by_what_changed_not_by_count(tmp_path: Path) -> None:
    database = tmp_path / "r.sqlite"
    recordings = Recordings(database, snapshot_every=10)
    doc: Doc[Any] = Doc()
    text = doc.get("source", type=Text)
    noise = random.Random(1).choices(string.ascii_letters, k=50_000)
    text.insert(0, "".join(noise))  # a long output: a snapshot takes some 40 kB compressed
    recorder = recordings.recorder("big.ipynb", doc.get_update)

    def changed(event: TransactionEvent) -> None:
        recorder.record("output", "kernel", change=event.update)

    doc.observe(changed)
    for number in range(1000):  # about 30 kB of changes: less than the ratio asks
        text.insert(len(text), f"{number % 10}")
    assert _rows(database, "snapshots", "big.ipynb") == 1
    assert text_at(recordings, "big.ipynb", 1000) == str(text)  # 1,000 changes, merged
    assert text_at(recordings, "big.ipynb", 150) == str(text)[: 50_000 + 150]
    assert _rows(database, "snapshots", "big.ipynb") == 1


def full(recordings: Recordings, is_full: bool) -> None:
    """Make the database as full as a full disk makes it (SQLite's own SQLITE_FULL), or not."""
    database = recordings._db
    pages = database.execute("PRAGMA page_count").fetchone()[0]
    database.execute(f"PRAGMA max_page_count = {pages if is_full else 1 << 30}")


def test_changes_the_disk_refused_are_stored_whole_once_it_takes_writes(tmp_path: Path) -> None:
    recordings = Recordings(tmp_path / "r.sqlite", snapshot_every=1000)
    doc: Doc[Any] = Doc()
    text = doc.get("source", type=Text)
    recorder = recordings.recorder("a.ipynb", doc.get_update)
    refused: list[StorageError] = []

    def changed(event: TransactionEvent) -> None:
        try:
            recorder.record("output", "alice", change=event.update)
        except StorageError as exc:
            refused.append(exc)

    doc.observe(changed)
    text.insert(0, "kept. ")
    full(recordings, True)
    for number in range(300):  # enough to need a page the database may not take
        text.insert(len(text), f"{number:03d} held while full; ")
    assert refused
    assert "full" in str(refused[0])
    assert recorder.behind
    full(recordings, False)
    text.insert(len(text), "after.")
    assert not recorder.behind
    assert text_at(recordings, "a.ipynb", recordings._last_seq("a.ipynb")) == str(text)
    assert "stored" in [event.kind for event in recordings.events("a.ipynb")]


def test_a_change_stored_ahead_is_refused_whole_or_kept_whole(tmp_path: Path) -> None:
    recordings = Recordings(tmp_path / "r.sqlite")
    doc: Doc[Any] = Doc()
    recorder = recordings.recorder("a.ipynb", doc.get_update)
    peer: Doc[Any] = Doc()
    source = peer.get("source", type=Text)
    source.insert(0, "x" * 100_000)  # more than a full database takes
    full(recordings, True)
    with pytest.raises(StorageError):
        recorder.store_ahead("bob", peer.get_update())
    full(recordings, False)
    seq = recorder.store_ahead("bob", peer.get_update())
    recorder.relabel(seq, "created", {"cells": ["c1"]})
    event = recordings.event("a.ipynb", seq)
    assert (event.kind, event.actor, event.data) == ("created", "bob", {"cells": ["c1"]})
    assert text_at(recordings, "a.ipynb", seq) == "x" * 100_000
    again = recorder.store_ahead("bob", peer.get_update())  # nothing new: retracted
    recorder.retract(again)
    assert [e.seq for e in recordings.events("a.ipynb")][-1] == seq
