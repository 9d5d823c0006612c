"""Coding agents over MCP, with the SDK's own client: over HTTP and over stdio (`interlace mcp`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.agents.conftest import hashes, history, over_http, over_stdio
from tests.agents.peers import Person

if TYPE_CHECKING:
    from tests.server.conftest import RunningServer

TOOLS = {
    "list_notebooks",
    "read_notebook",
    "read_cell",
    "replace_in_cell",
    "replace_range",
    "replace_lines",
    "set_cell_source",
    "insert_cell",
    "delete_cell",
    "move_cell",
    "set_cell_type",
    "run_cells",
    "read_outputs",
    "interrupt_kernel",
    "restart_kernel",
    "complete",
    "inspect",
}


def test_the_same_tools_are_listed_over_http_and_stdio(agents_server: RunningServer) -> None:
    with over_http(agents_server) as http, over_stdio(agents_server) as stdio:
        listed = {
            session: session.portal.call(session.client.list_tools).tools
            for session in (http, stdio)
        }
        templates = stdio.portal.call(stdio.client.list_resource_templates)
    over_http_tools, over_stdio_tools = listed.values()
    assert {tool.name for tool in over_http_tools} == TOOLS
    assert [t.model_dump() for t in over_stdio_tools] == [t.model_dump() for t in over_http_tools]
    for tool in over_http_tools:
        assert tool.description, tool.name
        assert tool.input_schema["type"] == "object"
    run = next(tool for tool in over_http_tools if tool.name == "run_cells")
    assert run.input_schema["required"] == ["path", "cells"]
    assert {t.uri_template for t in templates.resource_templates} == {
        "interlace://notebook/{+path}",
        "interlace://notebook/{+path}/cells/{cell_id}",
    }


def test_a_notebook_reads_as_cells_by_id_with_hashes_runs_and_outputs(
    agents_server: RunningServer, notebook_path: str
) -> None:
    with over_http(agents_server) as agent:
        listed = agent.ok("list_notebooks")
        assert {"path": notebook_path, "open": False} in listed
        view = agent.ok("read_notebook", path=notebook_path)
        assert [cell["id"] for cell in view["cells"]] == ["first", "second"]
        assert view["agents"] == "run"
        assert view["cells"][0]["source"] == "x = 20"
        assert view["cells"][0]["run"] is None
        cells = [{"id": c, "hash": h} for c, h in hashes(view).items()]
        ran = agent.ok("run_cells", path=notebook_path, cells=cells, timeout=60)
        assert ran["done"] is True, ran
        second = agent.ok("read_notebook", path=notebook_path)["cells"][1]
        resource = agent.portal.call(
            agent.client.read_resource, f"interlace://notebook/{notebook_path}/cells/second"
        )
    assert second["execution_count"] == 2, ran
    assert second["run"]["status"] == "ok"
    assert second["run"]["by"] == "agent: tester"
    assert [(o["output_type"], o["text"]) for o in second["outputs"]] == [
        ("stream", "40\n"),
        ("execute_result", "42"),
    ]
    assert second["outputs"][1]["mimetypes"] == [{"mimetype": "text/plain", "bytes": 2}]
    assert '"execution_count": 2' in resource.contents[0].text  # type: ignore[union-attr]


def test_an_edit_merges_with_what_a_person_types_in_the_same_cell(
    agents_server: RunningServer, notebook_path: str
) -> None:
    person = Person(agents_server, notebook_path)
    try:
        person.until(lambda: "first" in person.document.cells)
        with over_http(agents_server) as agent:
            seen = agent.ok("read_cell", path=notebook_path, cell_id="first")
            person.hold()  # the person's typing is on its way while the agent edits
            person.type_at_end("first", "  # typed meanwhile")
            edited = agent.ok(
                "replace_in_cell",
                path=notebook_path,
                cell_id="first",
                old="20",
                new="21",
                hash=seen["hash"],
            )
            person.release()
            person.until(lambda: person.document.source("first") == "x = 21  # typed meanwhile")
            after = agent.ok("read_cell", path=notebook_path, cell_id="first")
    finally:
        person.close()
    assert edited["source"] == "x = 21"  # the person's typing had not reached the server
    assert after["source"] == "x = 21  # typed meanwhile"


def test_a_stale_hash_is_refused_with_the_current_source_and_nothing_runs(
    agents_server: RunningServer, notebook_path: str
) -> None:
    person = Person(agents_server, notebook_path)
    try:
        person.until(lambda: "first" in person.document.cells)
        with over_http(agents_server) as agent:
            seen = agent.ok("read_notebook", path=notebook_path)
            person.type_at_end("first", "0")
            person.pump()
            refused = agent.error(
                "set_cell_source",
                path=notebook_path,
                cell_id="first",
                source="x = 1",
                hash=hashes(seen)["first"],
            )
            stale_run = agent.error(
                "run_cells",
                path=notebook_path,
                cells=[{"id": "first", "hash": hashes(seen)["first"]}],
            )
            now = agent.ok("read_cell", path=notebook_path, cell_id="first")
    finally:
        person.close()
    for message in (refused, stale_run):
        assert "changed since you read it" in message
        assert "current source:\nx = 200" in message
        assert f"current hash: {now['hash']}" in message
    assert now["source"] == "x = 200"
    assert now["run"] is None  # nothing was queued


def test_a_run_by_id_over_stdio_returns_its_outputs_and_is_attributed(
    agents_server: RunningServer, notebook_path: str
) -> None:
    with over_stdio(agents_server, "--name", "builder") as agent:
        view = agent.ok("read_notebook", path=notebook_path)
        first = agent.ok(
            "run_cells", path=notebook_path, cells=[{"id": "first", "hash": hashes(view)["first"]}]
        )
        second = agent.ok(
            "run_cells",
            path=notebook_path,
            cells=[{"id": "second", "hash": hashes(view)["second"]}],
            timeout=60,
        )
    assert first["done"] is True
    [cell] = second["cells"]
    assert cell["done"] is True
    assert cell["run"]["by"] == "agent: builder"
    assert [o["text"] for o in cell["outputs"]] == ["40\n", "42"]
    kinds = [(e["kind"], e["actor"]) for e in history(agents_server, notebook_path)]
    assert ("queued", "agent: builder") in kinds
    assert ("finished", "agent: builder") in kinds


def test_the_agent_is_in_presence_and_its_edits_are_in_the_history(
    agents_server: RunningServer, notebook_path: str
) -> None:
    person = Person(agents_server, notebook_path)
    try:
        person.until(lambda: "second" in person.document.cells)
        with over_http(agents_server, "claude") as agent:
            view = agent.ok("read_notebook", path=notebook_path)
            person.until(lambda: "agent: claude" in person.present())
            agent.ok(
                "replace_lines",
                path=notebook_path,
                cell_id="second",
                first_line=1,
                last_line=1,
                text="print(x * 3)",
                hash=hashes(view)["second"],
            )
            inserted = agent.ok("insert_cell", path=notebook_path, source="y = 1", after="first")
            person.until(lambda: person.present()["agent: claude"].get("cell") == inserted["id"])
            state = person.present()["agent: claude"]
    finally:
        person.close()
    assert state["user"]["agent"] is True
    assert set(state["cursor"]) == {"anchor", "head"}
    events = history(agents_server, notebook_path)
    by_agent = [(e["kind"], e["data"]) for e in events if e["actor"] == "agent: claude"]
    assert ("joined", {}) in by_agent
    assert ("edit", {"cells": ["second"]}) in by_agent
    assert ("created", {"cells": [inserted["id"]]}) in by_agent


def test_a_notebook_that_refuses_agents_refuses_them(
    agents_server: RunningServer, notebook_path: str
) -> None:
    http = agents_server.http
    setting = f"/api/notebooks/{notebook_path}/agents"
    with over_http(agents_server) as agent:
        view = agent.ok("read_notebook", path=notebook_path)
        cells = [{"id": "first", "hash": hashes(view)["first"]}]
        assert http.put(setting, json={"agents": "edit", "who": "alice"}).json() == {
            "agents": "edit"
        }
        agent.ok("replace_in_cell", path=notebook_path, cell_id="first", old="20", new="2")
        ran = agent.error("run_cells", path=notebook_path, cells=cells)
        assert "lets agents read and edit it, not run it" in ran
        http.put(setting, json={"agents": "read"})
        assert "not edit" in agent.error("delete_cell", path=notebook_path, cell_id="first")
        http.put(setting, json={"agents": "refuse"})
        refused = agent.error("read_notebook", path=notebook_path)
        assert "does not let agents in" in refused
    assert http.get(setting).json() == {"agents": "refuse"}
    assert http.put(setting, json={"agents": "maybe"}).status_code == 400
    kinds = [(e["kind"], e["actor"], e["data"]) for e in history(agents_server, notebook_path)]
    assert ("agents", "alice", {"agents": "edit"}) in kinds


def test_bad_tool_arguments_get_clear_errors(
    agents_server: RunningServer, notebook_path: str
) -> None:
    with over_http(agents_server) as agent:
        path = notebook_path
        assert "valid string" in agent.error("read_cell", path=path, cell_id=3)
        assert "Field required" in agent.error("run_cells", path=path)
        assert "no cell 'nope'" in agent.error("read_cell", path=path, cell_id="nope")
        assert "no notebook" in agent.error("read_notebook", path="missing.ipynb")
        assert "path must name a notebook" in agent.error("read_notebook", path="")
        assert "no such path" in agent.error("read_notebook", path="../outside.ipynb")
        assert "occurs exactly once" in agent.error(
            "replace_in_cell", path=path, cell_id="second", old="x", new="y"
        )
        assert "0 <= start <= end <= 6" in agent.error(
            "replace_range", path=path, cell_id="first", start=2, end=99, text=""
        )
        assert "hash" in agent.error("run_cells", path=path, cells=[{"id": "first"}])
        assert "timeout must be a number from 0 to 600" in agent.error(
            "run_cells", path=path, cells=[{"id": "first", "hash": "x"}], timeout=-1
        )
        assert "Unknown tool" in agent.error("format_disk")
    log = agents_server.http.get("/api/status")  # the server is still serving
    assert log.status_code == 200
