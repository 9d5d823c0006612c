"""Values valid in Yjs but not in a notebook, written by a peer: repaired, the server keeps
serving, the file stays valid, and other notebooks are not touched."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import nbformat
from pycrdt import Array, Map, Text

from tests.notebooks.ypeer import NOTEBOOK, YPeer

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.server.conftest import RunningServer

OFF_SCHEMA: list[tuple[str, Callable[[YPeer], None]]] = [
    ("a cell that is a string", lambda p: p.document.cells.__setitem__("bad", "a string")),
    (
        "no position",
        lambda p: p.document.cells.__setitem__(
            "bad",
            Map({"cell_type": "code", "source": Text("1"), "metadata": {}, "outputs": Array([])}),
        ),
    ),
    ("a position that is text", lambda p: p.document.cell("first").__setitem__("position", "x")),
    ("no outputs", lambda p: p.document.cell("first").__delitem__("outputs")),
    ("outputs that are text", lambda p: p.document.cell("first").__setitem__("outputs", "o")),
    ("a string output", lambda p: p.document.cell("first")["outputs"].append("o")),
    (
        "a count that is text",
        lambda p: p.document.cell("first").__setitem__("execution_count", "7"),
    ),
    ("a weird cell type", lambda p: p.document.cell("first").__setitem__("cell_type", "weird")),
    ("a listed cell type", lambda p: p.document.cell("first").__setitem__("cell_type", [1])),
    ("metadata of shared text", lambda p: p.document.meta.__setitem__("metadata", Text("m"))),
    ("list metadata", lambda p: p.document.cell("first").__setitem__("metadata", [1])),
    ("a minor version that is text", lambda p: p.document.meta.__setitem__("nbformat_minor", "x")),
    (
        "a cell id with ..",
        lambda p: p.document.cells.__setitem__(
            "../../x",
            Map(
                {
                    "cell_type": "code",
                    "source": Text(""),
                    "metadata": {},
                    "position": 9.0,
                    "outputs": Array([]),
                }
            ),
        ),
    ),
]


def _saved(server: RunningServer, path: str = "shared.ipynb") -> dict[str, Any]:
    assert server.http.post(f"/api/notebooks/{path}/save").status_code == 204
    notebook = json.loads((server.root / path).read_text())
    nbformat.validate(nbformat.from_dict(notebook))
    return dict(notebook)


def _write_and_see_it_repaired(
    server: RunningServer, name: str, write: Callable[[YPeer], None]
) -> None:
    peer = YPeer(server, "shared.ipynb")
    try:
        peer.until(lambda: "first" in peer.document.cells)
        write(peer)
        peer.until(lambda: any("repaired" in n["error"] for n in peer.notices))
        ids = [cell["id"] for cell in _saved(server)["cells"]]
        assert "first" in ids, name
        assert all(".." not in cell_id for cell_id in ids), name
    finally:
        peer.close()


def test_off_schema_values_are_repaired_and_the_peer_is_told(
    notebook_server: RunningServer,
) -> None:
    (notebook_server.root / "other.ipynb").write_text(json.dumps(NOTEBOOK))
    bystander = YPeer(notebook_server, "other.ipynb")
    bystander.until(lambda: "first" in bystander.document.cells)
    for name, write in OFF_SCHEMA:
        _write_and_see_it_repaired(notebook_server, name, write)
    # The server kept serving, the other notebook too, and its kernels run.
    assert _saved(notebook_server, "other.ipynb")["cells"][0]["source"] == "x = 20"
    run = notebook_server.http.post("/api/notebooks/shared.ipynb/execute", json={"all": True})
    assert run.status_code == 202
    bystander.close()
