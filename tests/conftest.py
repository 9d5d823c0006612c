"""Test-wide isolation: every Jupyter and IPython path points into one temporary directory.

Kernels started by tests (ours through its kernelspec, and ipykernel) write their
connection files, history and kernelspecs there, never into the user's home.

And nothing outlives the run: every process a test starts carries a mark in its
environment, and the run fails if a marked process is still there at its end
(after a grace for those on their way out), naming it; it is then killed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from interlace.client import install_kernelspec
from tests._processes import MARK, describe, end, survivors, wait_for_exit

EXIT_GRACE = 15.0
"""Seconds the processes still there when the run ends get to finish before they count."""

_token = uuid.uuid4().hex

_root = Path(tempfile.mkdtemp(prefix="interlace-tests-"))
_saved = {
    name: os.environ.get(name)
    for name in (
        "JUPYTER_PATH",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
        "JUPYTER_CONFIG_DIR",
        "IPYTHONDIR",
        "INTERLACE_DATA_DIR",
    )
}


def pytest_configure(config: pytest.Config) -> None:
    os.environ["JUPYTER_PATH"] = str(_root / "jupyter")
    os.environ["JUPYTER_DATA_DIR"] = str(_root / "data")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(_root / "runtime")
    os.environ["JUPYTER_CONFIG_DIR"] = str(_root / "config")
    os.environ["IPYTHONDIR"] = str(_root / "ipython")
    os.environ["INTERLACE_DATA_DIR"] = str(_root / "interlace")
    os.environ[MARK] = _token
    install_kernelspec(scope="user")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if a process it started outlived it (session fixtures are done by now)."""
    deadline = time.monotonic() + EXIT_GRACE
    left = [
        pid
        for pid in survivors(_token)
        if not wait_for_exit(pid, max(0.0, deadline - time.monotonic()))
    ]
    if not left:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"{len(left)} processes outlived the tests that started them:"]
    lines += [f"    {describe(pid)}" for pid in left]
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_line("\n".join(lines), red=True)
    for pid in left:
        end(pid)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    for name, value in _saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    shutil.rmtree(_root, ignore_errors=True)


@pytest.fixture(scope="session")
def test_root() -> Path:
    """The temporary directory holding this test run's Jupyter and IPython state."""
    return _root
