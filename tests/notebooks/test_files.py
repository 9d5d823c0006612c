"""Notebook files: off-schema values repaired on load, safe spill names, stale temporaries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import nbformat
import pytest

from interlace.errors import InvalidNotebook, NotFound
from interlace.notebooks import resolve
from interlace.notebooks._files import (
    FileSpill,
    NotebookFile,
    remove_stale_temporaries,
    sweep_temporaries,
)

if TYPE_CHECKING:
    from pathlib import Path


def _code(cell_id: Any, **fields: Any) -> dict[str, Any]:
    return {"id": cell_id, "cell_type": "code", "metadata": {}, "source": "", "outputs": [],
            "execution_count": None, **fields}  # fmt: skip


def _notebook(*cells: dict[str, Any]) -> dict[str, Any]:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": list(cells)}


def test_duplicate_and_unsafe_ids_are_renewed_and_off_schema_values_repaired(
    tmp_path: Path,
) -> None:
    target = tmp_path / "n.ipynb"
    target.write_text(
        json.dumps(
            _notebook(
                _code("same", execution_count="seven"),
                _code("same", outputs=["a string output", {"output_type": "display_data"}]),
                _code("../../etc", execution_count=3),
                _code(None),
            )
        )
    )
    loaded = NotebookFile(target, "n.ipynb").load()
    ids = [cell["id"] for cell in loaded["cells"]]
    assert ids[0] == "same"
    assert len(set(ids)) == 4
    assert "../../etc" not in ids
    assert loaded["cells"][0]["execution_count"] is None
    assert loaded["cells"][1]["outputs"] == [
        {"output_type": "display_data", "data": {}, "metadata": {}}
    ]
    assert loaded["cells"][2]["execution_count"] == 3
    nbformat.validate(nbformat.from_dict(loaded))


def test_what_cannot_be_a_notebook_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "n.ipynb"
    with pytest.raises(NotFound):
        NotebookFile(target, "n.ipynb").load()
    target.write_text("{not json")
    with pytest.raises(InvalidNotebook):
        NotebookFile(target, "n.ipynb").load()
    target.write_text(json.dumps({"nbformat": 4, "cells": "no"}))
    with pytest.raises(InvalidNotebook):
        NotebookFile(target, "n.ipynb").load()
    listed = {"cell_type": ["code"], "source": "", "metadata": {}}
    target.write_text(
        json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [listed]})
    )
    with pytest.raises(InvalidNotebook, match="cell 0 has no valid cell_type"):
        NotebookFile(target, "n.ipynb").load()
    with pytest.raises(InvalidNotebook):
        NotebookFile(tmp_path / "n.txt", "n.txt")


def test_spilled_streams_are_named_by_hashes_never_by_cell_ids(tmp_path: Path) -> None:
    spill = FileSpill(tmp_path, "sub/n.ipynb")
    link = spill.append("../../../outside", "stdout", "text")
    assert link.startswith("/api/notebooks/sub/n.ipynb/outputs/")
    assert ".." not in link
    (written,) = (tmp_path / ".interlace" / "outputs").rglob("*.txt")
    assert written.read_text() == "text"
    assert written.resolve().is_relative_to(tmp_path / ".interlace" / "outputs")
    spill.start("../../../outside")
    assert not written.exists()


def test_temporaries_of_interrupted_saves_are_removed_but_not_live_ones(tmp_path: Path) -> None:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
    dead_pid = int(finished.stdout)
    stale = tmp_path / f".n.ipynb.{dead_pid}.tmp"
    live = tmp_path / f".n.ipynb.{os.getpid()}.tmp"
    other = tmp_path / ".hidden.tmp"
    for path in (stale, live, other):
        path.write_text("partial")
    assert remove_stale_temporaries(tmp_path) == 1
    assert not stale.exists()
    assert live.exists()
    assert other.exists()


def test_paths_never_leave_the_root(tmp_path: Path) -> None:
    (tmp_path / "inside").mkdir()
    (tmp_path / "inside" / "out").symlink_to("/etc")
    assert resolve(tmp_path, "/inside") == tmp_path / "inside"  # paths are root-relative
    for path in ("../x", "inside/../../x", "inside/out/passwd"):
        with pytest.raises(NotFound):
            resolve(tmp_path, path)


def test_the_sweep_at_start_reaches_every_folder_but_hidden_ones(tmp_path: Path) -> None:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
    dead_pid = int(finished.stdout)
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    stale = [tmp_path / f".x.ipynb.{dead_pid}.tmp", deep / f".y.ipynb.{dead_pid}.tmp"]
    hidden = tmp_path / ".git" / f".z.{dead_pid}.tmp"
    for path in (*stale, hidden):
        path.write_text("partial")
    assert sweep_temporaries(tmp_path) == 2
    assert not any(path.exists() for path in stale)
    assert hidden.exists()  # dot-folders are never walked (a .git of thousands of folders)
    (deep / f".y.ipynb.{dead_pid}.tmp").write_text("partial")
    assert sweep_temporaries(tmp_path, max_folders=2) == 0  # bounded: the deep one waits
