"""Our kernel's execute_reply says which names the cell read and assigned, as executed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.kernel.conftest import execute

if TYPE_CHECKING:
    from tests.kernel.conftest import RunningKernel


def names(kernel: RunningKernel, code: str) -> dict[str, Any]:
    reply, _ = execute(kernel.client, code)
    found: dict[str, Any] = reply["metadata"]["interlace"]
    return found


def test_each_execution_reports_what_it_read_and_assigned(kernel: RunningKernel) -> None:
    assert names(kernel, "a = 1") == {"reads": [], "writes": ["a"]}
    assert names(kernel, "b = a + 1\nprint(b)") == {"reads": ["a"], "writes": ["b"]}
    assert names(kernel, "a") == {"reads": ["a"], "writes": []}  # Out and _ are not names


def test_assignments_the_source_does_not_show_are_seen_in_the_namespace(
    kernel: RunningKernel,
) -> None:
    assert names(kernel, "exec('q = [5]')")["writes"] == ["q"]
    assert names(kernel, "globals()['r'] = 2")["writes"] == ["r"]
    assert {"pi", "sqrt"} <= set(names(kernel, "from math import *")["writes"])
    assert names(kernel, "del q")["writes"] == ["q"]


def test_a_function_that_assigns_a_global_assigns_it_in_the_cell_that_calls_it(
    kernel: RunningKernel,
) -> None:
    names(kernel, "def load():\n    global frame\n    frame = [1, 2]")
    assert names(kernel, "load()") == {"reads": ["load"], "writes": ["frame"]}
    assert names(kernel, "def show():\n    print(frame)")["writes"] == ["show"]
    assert names(kernel, "show()") == {"reads": ["show"], "writes": []}  # show reads frame


def test_magics_and_the_namespace_reached_through_ipython_are_seen(
    kernel: RunningKernel,
) -> None:
    assert names(kernel, "get_ipython().user_ns['w'] = 3")["writes"] == ["w"]
    assert names(kernel, "vars()['m'] = 1")["writes"] == ["m"]
    assert names(kernel, "%env INTERLACE_PROBE=1\nimport os")["writes"] == ["os"]
    assert "join" in names(kernel, "if True:\n    from os.path import *")["writes"]


def test_a_store_into_an_object_reads_and_assigns_its_name(kernel: RunningKernel) -> None:
    names(kernel, "x = [0]\nclass Box: pass\ny = Box()")
    assert names(kernel, "x[0] = 1\nfor i in range(2):\n    y.a = i") == {
        "reads": ["x", "y"],
        "writes": ["i", "x", "y"],
    }


def test_a_failed_cell_assigns_only_what_it_reached(kernel: RunningKernel) -> None:
    assert names(kernel, "s = 1\nt = missing\nu = 2") == {"reads": ["missing"], "writes": ["s"]}


def test_a_silent_execution_reports_nothing(kernel: RunningKernel) -> None:
    reply, _ = execute(kernel.client, "v = 1", silent=True)
    assert "interlace" not in reply["metadata"]
