import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from interlace import __version__
from interlace.cli import main
from interlace.protocol import ConnectionInfo, write_connection_file


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_python_dash_m_runs_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "interlace", "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.strip() == f"interlace {__version__} (protocol 5.5)"


def test_connections_lists_files_and_flags_broken_ones(runtime: Path) -> None:
    write_connection_file(
        ConnectionInfo(1, 2, 3, 4, 5, kernel_name="python3"), runtime / "kernel-a.json"
    )
    (runtime / "kernel-broken.json").write_text("{")
    result = CliRunner().invoke(main, ["connections"])
    assert result.exit_code == 0, result.output
    assert f"runtime directory: {runtime}" in result.output
    assert "kernel-a.json" in result.output
    assert "python3" in result.output
    assert "kernel-broken.json" in result.output
    assert "unreadable" in result.output


def test_connections_name_shows_what_existing_would_join(runtime: Path) -> None:
    info = ConnectionInfo(11, 12, 13, 14, 15, key=b"secret-key", kernel_name="python3")
    write_connection_file(info, runtime / "kernel-abc.json")
    result = CliRunner().invoke(main, ["connections", "abc"])
    assert result.exit_code == 0, result.output
    assert "tcp://127.0.0.1:12" in result.output
    assert "secret-key" not in result.output


def test_connections_unknown_name_is_a_clear_error(runtime: Path) -> None:
    result = CliRunner().invoke(main, ["connections", "nope"])
    assert result.exit_code == 1
    assert "no connection file matches 'nope'" in result.output


def test_empty_runtime_dir(runtime: Path) -> None:
    result = CliRunner().invoke(main, ["connections"])
    assert "no connection files" in result.output


INTERLACE = [sys.executable, "-m", "interlace"]
QUIET_SERVER = ["--port", "0", "--token", "secret-token-123"]


def test_notebook_path_prints_and_opens_that_notebooks_page(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "my analysis.ipynb").write_text(
        '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}'
    )
    process = subprocess.Popen(
        [*INTERLACE, "notebook", "work/my analysis.ipynb", "--no-browser", *QUIET_SERVER],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        assert lines[0].startswith("interlace server ")
        page = lines[2].strip()
        assert page.endswith("/notebooks/work/my%20analysis.ipynb?token=secret-token-123")
        with httpx.Client(follow_redirects=True, timeout=30) as browser:
            opened = browser.get(page)  # the token logs in, then the page without it
        assert opened.status_code == 200
        assert opened.url.path == "/notebooks/work/my analysis.ipynb"
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("../elsewhere.ipynb", "is not under the root"),
        ("missing.ipynb", "does not exist"),
        ("notes.txt", "is not a notebook"),
    ],
)
def test_notebook_path_refuses_what_it_cannot_open(tmp_path: Path, path: str, why: str) -> None:
    (tmp_path / "notes.txt").write_text("text")
    (tmp_path.parent / "elsewhere.ipynb").write_text("{}")
    result = CliRunner().invoke(
        main, ["notebook", str(tmp_path / path), "--root-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert why in result.output
