"""The server's memory while a kernel prints a gigabyte, ours beside jupyter_server.

Two cases, each measured as the server process's resident memory (VmRSS, read
every 20 ms) before, at its peak, and once the print is done:

- a cell printing 1 GiB through a kernel websocket that was closed right after
  the request (a browser tab closed mid-run): ours with our kernel beside
  jupyter_server with ipykernel; then what a reconnecting websocket is replayed;
- a notebook cell printing 1 GiB, run by the server into the notebook
  (jupyter_server keeps no notebook document; our target instead: the peak stays
  under 512 MiB above the server's start).
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from websockets.sync.client import ClientConnection, connect

from _harness import Result, step
from interlace.protocol import Sender
from server import TOKEN, ServerUrl, interlace_server, jupyter_server

if TYPE_CHECKING:
    from collections.abc import Iterator

MIB = 1 << 20
LINE = MIB
"""One print: a line of a mebibyte."""


def _printing(size: int) -> str:
    return (
        "import sys\n"
        f"line = 'x' * {LINE - 1} + '\\n'\n"
        f"for _ in range({size // LINE}):\n"
        "    sys.stdout.write(line)\n"
    )


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class Peak:
    """The highest resident memory of ``pid`` while the block runs (read every 20 ms)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._done = pid, _rss(pid), threading.Event()

    def _watch(self) -> None:
        while not self._done.wait(0.02):
            with contextlib.suppress(OSError):
                self.peak = max(self.peak, _rss(self.pid))

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        watcher = threading.Thread(target=self._watch, name="rss-watcher", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            self._done.set()
            watcher.join()


def _execute(code: str, session: str) -> dict[str, Any]:
    content = {"code": code, "silent": False, "store_history": False,
               "user_expressions": {}, "allow_stdin": False}  # fmt: skip
    message = Sender(session=session, username="bench").message("execute_request", content)
    header = {**message.header.to_dict(), "date": message.header.date.isoformat()}
    return {"header": header, "parent_header": {}, "metadata": {}, "content": content,
            "channel": "shell"}  # fmt: skip


def _activity(http: httpx.Client, kernel: str) -> tuple[str, str]:
    model = http.get(f"/api/kernels/{kernel}").json()
    return model.get("execution_state", ""), model.get("last_activity", "")


def _wait_idle(http: httpx.Client, kernel: str, since: str, timeout: float = 600) -> None:
    """Until the kernel, active after ``since`` (its last activity before the request),
    is idle again: a print done between two looks never shows busy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state, activity = _activity(http, kernel)
        if state == "idle" and activity != since:
            return
        time.sleep(0.05)
    raise TimeoutError("the kernel never finished printing")


def _until_running(ws: ClientConnection) -> None:
    """Until the kernel said it runs the request (its execute_input)."""
    while True:
        message = ws.recv(timeout=60)
        if isinstance(message, str) and json.loads(message)["msg_type"] == "execute_input":
            return


def _replayed(url: str, kernel: str, session: str) -> int:
    """Bytes a websocket reconnecting under ``session`` is sent before it goes quiet."""
    ws_url = url.replace("http://", "ws://")
    total = 0
    with (
        connect(
            f"{ws_url}/api/kernels/{kernel}/channels?session_id={session}&token={TOKEN}",
            max_size=None,
            open_timeout=60,
        ) as ws,
        contextlib.suppress(TimeoutError),
    ):
        while True:
            total += len(ws.recv(timeout=3))
    return total


def _closed_websocket(url: ServerUrl, kernel_name: str, size: int) -> tuple[int, int, int, int]:
    """(before, peak, after, replayed) bytes for a print to a websocket closed at once."""
    with httpx.Client(base_url=url, headers={"Authorization": f"token {TOKEN}"}, timeout=120) as h:
        with step(f"memory: {kernel_name}: kernel start"):
            kernel = h.post("/api/kernels", json={"name": kernel_name}).json()["id"]
            session = "closed-tab"
            ws_url = url.replace("http://", "ws://")
            channels = f"{ws_url}/api/kernels/{kernel}/channels?session_id={session}&token={TOKEN}"
            with connect(channels, max_size=None, open_timeout=60) as ws:
                ws.send(json.dumps(_execute("1", session)))
                ws.recv(timeout=60)  # the kernel is up and answering
        time.sleep(1)
        before, watch, (_, since) = _rss(url.pid), Peak(url.pid), _activity(h, kernel)
        with step(f"memory: {kernel_name}: print, tab closed"), watch.watching():
            with connect(channels, max_size=None, open_timeout=60) as ws:
                ws.send(json.dumps(_execute(_printing(size), session)))
                _until_running(ws)  # then the tab closes, mid-run
            _wait_idle(h, kernel, since)
            time.sleep(1)
        after = _rss(url.pid)
        with step(f"memory: {kernel_name}: replay"):
            return before, watch.peak, after, _replayed(url, kernel, session)


def _notebook_print(size: int) -> tuple[int, int, int]:
    """(before, peak, after) bytes for a notebook cell printing ``size`` into the notebook."""

    def cell(cell_id: str, source: str) -> dict[str, Any]:
        return {"id": cell_id, "cell_type": "code", "metadata": {}, "source": source,
                "outputs": [], "execution_count": None}  # fmt: skip

    cells = [cell("warm", "1"), cell("big", _printing(size))]
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
    with tempfile.TemporaryDirectory() as folder, interlace_server(Path(folder)) as url:
        (Path(folder) / "big.ipynb").write_text(json.dumps(notebook))
        headers = {"Authorization": f"token {TOKEN}"}
        with httpx.Client(base_url=url, headers=headers, timeout=120) as http:
            with step("memory: notebook: kernel start"):
                http.post("/api/notebooks/big.ipynb/execute", json={"cells": ["warm"]})
                kernel = _notebook_kernel(http, "big.ipynb")
                _wait_idle(http, kernel, since="")
            time.sleep(1)
            before, watch, (_, since) = _rss(url.pid), Peak(url.pid), _activity(http, kernel)
            with step("memory: notebook: print"), watch.watching():
                http.post("/api/notebooks/big.ipynb/execute", json={"cells": ["big"]})
                _wait_idle(http, kernel, since)
                _wait_run_ended(http, "big.ipynb", "big")
                time.sleep(1)
            return before, watch.peak, _rss(url.pid)


def _wait_run_ended(http: httpx.Client, path: str, cell_id: str, timeout: float = 600) -> None:
    """Until the cell's run has ended in the notebook (all its output written there)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cell = http.get(f"/api/agents/notebooks/{path}/cells/{cell_id}").json()
        if cell.get("status") not in ("queued", "running"):
            return
        time.sleep(0.1)
    raise TimeoutError(f"the run of {cell_id} never ended")


def _notebook_kernel(http: httpx.Client, path: str, timeout: float = 60) -> str:
    """The id of the kernel the server started for the notebook at ``path``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for session in http.get("/api/sessions").json():
            if session["path"] == path:
                return str(session["kernel"]["id"])
        time.sleep(0.05)
    raise TimeoutError(f"no kernel started for {path}")


def run(quick: bool) -> list[Result]:
    size = 64 * MIB if quick else 1024 * MIB
    label = f"{size // MIB:,} MiB"
    with tempfile.TemporaryDirectory() as folder:
        with step("memory: interlace, tab closed"), interlace_server(Path(folder)) as url:
            ours = _closed_websocket(url, "interlace", size)
        with step("memory: jupyter_server, tab closed"), jupyter_server(Path(folder)) as url:
            theirs = _closed_websocket(url, "python3", size)
    with step("memory: interlace, into a notebook"):
        notebook = _notebook_print(size)
    return [
        Result(f"memory: print {label}, tab closed: peak", ours[1] - ours[0],
               theirs[1] - theirs[0], unit="B"),
        Result(f"memory: print {label}, tab closed: kept", max(ours[2] - ours[0], MIB),
               max(theirs[2] - theirs[0], MIB), unit="B", note="(at least 1 MiB counted)"),
        Result(f"memory: print {label}: replayed to the tab", ours[3], max(theirs[3], 1), unit="B",
               higher_is_better=True, note="what a returning tab sees of what it missed"),
        Result(f"memory: print {label} into a notebook: peak", notebook[1] - notebook[0],
               512 * MIB, unit="B", against_target=True),
        Result(f"memory: print {label} into a notebook: kept", max(notebook[2] - notebook[0], MIB),
               512 * MIB, unit="B", against_target=True, note="(at least 1 MiB counted)"),
    ]  # fmt: skip
