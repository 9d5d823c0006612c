"""Bytes on disk: atomic writes and the update log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from interlace.store import UpdateLog, atomic_write

if TYPE_CHECKING:
    from pathlib import Path


def test_atomic_write_replaces_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "file.ipynb"
    atomic_write(target, b"first")
    atomic_write(target, b"second, longer")
    assert target.read_bytes() == b"second, longer"
    assert [p.name for p in tmp_path.iterdir()] == ["file.ipynb"]


def test_update_log_keeps_order_per_path_across_reopening(tmp_path: Path) -> None:
    database = tmp_path / "log" / "updates.sqlite"
    log = UpdateLog(database)
    for update in (b"a", b"b", b"c"):
        log.append("one.ipynb", update)
    log.append("two.ipynb", b"z")
    log.close()
    reopened = UpdateLog(database)
    assert reopened.read("one.ipynb") == [b"a", b"b", b"c"]
    reopened.replace("one.ipynb", b"snapshot")
    assert reopened.read("one.ipynb") == [b"snapshot"]
    assert reopened.read("two.ipynb") == [b"z"]
    reopened.close()
