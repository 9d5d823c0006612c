import subprocess
import sys
from pathlib import Path

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
