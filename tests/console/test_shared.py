"""Consoles sharing one kernel see each other's work; a dead kernel is reported."""

from __future__ import annotations

import os
import re
import signal

import pexpect

from tests.console.conftest import Terminal


def connection_name(terminal: Terminal) -> str:
    screen = terminal.wait_for("--existing", timeout=60)
    match = re.search(r"--existing (kernel-[\w-]+\.json)", screen)
    assert match is not None, screen
    return match.group(1)


def test_two_consoles_show_each_others_input_and_output() -> None:
    first = Terminal()
    second: Terminal | None = None
    try:
        first.wait_for("In [1]:", timeout=60)
        second = Terminal("--existing", connection_name(first))
        second.wait_for("In [1]:", timeout=60)
        first.run("print('written by the first')")
        first.wait_for("written by the first")
        second.wait_for("In [1]: print('written by the first')")
        second.wait_for("written by the first")
        second.run("'answer from the second'")
        second.wait_for("Out[2]: 'answer from the second'")
        first.wait_for("Out[2]: 'answer from the second'")
        assert "] In [2]: 'answer from the second'" in first.text()
    finally:
        first.close()
        if second is not None:
            second.close()


def test_joined_kernel_keeps_running_when_told_so() -> None:
    first = Terminal()
    second: Terminal | None = None
    try:
        first.wait_for("In [1]:", timeout=60)
        second = Terminal("--existing", connection_name(first))
        second.wait_for("In [1]:", timeout=60)
        second.send("\x04")
        second.wait_for("Shut down the kernel too?")
        second.run("n")
        second.wait_for("The kernel keeps running.")
        second.process.expect(pexpect.EOF, timeout=30)
        first.run("'kernel alive'")
        first.wait_for("Out[1]: 'kernel alive'")
    finally:
        first.close()
        if second is not None:
            second.close()


def test_a_dead_kernel_is_reported_and_restarted() -> None:
    console = Terminal()
    try:
        console.wait_for("In [1]:", timeout=60)
        console.run("import os; os.getpid()")
        screen = console.wait_for("Out[1]:")
        pid = int(re.findall(r"Out\[1\]: (\d+)", screen)[-1])
        os.kill(pid, signal.SIGKILL)
        console.wait_for("The kernel died", timeout=15)
        console.wait_for("Restart the kernel?")
        console.run("y")
        console.wait_for("Kernel restarted.", timeout=60)
        console.run("'back'")
        console.wait_for("Out[1]: 'back'")
    finally:
        console.close()


def test_no_others_hides_other_clients_work() -> None:
    first = Terminal()
    second: Terminal | None = None
    try:
        first.wait_for("In [1]:", timeout=60)
        second = Terminal("--existing", connection_name(first), "--no-others")
        second.wait_for("In [1]:", timeout=60)
        first.run("print('private work')")
        first.wait_for("private work")
        second.run("'mine'")
        second.wait_for("Out[2]: 'mine'")
        assert "private work" not in second.text()
    finally:
        first.close()
        if second is not None:
            second.close()
