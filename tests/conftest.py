"""Test-wide isolation: every Jupyter and IPython path points into one temporary directory.

Kernels started by tests (ours through its kernelspec, and ipykernel) write their
connection files, history and kernelspecs there, never into the user's home.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from interlace.client import install_kernelspec

_root = Path(tempfile.mkdtemp(prefix="interlace-tests-"))
_saved = {
    name: os.environ.get(name)
    for name in (
        "JUPYTER_PATH",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
        "JUPYTER_CONFIG_DIR",
        "IPYTHONDIR",
    )
}


def pytest_configure(config: pytest.Config) -> None:
    os.environ["JUPYTER_PATH"] = str(_root / "jupyter")
    os.environ["JUPYTER_DATA_DIR"] = str(_root / "data")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(_root / "runtime")
    os.environ["JUPYTER_CONFIG_DIR"] = str(_root / "config")
    os.environ["IPYTHONDIR"] = str(_root / "ipython")
    install_kernelspec(scope="user")


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
