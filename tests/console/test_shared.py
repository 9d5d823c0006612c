"""Consoles sharing one kernel see each other's work; a dead kernel is reported."""

from __future__ import annotations

import contextlib
import os
import re
import signal
from typing import TYPE_CHECKING

import pexpect

from tests.console.conftest import Terminal

if TYPE_CHECKING:
    from collections.abc import Iterator


def connection_name(terminal: Terminal) -> str:
    screen = terminal.wait_for("--existing", timeout=60)
    match = re.search(r"--existing (kernel-[\w-]+\.json)", screen)
    assert match is not None, screen
    return match.group(1)


@contextlib.contextmanager
def two_consoles(*second_options: str) -> Iterator[tuple[Terminal, Terminal]]:
    """A console on a new kernel, and a second one joined to that kernel."""
    first = Terminal()
    second: Terminal | None = None
    try:
        first.wait_for("In [1]:", timeout=60)
        second = Terminal("--existing", connection_name(first), *second_options)
        second.wait_for("In [1]:", timeout=60)
        yield first, second
    finally:
        first.close()
        if second is not None:
            second.close()


def test_two_consoles_show_each_others_input_and_output() -> None:
    with two_consoles() as (first, second):
        first.run("print('written by the first')")
        first.wait_for("written by the first")
        second.wait_for("In [1]: print('written by the first')")
        second.wait_for("written by the first")
        second.run("'answer from the second'")
        second.wait_for("Out[2]: 'answer from the second'")
        first.wait_for("Out[2]: 'answer from the second'")
        assert "] In [2]: 'answer from the second'" in first.text()


def test_joined_kernel_keeps_running_when_told_so() -> None:
    with two_consoles() as (first, second):
        second.send("\x04")
        second.wait_for("Shut down the kernel too?")
        second.run("n")
        second.wait_for("The kernel keeps running.")
        second.process.expect(pexpect.EOF, timeout=30)
        first.run("'kernel alive'")
        first.wait_for("Out[1]: 'kernel alive'")


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
    with two_consoles("--no-others") as (first, second):
        first.run("print('private work')")
        first.wait_for("private work")
        second.run("'mine'")
        second.wait_for("Out[2]: 'mine'")
        assert "private work" not in second.text()


def test_a_name_assigned_again_by_another_client_marks_our_inputs_that_read_it() -> None:
    with two_consoles() as (first, second):
        first.run("a = 1")
        first.wait_for("In [2]:")
        first.run("b = a + 1")
        first.wait_for("In [3]:")
        first.run("print(a, b)")
        first.wait_for("In [4]:")
        second.run("a = 1 / 0")  # fails: what it assigned is not known, nothing is said
        first.wait_for("ZeroDivisionError")
        second.run("a = 2")
        first.wait_for("their outputs may be out of date: In [2] (a), In [3] (a)")
        second.run("a = 3")  # said once for each input and name
        second.run("b = 0")
        first.wait_for("their outputs may be out of date: In [3] (b)")
        assert first.count("out of date") == 2
        assert "out of date" not in second.text()  # it read nothing the first assigned
