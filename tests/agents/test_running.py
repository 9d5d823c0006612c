"""An agent runs cells: outputs read as they arrive, interrupts, restarts, the kernel's names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.agents.conftest import hashes, over_http

if TYPE_CHECKING:
    from tests.agents.conftest import McpSession
    from tests.server.conftest import RunningServer

COUNTING = "import time\nfor i in range(5):\n    print('line', i, flush=True)\n    time.sleep(0.3)"


def _set(agent: McpSession, path: str, cell_id: str, source: str) -> str:
    """Give a cell a new source; the hash to run it with."""
    return str(agent.ok("set_cell_source", path=path, cell_id=cell_id, source=source)["hash"])


def _read_until_done(agent: McpSession, path: str, cell_id: str) -> tuple[str, list[Any]]:
    """Read a cell's outputs on from each read's offset until its run is done."""
    text, reads, since = "", [], 0
    for _ in range(200):  # each read waits up to 10 s for more: bounded whatever happens
        read = agent.ok("read_outputs", path=path, cell_id=cell_id, since=since, wait=10)
        assert not read["reset"]
        text += read["text"]
        since = read["next"]
        reads.append(read)
        if read["done"]:
            return text, reads
    raise AssertionError(f"the run never finished: {reads[-3:]}")


def test_outputs_are_read_on_from_an_offset_while_the_cell_runs(
    agents_server: RunningServer, notebook_path: str
) -> None:
    with over_http(agents_server) as agent:
        digest = _set(agent, notebook_path, "first", COUNTING)
        started = agent.ok(
            "run_cells", path=notebook_path, cells=[{"id": "first", "hash": digest}], wait=False
        )
        assert started["done"] is False
        assert started["cells"][0]["run"]["status"] == "queued"
        text, reads = _read_until_done(agent, notebook_path, "first")
    assert text == "".join(f"line {i}\n" for i in range(5))
    assert len([read for read in reads if read["text"]]) > 1  # it came in pieces, as it ran
    assert reads[-1]["status"] == "ok"
    assert reads[-1]["execution_count"] == 1


def test_a_run_that_outlasts_its_wait_is_interrupted_by_the_agent(
    agents_server: RunningServer, notebook_path: str
) -> None:
    with over_http(agents_server) as agent:
        digest = _set(agent, notebook_path, "first", "import time\ntime.sleep(60)")
        ran = agent.ok(
            "run_cells", path=notebook_path, cells=[{"id": "first", "hash": digest}], timeout=1
        )
        assert ran["done"] is False
        agent.ok("interrupt_kernel", path=notebook_path)
        text, reads = _read_until_done(agent, notebook_path, "first")
        cell = agent.ok("read_cell", path=notebook_path, cell_id="first")
    assert reads[-1]["status"] == "interrupted"
    assert "KeyboardInterrupt" in text
    assert "\x1b[" not in text  # colours are for terminals, not agents
    assert cell["run"]["interrupted"]["by"] == "agent: tester"


def test_the_agent_searches_and_reads_the_kernels_variables_and_restarts_it(
    agents_server: RunningServer, notebook_path: str
) -> None:
    with over_http(agents_server) as agent:
        view = agent.ok("read_notebook", path=notebook_path)
        cells = [{"id": "first", "hash": hashes(view)["first"]}]
        agent.ok("run_cells", path=notebook_path, cells=cells)
        agent.ok(
            "run_cells",
            path=notebook_path,
            cells=[{"id": "second", "hash": hashes(view)["second"]}],
        )
        completed = agent.ok("complete", path=notebook_path, code="import os\nos.pa")
        inspected = agent.ok("inspect", path=notebook_path, code="x")
        agent.ok("restart_kernel", path=notebook_path)
        gone = agent.ok("inspect", path=notebook_path, code="x")
        bad = agent.error("complete", path=notebook_path, code="x", cursor_pos=5)
    assert "os.path" in completed["matches"] or "path" in completed["matches"]
    assert completed["cursor_end"] == len("import os\nos.pa")
    assert inspected["found"] is True
    assert "20" in inspected["text"]
    assert gone == {"found": False, "text": ""}
    assert "cursor_pos must be from 0 to 1" in bad


def test_a_failing_cell_cancels_the_ones_after_it_and_says_so(
    agents_server: RunningServer, notebook_path: str
) -> None:
    with over_http(agents_server) as agent:
        failing = _set(agent, notebook_path, "first", "1 / 0")
        view = agent.ok("read_notebook", path=notebook_path)
        cells = [{"id": "first", "hash": failing}, {"id": "second", "hash": hashes(view)["second"]}]
        ran = agent.ok("run_cells", path=notebook_path, cells=cells)
    first, second = ran["cells"]
    assert ran["done"] is True
    assert first["run"]["status"] == "error"
    assert first["outputs"][0]["output_type"] == "error"
    assert "ZeroDivisionError" in first["outputs"][0]["text"]
    assert second["run"]["status"] == "cancelled"
