"""Recording: its cost on a long print, seeking in a long history, bytes per event.

Recording is ours alone (Jupyter keeps input history only), so each figure is
set against our own target (benchmarks/README.md).
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from pycrdt import Doc, Text, TransactionEvent

from _harness import Result
from collab import _long_print, _notebook
from interlace.record import Recordings
from server import TOKEN, interlace_server


def _print_overhead(lines: int, repeats: int) -> tuple[float, float]:
    """Median seconds for a ``lines``-line print into the document, recorded and not."""
    with tempfile.TemporaryDirectory(prefix="interlace-bench-") as folder:
        root = Path(folder)
        source = f"for i in range({lines}):\n    print(i)"
        for name in ("recorded", "unrecorded"):
            (root / f"{name}.ipynb").write_text(json.dumps(_notebook(1, source)))
        with interlace_server(root) as base:
            with httpx.Client(base_url=base, params={"token": TOKEN}) as http:
                off = {"enabled": False}
                http.put("/api/notebooks/unrecorded.ipynb/history", json=off).raise_for_status()
            ws = base.replace("http", "ws") + "/api/collab/"
            times: dict[str, list[float]] = {"recorded": [], "unrecorded": []}
            for _ in range(repeats):
                for name in times:
                    url = f"{ws}{name}.ipynb?token={TOKEN}"
                    times[name].append(asyncio.run(_long_print(base, url, f"{name}.ipynb")))
    return statistics.median(times["recorded"]), statistics.median(times["unrecorded"])


def _history(events: int) -> tuple[list[float], float]:
    """Seek times to random moments of an ``events``-long typing history; bytes per event."""
    with tempfile.TemporaryDirectory(prefix="interlace-bench-") as folder:
        database = Path(folder) / "recordings.sqlite"
        recordings = Recordings(database)
        doc: Doc[Any] = Doc()
        text = doc.get("source", type=Text)
        recorder = recordings.recorder("typed.ipynb", doc.get_update)

        def changed(event: TransactionEvent) -> None:
            recorder.record("edit", "alice", change=event.update)

        doc.observe(changed)
        for number in range(events - 1):
            if number % 80 == 79:
                text.insert(len(text), "\n")
            else:
                text.insert(len(text), "abcdefghij"[number % 10])
        generator = random.Random(7)
        seeks = []
        for _ in range(50):
            seq = generator.randrange(events)
            started = time.perf_counter()
            recordings.state_at("typed.ipynb", seq)
            seeks.append(time.perf_counter() - started)
        recordings.close()
        size = sum(f.stat().st_size for f in Path(folder).glob("recordings.sqlite*"))
    return seeks, size / events


def run(quick: bool) -> list[Result]:
    lines, repeats, events = (2_000, 1, 2_000) if quick else (200_000, 3, 100_000)
    recorded, unrecorded = _print_overhead(lines, repeats)
    seeks, per_event = _history(events)
    return [
        Result(
            f"record: {lines:,}-line print, recording on",
            recorded,
            unrecorded * 1.10,
            note=f"target: at most 10% over the {unrecorded:.2f} s with recording off",
            against_target=True,
        ),
        Result(
            f"record: seek in a {events:,}-event history (median)",
            statistics.median(seeks),
            0.100,
            note=f"slowest of 50: {max(seeks) * 1000:.1f} ms",
            against_target=True,
        ),
        Result(
            "record: log size per typed character",
            per_event,
            200,
            unit="B",
            note="events, snapshots and SQLite pages",
            against_target=True,
        ),
    ]
