"""Downloading a notebook as it is now, as .ipynb or as a percent-format script that
jupytext reads back into the same cells."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import jupytext
import pytest

from interlace.notebooks import to_percent
from tests.notebooks.ypeer import YPeer, set_source
from tests.server.conftest import TOKEN, RunningServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

CELLS = [
    ("markdown", "# Analysis\n\nWhat the *data* says.\n\n- one\n- two"),
    ("code", "%matplotlib inline\nimport math\n\n\ndef area(r):\n    return math.pi * r**2"),
    ("code", "!echo hello\nprint(area(2))"),
    ("raw", "raw text\n\nkept as it is"),
    ("code", "x = {'a': 1}  # a comment\nx"),
]


def notebook() -> dict[str, Any]:
    cells: list[dict[str, Any]] = []
    for number, (kind, source) in enumerate(CELLS):
        cell: dict[str, Any] = {"id": f"c{number}", "cell_type": kind, "metadata": {}}
        cell["source"] = source
        if kind == "code":
            cell.update(outputs=[], execution_count=None)
        cells.append(cell)
    spec = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": spec}, "cells": cells}


def test_jupytext_reads_the_script_back_into_the_same_cells() -> None:
    script = to_percent(notebook())
    read = jupytext.reads(script, fmt="py:percent")
    assert [(cell.cell_type, cell.source) for cell in read.cells] == CELLS
    assert read.metadata["kernelspec"]["name"] == "python3"
    assert read.metadata["kernelspec"]["display_name"] == "Python 3 (ipykernel)"


def test_the_script_is_valid_python_magics_and_shell_lines_commented() -> None:
    script = to_percent(notebook())
    compile(script, "exported.py", "exec")
    assert "# %matplotlib inline\n" in script
    assert "# !echo hello\n" in script
    ran = subprocess.run(
        [sys.executable, "-c", script + "\nprint(round(area(1), 2))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert ran.stdout.splitlines()[-1] == "3.14"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    (tmp_path / "study.ipynb").write_text(json.dumps(notebook()))
    running = RunningServer(tmp_path, "--token", TOKEN)
    yield running
    running.stop()


def test_export_gives_the_notebook_with_edits_not_yet_saved(server: RunningServer) -> None:
    peer = YPeer(server, "study.ipynb")
    try:
        peer.until(lambda: "c4" in peer.document.cells)
        set_source(peer, "c4", "y = 2")
        url = "/api/notebooks/study.ipynb/export"
        peer.until(lambda: "y = 2" in server.http.get(url, params={"format": "py"}).text)
        script = server.http.get(url, params={"format": "py"})
        assert script.headers["content-type"].startswith("text/x-python")
        assert script.headers["content-disposition"] == "attachment; filename*=UTF-8''study.py"
        assert script.text.endswith("# %%\ny = 2\n")
        ipynb = server.http.get(url)
        assert ipynb.headers["content-disposition"] == "attachment; filename*=UTF-8''study.ipynb"
        cells = ipynb.json()["cells"]
        assert [cell["source"] for cell in cells][-1] == "y = 2"
    finally:
        peer.close()


def test_an_unknown_format_or_a_missing_notebook_is_a_clear_error(server: RunningServer) -> None:
    bad = server.http.get("/api/notebooks/study.ipynb/export", params={"format": "docx"})
    assert bad.status_code == 400
    assert "ipynb, py" in bad.text
    missing = server.http.get("/api/notebooks/nowhere.ipynb/export")
    assert missing.status_code == 404
