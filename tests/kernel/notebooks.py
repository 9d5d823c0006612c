"""A notebook run with nbclient on ipykernel and on ours, and what each stored, compared.

What is compared is what the notebook file holds afterwards: each code cell's
execution count and outputs, and the widget state nbclient saves in the
notebook's metadata. Before comparing, what differs from run to run is named
stably (``compat.Normalizer``: ids, addresses, the pid in cell file names,
durations), stream text is merged as a notebook shows it (``merge_streams``)
and carriage returns are applied as a terminal or notebook applies them (a
progress bar shows its last state; how many states it printed, and the spaces
padding a state shorter than the one before, are timing).
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from queue import Empty
from typing import TYPE_CHECKING, Any

import nbformat
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from traitlets import Type

from tests.kernel.compat import KINDS, Normalizer, in_thread, merge_streams
from tests.kernel.conftest import kernel_environment

if TYPE_CHECKING:
    from tests.kernel.conftest import KernelKind

__all__ = ["CORPUS", "MATCHED", "execute_notebook", "run_both", "stored", "summary"]

CORPUS = Path(__file__).with_name("corpus")
MATCHED: dict[str, bool] = {}
"""Each corpus notebook run in this session, and whether both kernels stored the same."""
KERNEL_NAMES: dict[KernelKind, str] = {"interlace": "interlace", "ipykernel": "python3"}
CELL_TIMEOUT = 120
STARTUP_TIMEOUT = 60
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

POLL_SLICE = 0.1
"""Seconds a client waits on a socket before looking again (see ``SlicedChannel``)."""

_OVERWRITTEN = re.compile(r"[^\n\r]*\r(?!\n)")
_TRAILING_SPACES = re.compile(r" +$", re.MULTILINE)


class SlicedChannel(AsyncZMQSocketChannel):
    """jupyter_client's asyncio channel, waiting in short slices.

    pyzmq's asyncio sockets sometimes miss the wake-up for a message that has
    arrived (nbclient issue 312: a cell with widget output then waits for its
    reply until the cell timeout, on ipykernel and ours alike); each slice ends in
    a fresh look at the socket, so a missed wake-up costs a tenth of a second.
    """

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:  # type: ignore[override]
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = POLL_SLICE if deadline is None else deadline - time.monotonic()
            if await self.socket.poll(int(max(0.0, min(POLL_SLICE, left)) * 1000)):
                return await self._recv()
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty


class SlicedClient(AsyncKernelClient):
    shell_channel_class = Type(SlicedChannel)
    iopub_channel_class = Type(SlicedChannel)
    control_channel_class = Type(SlicedChannel)


class SlicedManager(AsyncKernelManager):
    client_factory = Type(SlicedClient)


def execute_notebook(path: Path, kind: KernelKind, folder: Path) -> Any:
    """``path`` executed by nbclient on the ``kind`` kernel, in ``folder``; the notebook.

    Cells tagged ``raises-exception`` may fail; any other error fails the run.
    """
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_manager_class=SlicedManager,
        kernel_name=KERNEL_NAMES[kind],
        timeout=CELL_TIMEOUT,
        startup_timeout=STARTUP_TIMEOUT,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute(env=kernel_environment())
    return notebook


def _output(output: Any) -> dict[str, Any]:
    if output["output_type"] == "stream":
        return {"stream": output["name"], "text": output["text"]}
    return {key: value for key, value in output.items()}


def _shown(entry: dict[str, Any]) -> dict[str, Any]:
    if "stream" in entry:
        shown = _OVERWRITTEN.sub("", entry["text"])
        return {**entry, "text": _TRAILING_SPACES.sub("", shown)}
    return entry


def stored(notebook: Any) -> dict[str, Any]:
    """What the executed notebook holds, normalized for comparison."""
    normalizer = Normalizer()
    cells = [
        {
            "count": cell.get("execution_count"),
            "outputs": [_shown(e) for e in merge_streams([_output(o) for o in cell.outputs])],
        }
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]
    widgets = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return normalizer.value({"cells": _plain(cells), "widgets": _plain(widgets)})


def _plain(value: Any) -> Any:
    """nbformat's nodes as plain dicts and lists (so that comparisons print plainly)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def run_both(path: Path, folder: Path) -> dict[KernelKind, dict[str, Any]]:
    """``path`` run on both kernels at once, each in a folder of its own; what each stored."""

    def run(kind: KernelKind) -> dict[str, Any]:
        workdir = folder / kind
        workdir.mkdir(parents=True, exist_ok=True)
        return stored(execute_notebook(path, kind, workdir))

    with ThreadPoolExecutor(2) as pool:
        return dict(zip(KINDS, pool.map(in_thread(run), KINDS), strict=True))


def summary() -> str | None:
    """One line on how the corpus went, for the end of the run; None if it did not run."""
    if not MATCHED:
        return None
    line = f"corpus: {sum(MATCHED.values())} of {len(MATCHED)} notebooks match ipykernel exactly"
    differing = sorted(name for name, same in MATCHED.items() if not same)
    return line + (f" (differ: {', '.join(differing)})" if differing else "")
