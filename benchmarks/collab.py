"""Server-owned notebooks: edit propagation at 50 clients, opening a big notebook, a long print.

There is no Jupyter equivalent to run beside these (jupyter-collaboration keeps
no server-side execution), so each figure is reported against our own target
(see benchmarks/README.md). All clients run in this one process, on the same two
cores as the server: the figures include their own work.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
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

    def apply(self, message: bytes) -> bytes | None:
        """Apply a sync message to this client's document; the reply to send, if any."""
        reply = handle_sync_message(message[1:], self.document.doc)
        self.outgoing.clear()
        self.changed.set()
        return reply

    async def listen(self) -> None:
        async for message in self.ws:
            if isinstance(message, bytes) and message[0] == YMessageType.SYNC:
                reply = self.apply(message)
                if reply is not None:
                    await self.ws.send(reply)


_STAMP = re.compile(rb"@(\d+\.\d+);")
"""Each edit types the moment it was made, so any copy of it says how long it travelled."""


class _Latencies:
    """Delivery delays: to each client's socket, and into one full client's document."""

    def __init__(self) -> None:
        self.arrived: list[float] = []
        self.applied: list[float] = []
        self._arrival = asyncio.Event()

    async def until_arrived(self, count: int, timeout: float) -> None:
        """Wait until ``count`` deliveries have arrived (or ``timeout`` passed)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while len(self.arrived) < count:
                    self._arrival.clear()
                    await self._arrival.wait()

    async def receive(self, peer: Peer, apply: bool) -> None:
        async for message in peer.ws:
            if not isinstance(message, bytes):
                continue
            stamps = [float(s) for s in _STAMP.findall(message)]
            self.arrived.extend(time.perf_counter() - s for s in stamps)
            self._arrival.set()
            if apply and message[0] == YMessageType.SYNC:
                peer.apply(message)
                self.applied.extend(time.perf_counter() - s for s in stamps)


async def _type(peer: Peer, cell_id: str, seconds: float, interval: float) -> int:
    """Type into one cell every ``interval`` seconds, from a random phase; how many edits."""
    await asyncio.sleep(random.random() * interval)
    finish = time.perf_counter() + seconds
    typed = 0
    while time.perf_counter() < finish:
        text = peer.document.cell(cell_id)["source"]
        text.insert(len(text), f"@{time.perf_counter()};")
        await peer.send_edits()
        typed += 1
        await asyncio.sleep(interval)
    return typed


async def _edits(url: str, clients: int, seconds: float) -> _Latencies:
    """Every client types five times a second into its own cell.

    Fifty people on fifty machines each apply every update in their own
    browser; here all fifty share the server's two cores, so only the first
    client applies what it receives (and reports that delay too); the others
    record when each edit reaches their socket.
    """
    peers = [await Peer.join(url) for _ in range(clients)]
    for peer in peers:
        while len(peer.document.cells) < clients:
            message = await peer.ws.recv()
            if isinstance(message, bytes) and message[0] == YMessageType.SYNC:
                reply = peer.apply(message)
                if reply is not None:
                    await peer.ws.send(reply)
    latencies = _Latencies()
    receivers = [
        asyncio.create_task(latencies.receive(peer, apply=number == 0))
        for number, peer in enumerate(peers)
    ]
    typed = await asyncio.gather(*(_type(p, f"c{n}", seconds, 0.2) for n, p in enumerate(peers)))
    await latencies.until_arrived(sum(typed) * (clients - 1), timeout=10)
    for task in receivers:
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


async def _long_print(base: str, url: str, notebook: str = "print.ipynb") -> float:
    """Seconds from asking the server to run the notebook's cell to its new execution count."""
    peer = await Peer.join(url)
    listener = asyncio.create_task(peer.listen())
    await peer.until(lambda: "c0" in peer.document.cells)
    before = peer.document.cell("c0").get("execution_count")
    async with httpx.AsyncClient(base_url=base, params={"token": TOKEN}, timeout=300) as http:
        started = time.perf_counter()
        await http.post(f"/api/notebooks/{notebook}/execute", json={"cells": ["c0"]})
        await peer.until(
            lambda: peer.document.cell("c0").get("execution_count") not in (None, before)
        )
        elapsed = time.perf_counter() - started
    listener.cancel()
    await peer.ws.close()
    return elapsed


def _delays(name: str, samples: list[float], target: float) -> list[Result]:
    ordered = samples or [float("nan")]
    return [
        Result(f"{name} (median)", statistics.median(ordered), target, against_target=True),
        Result(
            f"{name} (p99)",
            percentile(ordered, 99),
            target,
            note=f"{len(ordered):,} deliveries",
            against_target=True,
        ),
    ]


def run(quick: bool) -> list[Result]:
    clients, seconds, cells, lines = (5, 1.0, 100, 2_000) if quick else (50, 10.0, 1_000, 200_000)
    with tempfile.TemporaryDirectory(prefix="interlace-bench-") as folder:
        root = Path(folder)
        (root / "edits.ipynb").write_text(json.dumps(_notebook(clients)))
        (root / "big.ipynb").write_text(json.dumps(_notebook(cells, "x = 1\n" * 5)))
        printing = _notebook(1, f"for i in range({lines}):\n    print(i)")
        (root / "print.ipynb").write_text(json.dumps(printing))
        with interlace_server(root) as base:
            ws = base.replace("http", "ws") + "/api/collab/"
            query = f"?token={TOKEN}"
            latencies = asyncio.run(_edits(ws + "edits.ipynb" + query, clients, seconds))
            first_open = asyncio.run(_open(ws + "big.ipynb" + query, cells))
            again = asyncio.run(_open(ws + "big.ipynb" + query, cells))
            printed = asyncio.run(_long_print(base, ws + "print.ipynb" + query))
    return [
        *_delays(f"collab: edit reaches {clients - 1} others", latencies.arrived, 0.050),
        *_delays("collab: edit applied by a client", latencies.applied, 0.050),
        Result(
            f"collab: open a {cells}-cell notebook (from the file)",
            first_open,
            1.0,
            against_target=True,
        ),
        Result("collab: open it again (from its log)", again, 1.0, against_target=True),
        Result(
            f"collab: {lines:,} printed lines into the document",
            printed,
            3.0,
            note="until the execution count is set",
            against_target=True,
        ),
    ]
