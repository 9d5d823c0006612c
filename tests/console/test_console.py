"""The real console in a pseudo-terminal, against our kernel and ipykernel."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.console.conftest import Terminal

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(params=["interlace", "python3"], ids=["interlace", "ipykernel"])
def console(request: pytest.FixtureRequest) -> Iterator[Terminal]:
    terminal = Terminal("--kernel", str(request.param))
    terminal.wait_for("In [1]:", timeout=60)
    yield terminal
    terminal.close()


def test_runs_cells_and_shows_results(console: Terminal) -> None:
    console.run("print('hello from the kernel')")
    console.wait_for("hello from the kernel")
    console.run("6 * 7")
    console.wait_for("Out[2]: 42")
    console.run("1/0")
    console.wait_for("ZeroDivisionError")
    console.wait_for("In [4]:")


def test_tab_completes_from_the_kernel(console: Terminal) -> None:
    console.run("a_rather_unique_name = 5")
    console.wait_for("In [2]:")
    console.send("a_rather_uni\t")
    console.wait_for("In [2]: a_rather_unique_name")  # completed on the prompt line
    console.send("\r")
    console.wait_for("Out[2]: 5")


def test_question_mark_shows_help(console: Terminal) -> None:
    console.run("len?")
    console.wait_for("Return the number of items in a container")
    console.run("nothing_called_this?")
    console.wait_for("not found")


def test_multi_line_cell_waits_for_a_complete_block(console: Terminal) -> None:
    console.run("def double(x):")
    console.wait_for("...:")
    console.run("return x * 2")
    console.run("")
    console.wait_for("In [2]:")
    console.run("double(21)")
    console.wait_for("Out[2]: 42")


def test_input_prompts_at_the_console(console: Terminal) -> None:
    console.run("name = input('Your name? ')")
    console.wait_for("Your name?")
    console.run("Ada")
    console.wait_for("In [2]:")
    console.run("print('hi', name)")
    console.wait_for("hi Ada")


def test_ctrl_c_interrupts_a_running_cell(console: Terminal) -> None:
    console.run("import time; time.sleep(60)")
    console.wait_for("import time; time.sleep(60)")
    console.pump()
    console.send("\x03")
    console.wait_for("KeyboardInterrupt", timeout=15)
    console.wait_for("In [2]:")
    console.run("'still here'")
    console.wait_for("Out[2]: 'still here'")


def test_markdown_and_images_are_rendered_or_named(console: Terminal) -> None:
    console.run("from IPython.display import Markdown, Image, display")
    console.run("display(Markdown('# A title'))")
    console.wait_for("A title")
    png = (
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
        "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    )
    console.run(f"display(Image(data=__import__('base64').b64decode('{png}')))")
    console.wait_for("[image/png 1x1, 70 B]")


def test_up_arrow_recalls_the_kernels_history(console: Terminal) -> None:
    console.run("history_marker = 'recalled'")
    console.wait_for("In [2]:")
    console.send("\x1b[A")
    console.wait_for("In [2]: history_marker = 'recalled'")
    console.send("\r")
    console.wait_for("In [3]:")


def test_lines_typed_ahead_run_one_after_the_other(console: Terminal) -> None:
    # Sent at once, as a paste or a fast typist: each Enter waits for the kernel's
    # is_complete, and what comes after it belongs to the next prompt.
    console.send("first = 1\rsecond = first + 1\rdef third():\rreturn second + 1\r\rthird()\r")
    console.wait_for("Out[4]: 3")
    assert "first = 1second" not in console.text()
