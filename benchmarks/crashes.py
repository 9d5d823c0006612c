"""The crash torture's long mode: ours beside jupyter-collaboration, killed the same way.

    python benchmarks/crashes.py [--rounds 48] [--clients 10] [--seed 0]

Ten clients type, insert, move and delete cells in one notebook; the server is
SIGKILLed at a random moment, every other time frozen the moment it starts
writing the notebook file; then it is started again and a fresh client reads
the notebook. The same clients (``tests/torture/harness.py``) drive both
servers, each with its own document shape: ours (cells by id) and JupyterLab's
(``@jupyter/ydoc``: an array of cells, a move is a delete and an insert of a
copy, as JupyterLab does it). Prints, per server, what was delivered to other
clients and what of it the restarted server lost, doubled or brought back, and
how many notebook files a kill left invalid.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from jupyter_ydoc import YNotebook
from pycrdt import Array, Doc, Map

from _repository import harness

TOKEN = "crash-torture-token"


class JupyterModel:
    """JupyterLab's notebook document (``@jupyter/ydoc``): an array of cell maps."""

    def __init__(self, doc: Doc[Any]) -> None:
        self.doc = doc
        self.notebook = YNotebook(doc)
        self.ycells: Array[Any] = doc.get("cells", type=Array)

    def cells(self) -> list[tuple[str, str]]:
        return [(str(cell.get("id")), str(cell.get("source", ""))) for cell in self._maps()]

    def ids(self) -> list[str]:
        return [str(cell.get("id")) for cell in self._maps()]

    def _maps(self) -> list[Map[Any]]:
        return [cell for cell in self.ycells if isinstance(cell, Map)]

    def _index(self, cell_id: str) -> int:
        return next(i for i, cell in enumerate(self.ycells) if cell.get("id") == cell_id)

    def type_into(self, cell_id: str, text: str) -> None:
        source = self.ycells[self._index(cell_id)]["source"]
        source.insert(len(source), text)

    def insert_cell(self, index: int, cell_id: str) -> None:
        cell: dict[str, Any] = {"id": cell_id, "cell_type": "code", "source": "", "metadata": {},
                "outputs": [], "execution_count": None}  # fmt: skip
        self.ycells.insert(min(index, len(self.ycells)), self.notebook.create_ycell(cell))

    def move_cell(self, cell_id: str, index: int) -> None:
        """As JupyterLab moves a cell: delete it, insert a copy of it."""
        start = self._index(cell_id)
        clone = self.notebook.create_ycell(self.ycells[start].to_py())
        with self.doc.transaction():
            del self.ycells[start]
            self.ycells.insert(min(index, len(self.ycells)), clone)

    def delete_cell(self, cell_id: str) -> None:
        del self.ycells[self._index(cell_id)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class JupyterTarget:
    """jupyter_server with jupyter-collaboration, as JupyterLab's real-time collaboration runs."""

    name = "jupyter-collaboration"

    def __init__(self, root: Path, state: Path) -> None:
        self.root, self.state = root, state
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.environment = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(state / "config"),
            "JUPYTER_DATA_DIR": str(state / "data"),
            "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        }

    def start(self) -> None:
        command = [
            str(Path(sys.executable).with_name("jupyter-server")),
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.token={TOKEN}",
            "--ServerApp.open_browser=False",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={self.root}",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=self.root,
            env=self.environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/api/status", params={"token": TOKEN}).is_success:
                    return
            time.sleep(0.05)
        raise RuntimeError("jupyter_server did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)

    def saving_marker(self, notebook: str) -> str:
        return f".~{notebook}"  # jupyter_server's copy of the file while it writes over it

    async def socket_url(self, notebook: str) -> str:
        async with httpx.AsyncClient(timeout=30) as http:
            session = await http.put(
                f"{self.url}/api/collaboration/session/{notebook}",
                params={"token": TOKEN},
                json={"format": "json", "type": "notebook"},
            )
            session.raise_for_status()
        room, session_id = f"json:notebook:{session.json()['fileId']}", session.json()["sessionId"]
        ws = self.url.replace("http://", "ws://")
        return f"{ws}/api/collaboration/room/{room}?sessionId={session_id}&token={TOKEN}"

    def model(self, doc: Doc[Any]) -> harness.Model:
        return JupyterModel(doc)

    async def settle(self, notebook: str) -> None:
        """Wait for its save (a second after the last change) to have happened."""
        path = self.root / notebook
        quiet_since, last = time.monotonic(), path.stat().st_mtime_ns
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and time.monotonic() - quiet_since < 2.5:
            await asyncio.sleep(0.1)
            if (now := path.stat().st_mtime_ns) != last:
                quiet_since, last = time.monotonic(), now


def table(outcomes: list[harness.Outcome]) -> str:
    rows = [
        ("rounds (SIGKILLs)", "rounds"),
        ("  of them frozen mid-save", "kills_mid_save"),
        ("edits delivered to another client", "edits_delivered"),
        ("  lost after the restart", "edits_lost"),
        ("cells created and delivered", "cells_delivered"),
        ("  lost after the restart", "cells_lost"),
        ("tokens or cells duplicated", "duplicated"),
        ("deleted cells resurrected", "resurrected"),
        ("notebook files invalid after a kill", "invalid_files"),
        ("files unlike the document once saved", "files_unlike_document"),
        ("clients not converged at the end", "unconverged"),
        ("untouched notebooks changed", "bystanders_changed"),
    ]
    head = f"{'crashes':<40}" + "".join(f"{o.server:>24}" for o in outcomes)
    lines = [head]
    for label, key in rows:
        lines.append(f"{label:<40}" + "".join(f"{getattr(o, key):>24,}" for o in outcomes))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=48)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    outcomes = []
    with tempfile.TemporaryDirectory() as folder:
        for name in ("interlace", "jupyter"):
            root, state = Path(folder) / name / "root", Path(folder) / name / "state"
            root.mkdir(parents=True)
            state.mkdir()
            target: harness.Target = (
                harness.InterlaceTarget(root) if name == "interlace" else JupyterTarget(root, state)
            )
            torture = harness.Torture(target, clients=args.clients, seed=args.seed)
            outcome = asyncio.run(
                torture.run(args.rounds, freeze_mid_save=lambda number: number % 2 == 1)
            )
            outcomes.append(outcome)
            print(f"{target.name}: {json.dumps(outcome.problems[:5])}", flush=True)
            shutil.rmtree(root, ignore_errors=True)
    print(table(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
