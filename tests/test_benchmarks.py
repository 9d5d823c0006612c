"""The benchmark runner must keep working; its figures are read by people, not asserted."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

RUNNER = Path(__file__).parent.parent / "benchmarks" / "run.py"


@pytest.mark.timeout(300)  # every group, ours beside the peer: two minutes on a loaded machine
def test_quick_run_prints_a_ratio_for_every_case() -> None:
    done = subprocess.run(
        [sys.executable, str(RUNNER), "--quick"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    lines = [
        line
        for line in done.stdout.splitlines()
        if line.startswith(
            (
                "wire:",
                "kernel:",
                "client:",
                "server:",
                "collab:",
                "browser:",
                "record:",
                "trickle:",
                "memory:",
                "agents:",
                "stale:",
            )
        )
    ]
    assert len(lines) == 51, done.stdout
    for line in lines:
        ratio = re.search(r" (\d+\.\d+)x", line)
        assert ratio is not None, line
        assert float(ratio.group(1)) > 0
    assert "exact: interlace True" in done.stdout
