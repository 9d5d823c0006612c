"""Timing and reporting shared by every benchmark group: ours and Jupyter's, side by side."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

Setup = Callable[[int], Callable[[], None]]
"""Given an operation count, prepare inputs and return a callable doing that many operations."""


@dataclass(frozen=True)
class Case:
    """One measurement: the same work done by interlace and by the Jupyter stack."""

    group: str
    name: str
    ours: Setup
    theirs: Setup
    unit: str = "op"


@dataclass(frozen=True)
class Result:
    case: Case
    ours: float
    theirs: float

    @property
    def ratio(self) -> float:
        """How many times faster interlace is (Jupyter's time divided by ours)."""
        return self.theirs / self.ours


def time_per_op(setup: Setup, count: int, repeats: int) -> float:
    """Median seconds per operation over ``repeats`` runs of ``count`` operations."""
    samples = []
    for _ in range(repeats):
        run = setup(count)
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) / count)
    return statistics.median(samples)


def measure(case: Case, count: int, repeats: int) -> Result:
    """Alternate ours and theirs so that drift in machine load hits both alike."""
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(repeats):
        ours.append(time_per_op(case.ours, count, 1))
        theirs.append(time_per_op(case.theirs, count, 1))
    return Result(case, statistics.median(ours), statistics.median(theirs))


def _format_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def report(results: list[Result]) -> str:
    """A table with one line per case and the ratio Jupyter / interlace."""
    lines = [f"{'case':<44} {'interlace':>11} {'jupyter':>11} {'ratio':>8}"]
    for result in results:
        label = f"{result.case.group}: {result.case.name}"
        lines.append(
            f"{label:<44} {_format_time(result.ours):>11} {_format_time(result.theirs):>11}"
            f" {result.ratio:>7.2f}x"
        )
    return "\n".join(lines)
