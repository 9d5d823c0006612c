"""Targeted edits: splices of one cell's text, cells inserted, moved, retyped and deleted by id."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from interlace.collab import NotebookDocument, Room
from interlace.errors import BadCommand
from interlace.notebooks import Edit
from interlace.notebooks._agent_presence import AgentPresence
from interlace.notebooks._cells import output_view, transcript
from interlace.notebooks._edits import splices
from interlace.record import Recordings
from tests.agents.conftest import history, over_http
from tests.notebooks.ypeer import NOTEBOOK

if TYPE_CHECKING:
    from pathlib import Path

    from tests.server.conftest import RunningServer


def _edited(source: str, edit: Edit) -> str:
    for start, end, text in splices(source, edit):
        source = source[:start] + text + source[end:]
    return source


@pytest.mark.parametrize(
    ("source", "edit", "expected"),
    [
        ("a = 1\nb = 2\n", Edit(old="b = 2", new="b = 3"), "a = 1\nb = 3\n"),
        ("héllo wörld", Edit(start=6, end=11, text="there"), "héllo there"),
        ("a\nb\nc", Edit(first_line=2, last_line=2, text="B"), "a\nB\nc"),
        ("a\nb\nc", Edit(first_line=3, last_line=3, text="C"), "a\nb\nC"),
        ("a\nb", Edit(first_line=2, last_line=1, text="inserted"), "a\ninserted\nb"),
        ("a\nb", Edit(first_line=3, last_line=2, text="after"), "a\nb\nafter"),
        ("a\nb\nc\nd\n", Edit(source="a\nB\nc\nd\ne\n"), "a\nB\nc\nd\ne\n"),
        ("", Edit(source="new"), "new"),
    ],
)
def test_each_form_of_edit_makes_what_it_says(source: str, edit: Edit, expected: str) -> None:
    assert _edited(source, edit) == expected


def test_a_whole_new_source_changes_only_the_lines_that_differ() -> None:
    source = "keep 1\nchange me\nkeep 2\n"
    assert splices(source, Edit(source="keep 1\nchanged\nkeep 2\n")) == [(7, 17, "changed\n")]


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        ({"old": "x", "new": "y", "start": 0}, "give exactly one edit"),
        ({"old": "zz", "new": "y"}, "does not occur"),
        ({"old": "a", "new": "y"}, "occurs 2 times"),
        ({"old": "", "new": "y"}, "old must not be empty"),
        ({"start": 3, "end": 1, "text": ""}, "0 <= start <= end <= 5"),
        ({"start": "0", "end": 1, "text": ""}, "start must be a whole number"),
        ({"first_line": 0, "last_line": 1, "text": ""}, "lines are numbered from 1 to 2"),
        ({"source": 3}, "source must be a string"),
        ("not an edit", "an edit is an object"),
    ],
)
def test_a_malformed_edit_is_refused_with_its_reason(edit: Any, reason: str) -> None:
    with pytest.raises(BadCommand, match=reason):
        splices("a\nab!", edit)


def test_a_splice_of_shared_text_counts_characters_not_bytes() -> None:
    cell = {"id": "first", "cell_type": "code", "source": "ä = 'é'\nprint(ä)", "outputs": []}
    document = NotebookDocument.from_notebook({**NOTEBOOK, "cells": [cell]})
    document.edit_source("first", 5, 6, "ü")
    assert document.source("first") == "ä = 'ü'\nprint(ä)"
    cursor = document.cursor_at("first", 7)
    assert cursor["assoc"] == -1
    assert "item" in cursor or "type" in cursor


def test_outputs_read_as_text_with_their_mimetypes_and_sizes() -> None:
    error = {
        "output_type": "error",
        "ename": "ValueError",
        "evalue": "bad",
        "traceback": ["\x1b[31mValueError\x1b[0m: bad"],
    }
    image = {
        "output_type": "display_data",
        "data": {"text/plain": "<Figure>", "image/png": "iVBORw0K\nGgo="},
        "metadata": {},
    }
    assert output_view(error)["text"] == "ValueError: bad"
    shown = output_view(image, images=True)
    assert shown["mimetypes"] == [
        {"mimetype": "text/plain", "bytes": 8},
        {"mimetype": "image/png", "bytes": 13},
    ]
    assert shown["images"] == [{"mimetype": "image/png", "data": "iVBORw0KGgo="}]
    assert "images" not in output_view(image)
    long = output_view({"output_type": "stream", "name": "stdout", "text": "x" * 10_000})
    assert long["chars"] == 10_000
    assert "characters left out" in long["text"]
    stream = {"output_type": "stream", "name": "stdout", "text": "a"}
    assert transcript([stream, image, error]) == "a\n<Figure>\nValueError: bad"


def test_cells_are_inserted_moved_retyped_and_deleted_by_id(
    agents_server: RunningServer, notebook_path: str
) -> None:
    path = notebook_path
    with over_http(agents_server) as agent:
        top = agent.ok(
            "insert_cell", path=path, source="# Title", cell_type="markdown", before="first"
        )
        end = agent.ok("insert_cell", path=path, source="z = 3")
        agent.ok("move_cell", path=path, cell_id=end["id"], after="first")
        retyped = agent.ok("set_cell_type", path=path, cell_id="second", cell_type="raw")
        order = [c["id"] for c in agent.ok("read_notebook", path=path)["cells"]]
        assert "not both" in agent.error("insert_cell", path=path, after="first", before="first")
        assert "next to itself" in agent.error(
            "move_cell", path=path, cell_id="first", after="first"
        )
        wrong = agent.error("set_cell_type", path=path, cell_id="first", cell_type="python")
        assert "Input should be 'code', 'markdown' or 'raw'" in wrong
        agent.ok("delete_cell", path=path, cell_id=top["id"], hash=top["hash"])
        after = [c["id"] for c in agent.ok("read_notebook", path=path)["cells"]]
    assert order == [top["id"], "first", end["id"], "second"]
    assert after == ["first", end["id"], "second"]
    assert top["cell_type"] == "markdown"
    assert retyped["cell_type"] == "raw"
    kinds = [
        (e["kind"], e["data"])
        for e in history(agents_server, path)
        if e["actor"] == "agent: tester"
    ]
    assert ("moved", {"cells": [end["id"]]}) in kinds
    assert ("deleted", {"cells": [top["id"]]}) in kinds
    agents_server.http.post(f"/api/notebooks/{path}/save")
    saved = json.loads((agents_server.root / path).read_text())
    assert [c["id"] for c in saved["cells"]] == after
    assert saved["cells"][2]["cell_type"] == "raw"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_an_agent_leaves_presence_once_it_stops_acting(tmp_path: Path) -> None:
    recordings = Recordings(tmp_path / "r.sqlite")
    room = Room.open("n.ipynb", lambda: dict(NOTEBOOK), recordings, lambda notebook: None)
    presence = AgentPresence(lambda path: room, linger=0.0)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(room.run)
        presence.show("n.ipynb", room, "agent: a", "first")
        [state] = room.presence.states.values()
        presence.renew()
        left = room.presence.states
        room.close(save=False)
    recordings_seen = [(e.kind, e.actor) for e in recordings.events("n.ipynb")]
    recordings.close()
    assert state["user"]["name"] == "agent: a"
    assert state["user"]["agent"] is True
    assert state["cell"] == "first"
    assert left == {}
    assert [seen for seen in recordings_seen if seen[1] != "server"] == [
        ("joined", "agent: a"),
        ("left", "agent: a"),
    ]
