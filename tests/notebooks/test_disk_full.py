"""A full disk loses nothing: a refused edit is kept by its peer and taken later, outputs are
held and stored once the disk has room, and the server goes on serving.

Each test runs a real server on a real full disk: a small tmpfs (``tests.notebooks.disk``).
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any

import nbformat

from tests.notebooks.disk import SmallDisk, small_disk
from tests.notebooks.ypeer import NOTEBOOK, YPeer, outputs

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from tests.server.conftest import RunningServer


def pump_until(peers: list[YPeer], check: Callable[[], bool], timeout: float = 30) -> None:
    """Let every peer answer the server until ``check`` holds."""
    for _ in range(int(timeout / 0.05)):
        for peer in peers:
            peer.pump(0.025)
        if check():
            return
    raise AssertionError(f"never held; {peers[-1].document.to_notebook()}")


def append(peer: YPeer, cell_id: str, text: str) -> None:
    source = peer.document.cell(cell_id)["source"]
    source.insert(len(source), text)


def joined(server: RunningServer, path: str = "shared.ipynb") -> YPeer:
    peer = YPeer(server, path)
    peer.until(lambda: "first" in peer.document.cells)
    return peer


def saved_notebook(disk: SmallDisk) -> dict[str, Any]:
    saved = nbformat.read(str(disk.view / "shared.ipynb"), as_version=4)
    nbformat.validate(saved)
    return dict(saved)


def run_status(peer: YPeer, cell_id: str) -> Any:
    return (peer.document.cell(cell_id)["metadata"].get("interlace") or {}).get("status")


@contextlib.contextmanager
def restarted(disk: SmallDisk, server: RunningServer) -> Iterator[RunningServer]:
    """The server killed, then started again on the same disk."""
    server.kill()
    with disk.server() as again:
        yield again


def test_an_edit_the_disk_refuses_is_not_applied_and_is_taken_once_it_has_room(
    tmp_path: Path,
) -> None:
    with small_disk(tmp_path) as disk, disk.server() as server:
        disk.write_notebook("shared.ipynb", NOTEBOOK)
        alice, bob = joined(server), joined(server)
        disk.fill()
        append(alice, "first", "  # typed while the disk was full")
        alice.until(lambda: bool(alice.notices))
        assert "disk refused your change" in alice.notices[0]["error"]
        bob.until(lambda: bob.document.notice("storage") is not None)
        assert "full" in bob.document.notice("storage")
        assert bob.document.source("first") == "x = 20"  # refused, so nobody has it
        assert server.http.get("/api/status").status_code == 200

        disk.free()
        typed = "x = 20  # typed while the disk was full"
        pump_until(
            [alice, bob],
            lambda: (
                bob.document.source("first") == typed and bob.document.notice("storage") is None
            ),
        )
        pump_until([alice, bob], lambda: saved_notebook(disk)["cells"][0]["source"] == typed)
        alice.close()
        bob.close()
        with restarted(disk, server) as again:
            later = joined(again)
            assert later.document.source("first") == typed
            assert later.document.to_notebook()["cells"] == saved_notebook(disk)["cells"]
            later.close()


def test_outputs_made_while_the_disk_is_full_reach_everyone_and_are_kept(
    tmp_path: Path,
) -> None:
    with small_disk(tmp_path) as disk, disk.server() as server:
        disk.write_notebook("shared.ipynb", NOTEBOOK)
        peer = joined(server)
        server.http.post("/api/notebooks/shared.ipynb/execute", json={"cells": ["first"]})
        peer.until(lambda: peer.document.cell("first").get("execution_count") == 1)
        disk.fill()
        response = server.http.post(
            "/api/notebooks/shared.ipynb/execute", json={"cells": ["second"]}
        )
        assert response.status_code == 202, response.text
        peer.until(lambda: len(outputs(peer, "second")) == 2)
        assert outputs(peer, "second")[0]["text"] == "40\n"
        assert peer.document.notice("storage") is not None

        disk.free()
        peer.until(lambda: peer.document.notice("storage") is None)
        peer.until(lambda: len(saved_notebook(disk)["cells"][1]["outputs"]) == 2)
        peer.close()
        with restarted(disk, server) as again:
            later = joined(again)
            assert outputs(later, "second")[0]["text"] == "40\n"
            assert outputs(later, "second")[1]["data"] == {"text/plain": "42"}
            later.close()


def test_a_run_whose_kernel_cannot_start_says_so_on_its_cell(tmp_path: Path) -> None:
    with small_disk(tmp_path) as disk, disk.server(runtime_here=True) as server:
        disk.write_notebook("shared.ipynb", NOTEBOOK)
        peer = joined(server)
        disk.fill()  # so the kernel's connection file cannot be written
        response = server.http.post(
            "/api/notebooks/shared.ipynb/execute", json={"cells": ["first"]}
        )
        assert response.status_code == 503, response.text
        assert "No space left on device" in response.json()["message"]
        peer.until(lambda: run_status(peer, "first") == "failed")
        (failure,) = outputs(peer, "first")
        assert failure["output_type"] == "error"
        peer.close()


def test_the_contents_api_answers_507_and_keeps_the_file(tmp_path: Path) -> None:
    with small_disk(tmp_path) as disk, disk.server() as server:
        disk.write_notebook("shared.ipynb", NOTEBOOK)
        disk.fill()
        model = {"type": "file", "format": "text", "content": "x" * 100_000}
        response = server.http.put("/api/contents/notes.txt", json=model)
        assert response.status_code == 507, response.text
        assert "No space left" in response.json()["message"]
        response = server.http.put(
            "/api/contents/shared.ipynb",
            json={"type": "notebook", "content": {**NOTEBOOK, "cells": []}},
        )
        assert response.status_code == 507, response.text
        assert json.loads((disk.view / "shared.ipynb").read_text()) == NOTEBOOK
        assert not (disk.view / "notes.txt").exists()
        assert server.http.get("/api/contents/shared.ipynb").status_code == 200
