"""Stale cells on a real server and kernel: each cell's mark, why, and running what is stale."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.notebooks.ypeer import YPeer, outputs, set_source
from tests.server.conftest import TOKEN, RunningServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

CHAIN = ("a = 1", "b = a + 1", "print(b)")


def notebook(*sources: str, kernel: str = "interlace") -> dict[str, Any]:
    cells: list[dict[str, Any]] = [
        {
            "id": f"c{number}",
            "cell_type": "code",
            "metadata": {},
            "source": source,
            "outputs": [],
            "execution_count": None,
        }
        for number, source in enumerate(sources)
    ]
    spec = {"name": kernel, "display_name": kernel, "language": "python"}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": spec}, "cells": cells}


class Notebook:
    """One notebook on the server, seen by a Yjs peer; runs go through REST."""

    def __init__(self, server: RunningServer, path: str) -> None:
        self.server, self.path = server, path
        self.peer = YPeer(server, path)
        self.peer.until(lambda: "c0" in self.peer.document.cells)

    def record(self, cell_id: str) -> dict[str, Any]:
        """The cell's run record, with its mark, as the file has it."""
        cells = self.peer.document.to_notebook()["cells"]
        (cell,) = (cell for cell in cells if cell["id"] == cell_id)
        return dict(cell["metadata"].get("interlace") or {})

    def run(self, *cell_ids: str, **target: Any) -> list[str]:
        body = {"cells": list(cell_ids)} if cell_ids else target
        response = self.server.http.post(f"/api/notebooks/{self.path}/execute", json=body)
        assert response.status_code == 202, response.text
        queued: list[str] = response.json()["queued"]
        self.settle()
        return queued

    def settle(self) -> None:
        """Wait until no cell is queued or running and the kernel is idle."""

        def settled() -> bool:
            busy = {"queued", "running"}
            records = [self.record(c) for c in self.peer.document.cell_ids()]
            kernel = self.peer.document.kernel.get("state")
            return kernel == "idle" and not any(r.get("status") in busy for r in records)

        self.peer.until(settled, timeout=60)

    def states(self) -> dict[str, str]:
        answer = self.server.http.get(f"/api/notebooks/{self.path}/states").json()
        return {cell["id"]: cell["state"] for cell in answer["cells"]}

    def text(self, cell_id: str) -> str:
        return "".join(str(o.get("text", "")) for o in outputs(self.peer, cell_id))

    def close(self) -> None:
        self.peer.close()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    books = {
        "chain.ipynb": notebook(*CHAIN),
        "exec.ipynb": notebook("exec('q = [5]')", "print(q)"),
        "calls.ipynb": notebook("k = 3", "def f(x):\n    return x * k", "print(f(2))"),
        "foreign.ipynb": notebook(*CHAIN, kernel="python3"),
        "reactive.ipynb": notebook("a = 1", "b = 1 / (a - 2)", "print(b)", "c = b + 1"),
    }
    for name, book in books.items():
        (tmp_path / name).write_text(json.dumps(book))
    return tmp_path


@pytest.fixture
def server(root: Path) -> Iterator[RunningServer]:
    running = RunningServer(root, "--token", TOKEN)
    yield running
    running.stop()


@pytest.fixture
def chain(server: RunningServer) -> Iterator[Notebook]:
    opened = Notebook(server, "chain.ipynb")
    yield opened
    opened.close()


def test_a_redefined_name_makes_its_readers_stale_and_theirs(chain: Notebook) -> None:
    assert chain.states() == {"c0": "never_ran", "c1": "never_ran", "c2": "never_ran"}
    chain.run(all=True)
    assert chain.states() == {"c0": "fresh", "c1": "fresh", "c2": "fresh"}
    assert chain.record("c1")["reads"] == ["a"]
    assert chain.record("c1")["names"] == "kernel"
    (dependency,) = chain.record("c1")["depends_on"]
    assert (
        dependency
        == {"name": "a", "cell_id": "c0", "run": chain.record("c0")["run"]}
        == {
            "name": "a",
            "cell_id": "c0",
            "run": 1,
        }
    )
    set_source(chain.peer, "c0", "a = 2")
    chain.peer.until(lambda: chain.record("c0").get("state") == "edited")
    chain.run("c0")
    assert chain.states() == {"c0": "fresh", "c1": "stale", "c2": "stale"}
    assert chain.record("c1")["stale_because"] == [
        {"name": "a", "cell_id": "c0", "why": "assigned again"}
    ]
    assert chain.record("c2")["stale_because"] == [
        {"name": "b", "cell_id": "c1", "why": "from a stale cell"}
    ]
    assert chain.server.http.post(f"/api/notebooks/{chain.path}/save").status_code == 204
    saved = json.loads((chain.server.root / chain.path).read_text())
    stored = {cell["id"]: cell["metadata"]["interlace"] for cell in saved["cells"]}
    assert [stored[c]["state"] for c in ("c0", "c1", "c2")] == ["fresh", "stale", "stale"]
    assert stored["c2"]["stale_because"] == chain.record("c2")["stale_because"]
    assert "stale_because" not in stored["c0"]


def test_an_edit_marks_the_cell_edited_and_undoing_it_restores_the_mark(chain: Notebook) -> None:
    chain.run(all=True)
    set_source(chain.peer, "c2", "print(b * 10)")
    chain.peer.until(lambda: chain.record("c2").get("state") == "edited")
    assert chain.states()["c2"] == "edited"
    set_source(chain.peer, "c2", "print(b)")
    chain.peer.until(lambda: chain.record("c2").get("state") == "fresh")


def test_an_agents_edit_marks_only_the_cell_it_changed_edited(chain: Notebook) -> None:
    chain.run(all=True)
    api, agent = f"/api/agents/notebooks/{chain.path}", {"X-Interlace-Agent": "script"}
    cell = chain.server.http.get(f"{api}/cells/c2", headers=agent).json()
    edit = {"edit": {"old": "print(b)", "new": "print(b * 2)"}, "hash": cell["hash"]}
    edited = chain.server.http.patch(f"{api}/cells/c2", json=edit, headers=agent)
    assert edited.status_code == 200, edited.text
    chain.peer.until(lambda: chain.record("c2").get("state") == "edited")
    assert chain.states() == {"c0": "fresh", "c1": "fresh", "c2": "edited"}


def test_a_restart_leaves_every_cell_never_run(chain: Notebook) -> None:
    chain.run(all=True)
    response = chain.server.http.post("/api/notebooks/chain.ipynb/restart", json={})
    assert response.status_code == 204
    chain.peer.until(lambda: chain.record("c0").get("state") == "never_ran")
    assert set(chain.states().values()) == {"never_ran"}
    assert chain.text("c2") == "2\n"  # the outputs stay; only their mark says they are old


def test_run_stale_cells_produces_what_run_all_produces(chain: Notebook) -> None:
    chain.run(all=True)
    set_source(chain.peer, "c0", "a = 10")
    chain.peer.until(lambda: chain.record("c0").get("state") == "edited")
    assert chain.run(stale=True) == ["c0", "c1", "c2"]
    stale_run = [chain.text(c) for c in ("c0", "c1", "c2")]
    assert chain.run(stale=True) == []  # nothing stale now
    chain.run(all=True)
    assert [chain.text(c) for c in ("c0", "c1", "c2")] == stale_run == ["", "", "11\n"]
    assert set(chain.states().values()) == {"fresh"}


def test_a_name_defined_by_exec_links_its_reader_to_that_cell(server: RunningServer) -> None:
    book = Notebook(server, "exec.ipynb")
    try:
        book.run(all=True)
        assert book.record("c0")["writes"] == ["q"]
        assert book.record("c1")["depends_on"][0]["cell_id"] == "c0"
        book.run("c0")
        assert book.states()["c1"] == "stale"
    finally:
        book.close()


def test_a_function_defined_in_one_cell_and_called_in_another_is_a_dependency(
    server: RunningServer,
) -> None:
    book = Notebook(server, "calls.ipynb")
    try:
        book.run(all=True)
        assert book.text("c2") == "6\n"
        assert book.record("c1")["reads"] == ["k"]  # f reads k when called
        assert [d["cell_id"] for d in book.record("c2")["depends_on"]] == ["c1"]
        book.run("c0")  # k again: f's cell, and the call's through it, are stale
        assert book.states() == {"c0": "fresh", "c1": "stale", "c2": "stale"}
    finally:
        book.close()


def test_reactive_mode_runs_what_a_run_made_stale_and_stops_at_an_error(
    server: RunningServer,
) -> None:
    book = Notebook(server, "reactive.ipynb")
    try:
        set_source(book.peer, "c1", "b = 1 / (a - 3)")
        book.run(all=True)
        assert book.text("c2") == "-0.5\n"
        metadata = dict(book.peer.document.meta["metadata"])
        book.peer.document.meta["metadata"] = {**metadata, "interlace": {"reactive": True}}
        book.peer.until(lambda: bool(book.peer.document.reactive()))
        set_source(book.peer, "c0", "a = 3")  # b divides by zero now
        book.run("c0")
        assert book.record("c1")["status"] == "error"
        assert book.record("c2")["status"] == "cancelled"  # dropped, as run all drops it
        assert book.record("c3")["status"] == "cancelled"
        set_source(book.peer, "c0", "a = 4")
        book.run("c0")
        assert book.text("c2") == "1.0\n"
        assert [book.record(c)["status"] for c in ("c1", "c2", "c3")] == ["ok", "ok", "ok"]
        assert set(book.states().values()) == {"fresh"}
    finally:
        book.close()


def test_a_foreign_kernel_gets_marks_from_the_source(server: RunningServer) -> None:
    book = Notebook(server, "foreign.ipynb")
    try:
        book.run(all=True)
        assert book.record("c1")["names"] == "source"
        assert book.record("c1")["reads"] == ["a"]
        book.run("c0")
        assert book.states() == {"c0": "fresh", "c1": "stale", "c2": "stale"}
        answer = book.server.http.get("/api/notebooks/foreign.ipynb/states").json()
        assert {cell["names"] for cell in answer["cells"]} == {"source"}
    finally:
        book.close()


def test_json_rpc_gives_the_marks_and_runs_stale_cells(chain: Notebook) -> None:
    chain.run(all=True)
    chain.run("c0")

    def call(method: str, **params: Any) -> Any:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        return chain.server.http.post("/api/rpc", json=body).json()["result"]

    states = call("notebook_cell_states", path="chain.ipynb")
    assert [(c["id"], c["state"]) for c in states] == [
        ("c0", "fresh"),
        ("c1", "stale"),
        ("c2", "stale"),
    ]
    assert call("notebook_execute", path="chain.ipynb", stale=True) == ["c1", "c2"]
    chain.settle()
    assert set(chain.states().values()) == {"fresh"}


def test_history_keeps_the_marks_as_they_were_at_every_moment(chain: Notebook) -> None:
    chain.run(all=True)
    events = chain.server.http.get("/api/notebooks/chain.ipynb/history").json()["events"]
    all_ran = events[-1]["seq"]
    chain.run("c0")
    api = "/api/notebooks/chain.ipynb/history"

    def marks_at(seq: int) -> list[str | None]:
        notebook = chain.server.http.get(f"{api}/{seq}").json()["notebook"]
        return [c["metadata"].get("interlace", {}).get("state") for c in notebook["cells"]]

    assert marks_at(all_ran) == ["fresh", "fresh", "fresh"]
    latest = chain.server.http.get(api).json()["events"][-1]["seq"]
    assert marks_at(latest) == ["fresh", "stale", "stale"]
