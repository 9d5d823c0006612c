"""Run interlace's benchmarks beside the Jupyter stack's, in one run, and print ratios.

    python benchmarks/run.py            # every group
    python benchmarks/run.py --quick    # a smoke run with few iterations
    python benchmarks/run.py kernel     # one group

Absolute times are noisy on shared machines; the ratio within one run is the figure.
"""

from __future__ import annotations

import argparse
import platform
import sys
from importlib.metadata import version
from typing import TYPE_CHECKING

import agents
import browser
import client
import collab
import kernel
import memory
import record
import server
import staleness
import trickle
import wire
from _harness import Result, report

if TYPE_CHECKING:
    from collections.abc import Callable

GROUPS: dict[str, Callable[[bool], list[Result]]] = {
    "wire": wire.run,
    "kernel": kernel.run,
    "client": client.run,
    "server": server.run,
    "collab": collab.run,
    "browser": browser.run,
    "record": record.run,
    "trickle": trickle.run,
    "memory": memory.run,
    "agents": agents.run,
    "staleness": staleness.run,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", choices=[[], *GROUPS], help="groups to run")
    parser.add_argument("--quick", action="store_true", help="few iterations: check it runs")
    args = parser.parse_args(argv)
    print(
        f"interlace benchmarks: python {platform.python_version()},"
        f" interlace {version('interlace')}, jupyter_client {version('jupyter_client')},"
        f" ipykernel {version('ipykernel')}; better = how many times interlace beats Jupyter"
    )
    for group in args.groups or GROUPS:
        print(report(GROUPS[group](args.quick)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
