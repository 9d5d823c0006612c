"""Measuring and reporting shared by every benchmark group: ours and Jupyter's, side by side."""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

Setup = Callable[[int], Callable[[], None]]
"""Given an operation count, prepare inputs and return a callable doing that many operations."""


@dataclass(frozen=True)
class Result:
    """One figure measured for interlace and for the Jupyter stack in the same run."""

    name: str
    ours: float
    theirs: float
    unit: str = "s"
    higher_is_better: bool = False
    note: str = ""
    against_target: bool = False
    """The second figure is our own target, not a Jupyter measurement."""

    @property
    def ratio(self) -> float:
        """How many times better interlace is (above 1: better, below: worse)."""
        if self.higher_is_better:
            return self.ours / self.theirs
        return self.theirs / self.ours


@contextlib.contextmanager
def step(name: str) -> Iterator[None]:
    """Say on stderr when a long step starts and how long it took, so a slow or stuck
    run shows where it is."""
    start = time.monotonic()
    print(f"  {name} ...", file=sys.stderr, flush=True)
    yield
    print(f"  {name}: {time.monotonic() - start:.1f} s", file=sys.stderr, flush=True)


def percentile(samples: list[float], percent: float) -> float:
    """The sample below which ``percent`` of them fall (nearest rank)."""
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, int(len(ordered) * percent / 100) - 1))]


def time_per_op(setup: Setup, count: int) -> float:
    run = setup(count)
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) / count


def compare_per_op(name: str, ours: Setup, theirs: Setup, count: int, repeats: int) -> Result:
    """Median seconds per operation, alternating ours and theirs so load drift hits both."""
    our_samples, their_samples = [], []
    for _ in range(repeats):
        our_samples.append(time_per_op(ours, count))
        their_samples.append(time_per_op(theirs, count))
    return Result(name, statistics.median(our_samples), statistics.median(their_samples))


def _format(value: float, unit: str) -> str:
    if unit != "s":
        return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.3g} {unit}"
    for suffix, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if value >= scale:
            return f"{value / scale:.3g} {suffix}"
    return f"{value / 1e-9:.3g} ns"


def report(results: list[Result]) -> str:
    """A table: one line per figure, and how many times better interlace is."""
    lines = [f"{'figure':<46} {'interlace':>14} {'jupyter':>14} {'better':>8}"]
    for result in results:
        theirs = _format(result.theirs, result.unit) + (
            " (target)" if result.against_target else ""
        )
        lines.append(
            f"{result.name:<46} {_format(result.ours, result.unit):>14}"
            f" {theirs:>14} {result.ratio:>7.2f}x" + (f"  {result.note}" if result.note else "")
        )
    return "\n".join(lines)
