"""A small disk of its own for a server: a tmpfs in a mount namespace that outlives the
server (a holder process keeps it), so a test can fill it, free it, and kill and restart
the server on it. Needs root, as CI has."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.server.conftest import TOKEN, RunningServer

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["SmallDisk", "small_disk"]


class SmallDisk:
    """``root`` as the server sees it, on a tmpfs of ``size``; ``view`` is the same folder
    seen from here (through the holder's mount namespace)."""

    def __init__(self, root: Path, size: str) -> None:
        self.root = root
        self.holder = subprocess.Popen(
            [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                'mount -t tmpfs -o size="$1" tmpfs "$0" && echo mounted && exec sleep 3600',
                str(root),
                size,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.holder.stdout is not None
        assert self.holder.stdout.readline().strip() == "mounted"
        self.view = Path(f"/proc/{self.holder.pid}/root{root}")
        self._filler = self.view / "filler"

    def write_notebook(self, name: str, notebook: dict[str, Any]) -> None:
        (self.view / name).write_text(json.dumps(notebook))

    def server(self, *arguments: str, runtime_here: bool = False) -> RunningServer:
        """A server on this disk (its state under the root, so on the disk too); with
        ``runtime_here``, its kernels' connection files too."""
        wrapper = ["nsenter", f"--mount=/proc/{self.holder.pid}/ns/mnt", "--"]
        env = None
        if runtime_here:
            (self.view / ".runtime").mkdir(exist_ok=True)
            env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(self.root / ".runtime")}
        return RunningServer(self.root, "--token", TOKEN, *arguments, wrapper=wrapper, env=env)

    def fill(self) -> None:
        """Take every free byte (until ``free``)."""
        with self._filler.open("ab", buffering=0) as filler:
            for size in (1 << 16, 512, 1):  # then what smaller writes still find
                with contextlib.suppress(OSError):
                    while filler.write(b"\0" * size):
                        pass

    def free(self) -> None:
        self._filler.unlink(missing_ok=True)

    def close(self) -> None:
        self.holder.kill()
        self.holder.communicate(timeout=30)


@contextlib.contextmanager
def small_disk(root: Path, size: str = "8m") -> Iterator[SmallDisk]:
    disk = SmallDisk(root, size)
    try:
        yield disk
    finally:
        disk.close()
