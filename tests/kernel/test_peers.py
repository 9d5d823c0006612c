"""Jupyter's own tools use our kernel unchanged: nbclient and jupyter console."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import nbformat
import pexpect
from nbclient import NotebookClient

if TYPE_CHECKING:
    from tests.kernel.conftest import RunningKernel


def test_nbclient_executes_a_notebook() -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("x = 21\nprint('half')"),
        nbformat.v4.new_code_cell("x * 2"),
        nbformat.v4.new_code_cell("from IPython.display import Markdown\nMarkdown('**bold**')"),
    ]
    NotebookClient(notebook, kernel_name="interlace", timeout=60, startup_timeout=60).execute()
    first, second, third = (cell.outputs for cell in notebook.cells)
    assert first == [{"output_type": "stream", "name": "stdout", "text": "half\n"}]
    assert second[0]["output_type"] == "execute_result"
    assert second[0]["data"]["text/plain"] == "42"
    assert second[0]["execution_count"] == 2
    assert third[0]["data"]["text/markdown"] == "**bold**"
    nbformat.validate(notebook)


def test_jupyter_console_joins_with_existing(kernel: RunningKernel) -> None:
    console = pexpect.spawn(
        sys.executable,
        ["-m", "jupyter_console", "--existing", str(kernel.connection_file), "--simple-prompt"],
        encoding="utf-8",
        timeout=60,
    )
    try:
        console.expect(r"In \[\d+\]: ")
        console.sendline("print(6 * 7)")
        console.expect("42")
        console.expect(r"In \[\d+\]: ")
        console.sendline("'text ' * 2")
        console.expect(r"Out\[\d+\]: 'text text '")
    finally:
        console.terminate(force=True)
    reply, _ = kernel.execute("'kernel still serves'")
    assert reply["content"]["status"] == "ok"
