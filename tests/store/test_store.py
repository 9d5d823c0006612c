"""Bytes on disk: atomic writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from interlace.store import atomic_write

if TYPE_CHECKING:
    from pathlib import Path


def test_atomic_write_replaces_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "file.ipynb"
    atomic_write(target, b"first")
    atomic_write(target, b"second, longer")
    assert target.read_bytes() == b"second, longer"
    assert [p.name for p in tmp_path.iterdir()] == ["file.ipynb"]
