"""``%pip`` and ``%uv`` install into the kernel's own environment.

Each kernel runs in a virtual environment of its own, started the way a
kernelspec starts it (its interpreter's path, no ``VIRTUAL_ENV`` set), and
installs a small wheel built here, offline.
"""

from __future__ import annotations

import base64
import hashlib
import site
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from tests.kernel.compat import KINDS, in_thread
from tests.kernel.conftest import RunningKernel, kernel_environment, stream_text

if TYPE_CHECKING:
    from pathlib import Path

    from tests.kernel.conftest import KernelKind

INSTALL_TIMEOUT = 120


def make_environment(folder: Path) -> Path:
    """A virtual environment whose interpreter also sees this run's packages; its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    (packages,) = folder.glob("lib/python*/site-packages")
    shared = site.getsitepackages()[0]
    (packages / "_test_run.pth").write_text(f"import site; site.addsitedir({shared!r})\n")
    return folder / "bin" / "python"


def build_wheel(folder: Path, name: str) -> Path:
    """A pure-Python wheel of module ``name``, written by hand (no build backend, offline)."""
    info = f"{name}-0.1.dist-info"
    files = {
        f"{name}/__init__.py": b"VALUE = 'installed'\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = "".join(f"{path},sha256={_digest(data)},{len(data)}\n" for path, data in files.items())
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


CHECK = """
import importlib, sys
importlib.invalidate_caches()
try:
    import {module}
    print('imported from the kernel environment:', {module}.__file__.startswith(sys.prefix))
except ImportError as error:
    print('not installed:', type(error).__name__)
"""


def install(kernel: RunningKernel, magic: str, wheel: Path, module: str) -> str:
    reply, messages = kernel.execute(
        f"{magic} install --no-index --no-deps {wheel}\n" + CHECK.format(module=module),
        timeout=INSTALL_TIMEOUT,
    )
    assert reply["content"]["status"] == "ok"
    return stream_text(messages).splitlines()[-1]


def test_pip_and_uv_install_into_the_kernels_own_environment(tmp_path: Path) -> None:
    """On both kernels, whatever ``VIRTUAL_ENV`` says: IPython's magics run the kernel's
    own interpreter (``python -m pip``, ``python -m uv``, which targets its caller's
    environment)."""
    environment = {k: v for k, v in kernel_environment().items() if k != "VIRTUAL_ENV"}
    wheels = {m: build_wheel(tmp_path / "wheels", m) for m in ("probe_by_pip", "probe_by_uv")}

    def start(kind: KernelKind) -> RunningKernel:
        folder = tmp_path / kind
        python = make_environment(folder / "env")
        return RunningKernel(folder, kind, python=str(python), environment=environment)

    def install_both(kernel: RunningKernel) -> list[str]:
        return [
            install(kernel, "%pip", wheels["probe_by_pip"], "probe_by_pip"),
            install(kernel, "%uv pip", wheels["probe_by_uv"], "probe_by_uv"),
        ]

    with ThreadPoolExecutor(2) as pool:
        kernels = list(pool.map(in_thread(start), KINDS))
    try:
        with ThreadPoolExecutor(2) as pool:
            installed = list(pool.map(in_thread(install_both), kernels))
    finally:
        for kernel in kernels:
            kernel.stop()
    assert installed == [["imported from the kernel environment: True"] * 2] * 2
