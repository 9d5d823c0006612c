"""Coding agents over MCP: a tool call that reads a 200-cell notebook, and running ``1+1`` by id
to its output, over HTTP (the server's ``/api/mcp``) and over stdio (``interlace mcp``).

There is no Jupyter figure to run beside these; each is reported against our own
target: a read under 50 ms, and a run within 20 ms of the kernel's own execute
round trip for ``1+1``, measured in this run with our client on a kernel of the
same kind. The MCP client is the ``mcp`` SDK's own, in this process.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters
from mcp.types import Implementation

from _harness import Result, percentile
from interlace.client import KernelManager
from server import TOKEN, interlace_server

READ_TARGET = 0.050
RUN_MARGIN = 0.020
CELLS = 200


def _cell(number: int) -> dict[str, Any]:
    return {
        "id": f"c{number}",
        "cell_type": "code",
        "metadata": {},
        "source": f"value_{number} = {number}\nprint(value_{number})\nvalue_{number} * 2",
        "outputs": [
            {"output_type": "stream", "name": "stdout", "text": f"{number}\n"},
            {
                "output_type": "execute_result",
                "execution_count": number + 1,
                "data": {"text/plain": str(number * 2)},
                "metadata": {},
            },
        ],
        "execution_count": number + 1,
    }


def _notebook(cells: list[dict[str, Any]]) -> dict[str, Any]:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}


async def _kernel_round_trips(count: int) -> list[float]:
    """``1+1`` to its reply and idle, on a kernel of our own, with our client."""
    async with KernelManager("interlace") as manager:
        client = await manager.client()
        await (await client.execute("0")).wait(timeout=60)
        samples = []
        for _ in range(count):
            started = time.perf_counter()
            await (await client.execute("1+1")).wait(timeout=60)
            samples.append(time.perf_counter() - started)
        return samples


async def _calls(
    target: str | StdioServerParameters, count: int
) -> tuple[list[float], list[float], float]:
    """Seconds per read of the big notebook (each after an edit of one of its cells, so no
    read finds it as the last one left it), per run of ``1+1`` to its output, and of the
    first read of the big notebook (opening it)."""
    info = Implementation(name="benchmark", version="1")
    async with Client(target, client_info=info, read_timeout_seconds=120) as client:
        first = await client.call_tool("read_notebook", {"path": "one.ipynb"})
        digest = json.loads(first.content[0].text)["cells"][0]["hash"]  # type: ignore[union-attr]
        run = {"path": "one.ipynb", "cells": [{"id": "c0", "hash": digest}]}
        await client.call_tool("run_cells", run)  # the kernel starts
        started = time.perf_counter()
        await client.call_tool("read_notebook", {"path": "big.ipynb"})
        cold = time.perf_counter() - started
        reads, runs = [], []
        for number in range(count):
            edit = {"path": "big.ipynb", "cell_id": f"c{number % CELLS}", "source": f"y = {number}"}
            await client.call_tool("set_cell_source", edit)
            started = time.perf_counter()
            await client.call_tool("read_notebook", {"path": "big.ipynb"})
            reads.append(time.perf_counter() - started)
            started = time.perf_counter()
            result = await client.call_tool("run_cells", run)
            runs.append(time.perf_counter() - started)
            output = json.loads(result.content[0].text)["cells"][0]["outputs"]  # type: ignore[union-attr]
            assert output[0]["text"] == "2", output
        return reads, runs, cold


def _opening(seconds: float) -> str:
    return f"after an edit of one cell; the first read, opening it: {seconds * 1000:.0f} ms"


def _line(name: str, samples: list[float], target: float, note: str = "") -> Result:
    spread = f"p90 {percentile(samples, 90) * 1000:.1f} ms of {len(samples)}"
    return Result(
        name,
        statistics.median(samples),
        target,
        note=f"{spread}{'; ' + note if note else ''}",
        against_target=True,
    )


def run(quick: bool) -> list[Result]:
    count = 5 if quick else 50
    kernel = statistics.median(anyio.run(_kernel_round_trips, count))
    with tempfile.TemporaryDirectory(prefix="interlace-bench-") as folder:
        root = Path(folder)
        (root / "big.ipynb").write_text(json.dumps(_notebook([_cell(n) for n in range(CELLS)])))
        one = {**_cell(0), "source": "1+1", "outputs": [], "execution_count": None}
        (root / "one.ipynb").write_text(json.dumps(_notebook([one])))
        with interlace_server(root) as base:
            over_http = anyio.run(_calls, f"{base}/api/mcp?token={TOKEN}", count)
            bridge = StdioServerParameters(
                command=sys.executable,
                args=["-m", "interlace", "mcp", "--url", base, "--token", TOKEN],
                env=dict(os.environ),
            )
            over_stdio = anyio.run(_calls, bridge, count)
    run_target = kernel + RUN_MARGIN
    kernel_note = f"kernel's own 1+1 {kernel * 1000:.1f} ms + 20 ms"
    name = f"agents: MCP read of a {CELLS}-cell notebook"
    return [
        _line(f"{name} (HTTP)", over_http[0], READ_TARGET, _opening(over_http[2])),
        _line(f"{name} (stdio)", over_stdio[0], READ_TARGET, "after an edit of one cell"),
        _line("agents: MCP run 1+1 to its output (HTTP)", over_http[1], run_target, kernel_note),
        _line("agents: MCP run 1+1 to its output (stdio)", over_stdio[1], run_target, kernel_note),
    ]
