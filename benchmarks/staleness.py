"""What knowing stale cells costs: our kernel with name tracking on and off, and marking.

Figures, each against its target (no Jupyter peer tracks names):

- execute round trip of ``pass``, tracking on, against tracking off plus 5%;
- execute round trip of a 200-line cell, tracking on, against off plus 1 ms;
- marking every cell of a 1,000-cell notebook after one cell ran, against 20 ms.

Two kernels, one tracking and one not, take requests in turn; a second pair is
started in the other order, so that neither drift nor which process came first
favours one side. Two identical kernels differ by a few percent here: read the
figures with that in mind.
"""

from __future__ import annotations

import os
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


def _kernel(directory: Path, tracking: bool) -> Running:
    previous = os.environ.get("INTERLACE_TRACK_NAMES")
    os.environ["INTERLACE_TRACK_NAMES"] = "1" if tracking else "0"
    try:
        return Running("interlace", directory)
    finally:
        if previous is None:
            del os.environ["INTERLACE_TRACK_NAMES"]
        else:
            os.environ["INTERLACE_TRACK_NAMES"] = previous


def _round_trips(directory: Path, codes: dict[str, str], count: int) -> dict[str, list[float]]:
    """Median round trips of each code with tracking on and off: two pairs of kernels,
    started in opposite order, requests alternating between on and off."""
    times: dict[str, list[float]] = {
        f"{name} {state}": [] for name in codes for state in ("on", "off")
    }
    for first in (True, False):
        kernels = {first: _kernel(directory, first), not first: _kernel(directory, not first)}
        try:
            for name, code in codes.items():
                for number in range(count + 5):
                    for on in (True, False):
                        elapsed = execute(kernels[on].client, code)[0]
                        if number >= 5:  # the first few warm the kernels up
                            times[f"{name} {'on' if on else 'off'}"].append(elapsed)
        finally:
            for kernel in kernels.values():
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
