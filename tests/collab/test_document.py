"""The notebook document: lossless nbformat, and concurrent edits that converge."""

from __future__ import annotations

import copy
from typing import Any

import nbformat

from interlace.collab import NotebookDocument

NOTEBOOK: dict[str, Any] = {
    "nbformat": 4,
    "nbformat_minor": 5,
    "metadata": {"kernelspec": {"name": "interlace", "display_name": "Python 3 (interlace)"}},
    "cells": [
        {"id": "intro", "cell_type": "markdown", "metadata": {}, "source": "# Title"},
        {
            "id": "calc",
            "cell_type": "code",
            "metadata": {"tags": ["x"]},
            "source": ["a = 1\n", "a + 1"],
            "execution_count": 3,
            "outputs": [
                {
                    "output_type": "execute_result",
                    "execution_count": 3,
                    "data": {"text/plain": "2"},
                    "metadata": {},
                },
            ],
        },
        {"id": "raw", "cell_type": "raw", "metadata": {}, "source": "raw text"},
    ],
}


def sync(first: NotebookDocument, second: NotebookDocument) -> None:
    """Exchange all updates both ways, as two Yjs peers do."""
    first_state, second_state = first.doc.get_state(), second.doc.get_state()
    first.doc.apply_update(second.doc.get_update(first_state))
    second.doc.apply_update(first.doc.get_update(second_state))


def peers() -> tuple[NotebookDocument, NotebookDocument]:
    first = NotebookDocument.from_notebook(copy.deepcopy(NOTEBOOK))
    second = NotebookDocument()
    sync(first, second)
    return first, second


def test_nbformat_round_trip_keeps_everything() -> None:
    exported = NotebookDocument.from_notebook(copy.deepcopy(NOTEBOOK)).to_notebook()
    expected = copy.deepcopy(NOTEBOOK)
    expected["cells"][1]["source"] = "a = 1\na + 1"
    assert exported == expected
    nbformat.validate(nbformat.from_dict(exported))


def test_concurrent_moves_of_one_cell_never_duplicate_it() -> None:
    first, second = peers()
    first.move_cell("raw", 0)
    second.move_cell("raw", 1)
    second.move_cell("intro", 2)
    sync(first, second)
    assert first.cell_ids() == second.cell_ids()
    assert sorted(first.cell_ids()) == ["calc", "intro", "raw"]


def test_concurrent_move_delete_and_edit_converge() -> None:
    first, second = peers()
    first.move_cell("calc", 0)
    second.delete_cell("calc")
    first.cell("intro")["source"].insert(7, " one")
    text = second.cell("intro")["source"]
    text.insert(len(text), " and two")
    new = first.insert_cell(1, "code", "print('new')")
    sync(first, second)
    assert first.cell_ids() == second.cell_ids()
    assert "calc" not in first.cell_ids()
    assert new in second.cell_ids()
    assert first.source("intro") == second.source("intro")
    assert "one" in first.source("intro")
    assert "and two" in first.source("intro")
    assert first.to_notebook() == second.to_notebook()


def test_insert_between_cells_many_times_keeps_order() -> None:
    document = NotebookDocument.from_notebook(copy.deepcopy(NOTEBOOK))
    inserted = [document.insert_cell(1, source=str(i)) for i in range(80)]
    order = document.cell_ids()
    assert order[0] == "intro"
    assert order[1:81] == list(reversed(inserted))
    assert order[81:] == ["calc", "raw"]


def test_outputs_merge_streams_and_update_displays() -> None:
    document = NotebookDocument.from_notebook(copy.deepcopy(NOTEBOOK))
    document.clear_outputs("calc")
    document.add_output("calc", {"output_type": "stream", "name": "stdout", "text": "10%"})
    document.add_output("calc", {"output_type": "stream", "name": "stdout", "text": "\r100%\n"})
    document.add_output("calc", {"output_type": "stream", "name": "stderr", "text": "warn\n"})
    shown = {
        "output_type": "display_data",
        "data": {"text/plain": "old"},
        "metadata": {},
        "transient": {"display_id": "d"},
    }
    document.add_output("calc", shown)
    assert document.update_display("d", {"data": {"text/plain": "new"}, "metadata": {}}) == 1
    document.set_execution_count("calc", 4)
    cell = document.to_notebook()["cells"][1]
    assert [o.get("text") for o in cell["outputs"][:2]] == ["100%\n", "warn\n"]
    assert cell["outputs"][2] == {
        "output_type": "display_data",
        "data": {"text/plain": "new"},
        "metadata": {},
    }
    assert cell["execution_count"] == 4
    nbformat.validate(nbformat.from_dict(document.to_notebook()))


def test_a_huge_stream_keeps_a_bounded_tail_and_says_so() -> None:
    document = NotebookDocument.from_notebook(copy.deepcopy(NOTEBOOK))
    document.clear_outputs("calc")
    chunk = "".join(f"{i}\n" for i in range(100_000))
    for _ in range(3):
        document.add_output("calc", {"output_type": "stream", "name": "stdout", "text": chunk})
    (output,) = document.shown_outputs("calc")
    assert len(output["text"]) <= 200_000
    assert output["text"].endswith("99999\n")
    assert output["metadata"]["interlace_dropped"] > 0
    (saved,) = document.to_notebook()["cells"][1]["outputs"]  # nbformat: streams have no
    assert saved == {"output_type": "stream", "name": "stdout", "text": output["text"]}


def test_a_cells_mark_is_exported_into_its_run_record_and_only_there() -> None:
    document = NotebookDocument.from_notebook(copy.deepcopy(NOTEBOOK))
    record = {"source_hash": "abc", "run": 1, "state": "fresh"}
    document.cell("calc")["metadata"] = {"tags": ["x"], "interlace": record}
    why = [{"name": "a", "cell_id": "intro", "why": "assigned again"}]
    document.marks["calc"] = {"state": "stale", "stale_because": why}
    document.marks["intro"] = {"state": "never_ran", "stale_because": []}  # no run record
    cells = {cell["id"]: cell for cell in document.to_notebook()["cells"]}
    assert cells["calc"]["metadata"] == {
        "tags": ["x"],
        "interlace": {"source_hash": "abc", "run": 1, "state": "stale", "stale_because": why},
    }
    assert cells["intro"]["metadata"] == {}
    document.marks["calc"] = {"state": "nonsense"}  # a peer's junk changes nothing
    assert document.to_notebook()["cells"][1]["metadata"]["interlace"] == record
