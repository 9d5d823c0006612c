"""The benchmark runner must keep working; its figures are read by people, not asserted.

Each group runs on its own, in its own process group, so a group that hangs is named
by its test and leaves no server or kernel behind when its time is up.
"""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

RUNNER = Path(__file__).parent.parent / "benchmarks" / "run.py"

# group: (the prefix of its lines, how many figures it prints)
GROUPS = {
    "wire": ("wire:", 4),
    "kernel": ("kernel:", 8),
    "client": ("client:", 4),
    "server": ("server:", 5),
    "collab": ("collab:", 7),
    "browser": ("browser:", 2),
    "record": ("record:", 3),
    "trickle": ("trickle:", 5),
    "memory": ("memory:", 5),
    "agents": ("agents:", 4),
    "staleness": ("stale:", 4),
}
SECONDS = 240  # the slowest group takes 30 s alone, 40 s on a loaded machine


def _quick_run(group: str) -> str:
    """The runner's output for one group; on a timeout, the group's whole process tree
    is ended and what it printed so far is in the failure."""
    runner = subprocess.Popen(
        [sys.executable, "-u", str(RUNNER), "--quick", group],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = runner.communicate(timeout=SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(runner.pid, signal.SIGKILL)
        output, _ = runner.communicate(timeout=30)
        pytest.fail(f"the {group} group ran over {SECONDS} s; it printed:\n{output}")
    assert runner.returncode == 0, output
    return output


@pytest.mark.timeout(SECONDS + 60)
@pytest.mark.parametrize("group", GROUPS)
def test_quick_run_prints_a_ratio_for_every_case(group: str) -> None:
    prefix, figures = GROUPS[group]
    output = _quick_run(group)
    lines = [line for line in output.splitlines() if line.startswith(prefix)]
    assert len(lines) == figures, output
    for line in lines:
        ratio = re.search(r" (\d+\.\d+)x", line)
        assert ratio is not None, line
        assert float(ratio.group(1)) > 0
    if group == "kernel":
        assert "exact: interlace True" in output


def test_every_group_of_the_runner_is_checked() -> None:
    runner = subprocess.run(
        [sys.executable, str(RUNNER), "--help"], capture_output=True, text=True, check=True
    )
    listed = re.search(r"\{([^}]*)\}", runner.stdout)
    assert listed is not None, runner.stdout
    assert set(listed.group(1).split(",")) - {""} == set(GROUPS)
