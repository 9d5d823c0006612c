"""Server-owned notebooks: edit propagation at 50 clients, opening a big notebook, a long print.

There is no Jupyter equivalent to run beside these (jupyter-collaboration keeps
no server-side execution), so each figure is reported against our own target
(see benchmarks/README.md). All clients run in this one process, on the same two
cores as the server: the figures include their own work.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from pycrdt import (
    Doc,
    YMessageType,
    create_sync_message,
    create_update_message,
    handle_sync_message,
)
from websockets.asyncio.client import ClientConnection, connect

from _harness import Result, percentile
from interlace.collab import NotebookDocument
from server import TOKEN, interlace_server


def _notebook(cells: int, source: str = "") -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "id": f"c{i}",
                "cell_type": "code",
                "metadata": {},
                "source": source,
                "outputs": [],
                "execution_count": None,
            }
            for i in range(cells)
        ],
    }


class Peer:
    """One Yjs client: applies what the server sends, sends its own edits."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.document = NotebookDocument(Doc())
        self.outgoing: list[bytes] = []
        self.document.doc.observe(lambda event: self.outgoing.append(event.update))
        self.on_change: Any = None
        self.changed = asyncio.Event()

    async def until(self, condition: Any) -> None:
        """Wait, message by message, until ``condition()`` holds."""
        while not condition():
            self.changed.clear()
            await self.changed.wait()

    @classmethod
    async def join(cls, url: str) -> Peer:
        peer = cls(await connect(url, max_size=None))
        await peer.ws.send(create_sync_message(peer.document.doc))
        return peer

    async def send_edits(self) -> None:
        while self.outgoing:
            await self.ws.send(create_update_message(self.outgoing.pop(0)))

    async def listen(self) -> None:
        async for message in self.ws:
            if not isinstance(message, bytes) or message[0] != YMessageType.SYNC:
                continue
            self.outgoing.clear()
            reply = handle_sync_message(message[1:], self.document.doc)
            self.outgoing.clear()
            if reply is not None:
                await self.ws.send(reply)
            if self.on_change is not None:
                self.on_change()
            self.changed.set()


async def _edits(url: str, clients: int, rounds: int) -> list[float]:
    peers = [await Peer.join(url) for _ in range(clients)]
    listeners = [asyncio.create_task(p.listen()) for p in peers]
    for peer in peers:
        await peer.until(lambda peer=peer: len(peer.document.cells) == clients)
    latencies: list[float] = []
    for peer in peers:
        seen = {f"c{i}": len(peer.document.cell(f"c{i}")["source"]) for i in range(clients)}

        def check(peer: Peer = peer, seen: dict[str, int] = seen) -> None:
            now = time.perf_counter()
            for cell_id, length in seen.items():
                text = peer.document.cell(cell_id)["source"]
                if len(text) != length:
                    seen[cell_id] = len(text)
                    stamp = str(text).rstrip(";").rsplit(";", 1)[-1]
                    latencies.append(now - float(stamp))

        peer.on_change = check
    for _ in range(rounds):
        for number, peer in enumerate(peers):
            text = peer.document.cell(f"c{number}")["source"]
            text.insert(len(text), f"{time.perf_counter()};")
            await peer.send_edits()
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
    for task in listeners:
        task.cancel()
    for peer in peers:
        await peer.ws.close()
    return latencies


async def _open(url: str, cells: int) -> float:
    started = time.perf_counter()
    peer = await Peer.join(url)
    listener = asyncio.create_task(peer.listen())
    await peer.until(lambda: len(peer.document.cells) >= cells)
    elapsed = time.perf_counter() - started
    listener.cancel()
    await peer.ws.close()
    return elapsed


async def _long_print(base: str, url: str) -> float:
    peer = await Peer.join(url)
    listener = asyncio.create_task(peer.listen())
    await peer.until(lambda: "c0" in peer.document.cells)
    async with httpx.AsyncClient(base_url=base, params={"token": TOKEN}, timeout=300) as http:
        started = time.perf_counter()
        await http.post("/api/notebooks/print.ipynb/execute", json={"cells": ["c0"]})
        await peer.until(lambda: peer.document.cell("c0").get("execution_count") is not None)
        elapsed = time.perf_counter() - started
    listener.cancel()
    await peer.ws.close()
    return elapsed


def run(quick: bool) -> list[Result]:
    clients, rounds, cells, lines = (5, 2, 100, 2_000) if quick else (50, 5, 1_000, 200_000)
    with tempfile.TemporaryDirectory(prefix="interlace-bench-") as folder:
        root = Path(folder)
        (root / "edits.ipynb").write_text(json.dumps(_notebook(clients)))
        (root / "big.ipynb").write_text(json.dumps(_notebook(cells, "x = 1\n" * 5)))
        printing = _notebook(1, f"for i in range({lines}):\n    print(i)")
        (root / "print.ipynb").write_text(json.dumps(printing))
        with interlace_server(root) as base:
            ws = base.replace("http", "ws") + "/api/collab/"
            query = f"?token={TOKEN}"
            latencies = asyncio.run(_edits(ws + "edits.ipynb" + query, clients, rounds))
            first_open = asyncio.run(_open(ws + "big.ipynb" + query, cells))
            again = asyncio.run(_open(ws + "big.ipynb" + query, cells))
            printed = asyncio.run(_long_print(base, ws + "print.ipynb" + query))
    ordered = latencies or [float("nan")]
    p99 = percentile(ordered, 99)
    return [
        Result(
            f"collab: edit reaches others, {clients} clients (median)",
            statistics.median(ordered),
            0.050,
            against_target=True,
        ),
        Result(
            f"collab: edit reaches others, {clients} clients (p99)",
            p99,
            0.050,
            note=f"{len(ordered)} deliveries",
            against_target=True,
        ),
        Result(
            f"collab: open a {cells}-cell notebook (from the file)",
            first_open,
            1.0,
            against_target=True,
        ),
        Result("collab: open it again (from the update log)", again, 1.0, against_target=True),
        Result(
            f"collab: {lines:,} printed lines into the document",
            printed,
            3.0,
            note="until the execution count is set",
            against_target=True,
        ),
    ]
