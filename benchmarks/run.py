"""Run interlace's benchmarks beside the Jupyter stack's, in one process run, and print ratios.

    python benchmarks/run.py            # every group
    python benchmarks/run.py --quick    # a smoke run with few iterations
    python benchmarks/run.py wire       # one group

Absolute times are noisy on shared machines; the ratio within one run is the figure.
"""

from __future__ import annotations

import argparse
import platform
import sys
from importlib.metadata import version

import wire
from _harness import Case, measure, report

GROUPS: dict[str, list[Case]] = {"wire": wire.CASES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", choices=[[], *GROUPS], help="groups to run")
    parser.add_argument("--quick", action="store_true", help="few iterations: check it runs")
    args = parser.parse_args(argv)
    count, repeats = (50, 1) if args.quick else (20_000, 7)
    print(
        f"interlace benchmarks: python {platform.python_version()},"
        f" interlace {version('interlace')}, jupyter_client {version('jupyter_client')};"
        f" median of {repeats} runs x {count} operations; ratio = jupyter / interlace"
    )
    results = [
        measure(case, count, repeats) for group in (args.groups or GROUPS) for case in GROUPS[group]
    ]
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
