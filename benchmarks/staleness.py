"""What knowing stale cells costs: our kernel with name tracking on and off, and marking.

Figures, each against its target (no Jupyter peer tracks names):

- execute round trip of ``pass``, tracking on, against tracking off plus 5%;
- execute round trip of a 200-line cell, tracking on, against off plus 1 ms;
- marking every cell of a 1,000-cell notebook after one cell ran, against 20 ms.

One kernel takes the requests, tracking switched on and off between them (it is
read at each execution): two identical kernel processes differ by up to 1.3 ms on
the 200-line cell, more than the tracking costs, so comparing two would measure
the processes.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from _harness import Result
from interlace.collab import NotebookDocument
from interlace.collab._staleness import Marks
from interlace.protocol import names_of_source
from kernel import Running, execute

LONG_CELL = "\n".join(f"v{i} = {i} * 2 + len('{'x' * (i % 7)}')" for i in range(200))
"""A 200-line cell: an assignment a line."""


_SWITCH = "import os as _os; _os.environ['INTERLACE_TRACK_NAMES'] = {!r}; del _os"
"""Tracking is read at each execution: this turns it on or off for the next one."""


def _round_trips(directory: Path, codes: dict[str, str], count: int) -> dict[str, list[float]]:
    """Round trips of each code with tracking on and off, in one kernel: requests
    alternate between the two (which goes first alternates too), each after a request
    (not timed) that switches tracking. Two kernels, even identical ones, differ by more
    than what is measured here: the same process on both sides leaves only the tracking."""
    times: dict[str, list[float]] = {
        f"{name} {state}": [] for name in codes for state in ("on", "off")
    }
    kernel = Running("interlace", directory)
    try:
        for name, code in codes.items():
            for number in range(count + 5):
                order = (True, False) if number % 2 else (False, True)
                for on in order:
                    execute(kernel.client, _SWITCH.format("1" if on else "0"))
                    elapsed = execute(kernel.client, code)[0]
                    if number >= 5:  # the first few warm the kernel up
                        times[f"{name} {'on' if on else 'off'}"].append(elapsed)
    finally:
        kernel.close()
    return times


def _marked(cells: int, chained: bool) -> tuple[NotebookDocument, Marks]:
    """A notebook of ``cells`` cells that ran in order. Chained, each reads the one
    before (a run makes everything after it stale); else they come in pairs, the
    second reading the first (a run makes one other cell stale)."""
    document = NotebookDocument.from_notebook(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {
                    "id": f"c{n}",
                    "cell_type": "code",
                    "metadata": {},
                    "source": _source(n, chained),
                    "outputs": [],
                    "execution_count": None,
                }
                for n in range(cells)
            ],
        }
    )
    marks = Marks(document)
    marks.start_session("s")
    for n in range(cells):
        _run(document, marks, f"c{n}")
    return document, marks


def _source(n: int, chained: bool) -> str:
    if chained:
        return f"x{n} = x{n - 1} + 1" if n else "x0 = 0"
    return f"y{n} = 1" if n % 2 == 0 else f"z{n} = y{n - 1} * 2"


def _run(document: NotebookDocument, marks: Marks, cell_id: str) -> None:
    """What a run does to the marks: begin, finish with its names, mark every cell."""
    source = document.source(cell_id)
    begun = marks.begin(source)
    record = {"status": "ok", "finished": "2026-12-03T00:00:00+00:00", **begun}
    record.update(marks.finish(cell_id, begun, names_of_source(source), "kernel"))
    document.cell(cell_id)["metadata"] = {"interlace": record}
    marks.mark()


def _marking(cells: int, chained: bool, count: int) -> float:
    """Median time for a cell in the middle to finish a run and every cell to be marked."""
    times = []
    for _ in range(count):
        document, marks = _marked(cells, chained)
        started = time.perf_counter()
        _run(document, marks, f"c{cells // 2}")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(quick: bool) -> list[Result]:
    count = 10 if quick else 100
    with tempfile.TemporaryDirectory() as directory:
        times = _round_trips(Path(directory), {"pass": "pass", "long": LONG_CELL}, count)
    pass_on, pass_off = statistics.median(times["pass on"]), statistics.median(times["pass off"])
    long_on, long_off = statistics.median(times["long on"]), statistics.median(times["long off"])
    note = "(target: tracking off + 5%; off measured {:.2f} ms)"
    return [
        Result(
            "stale: execute 'pass', names tracked",
            pass_on,
            pass_off * 1.05,
            against_target=True,
            note=note.format(pass_off * 1000),
        ),
        Result(
            "stale: execute 200 lines, names tracked",
            long_on,
            long_off + 0.001,
            against_target=True,
            note=f"(target: tracking off + 1 ms; off measured {long_off * 1000:.2f} ms)",
        ),
        Result(
            "stale: mark 1,000 cells, a run staling 1",
            _marking(1000, False, 1 if quick else 10),
            0.020,
            against_target=True,
        ),
        Result(
            "stale: mark 1,000 cells, a run staling 499",
            _marking(1000, True, 1 if quick else 10),
            0.020,
            against_target=True,
            note="(a chain: each cell reads the one before)",
        ),
    ]
