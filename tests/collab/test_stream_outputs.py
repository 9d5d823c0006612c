"""Stream outputs in the document cost what they add: appends, tail edits, head cuts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio
import nbformat
from pycrdt import Doc, Map, Text

from interlace.collab import MAX_STREAM_CHARS, CellRuns, NotebookDocument, merge_stream
from interlace.collab._streams import held_back, stream_edit
from interlace.protocol import Sender

if TYPE_CHECKING:
    from pycrdt import TransactionEvent

LINK = "/api/notebooks/x.ipynb/outputs/0123456789abcdef01234567-stdout.txt"


def notebook(*outputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "id": "c",
                "cell_type": "code",
                "metadata": {},
                "source": "",
                "outputs": list(outputs),
                "execution_count": None,
            }
        ],
    }


class Watched:
    """A document, the update of each of its changes, and a second peer fed those updates."""

    def __init__(self, document: NotebookDocument | None = None) -> None:
        self.document = document or NotebookDocument.from_notebook(notebook())
        self.peer = NotebookDocument(Doc())
        self.peer.doc.apply_update(self.document.doc.get_update())
        self.updates: list[bytes] = []
        self.document.doc.observe(self._changed)

    def _changed(self, event: TransactionEvent) -> None:
        self.updates.append(event.update)
        self.peer.doc.apply_update(event.update)

    def print(self, text: str, name: str = "stdout") -> int:
        """Write ``text`` as the flush does; the size of the document change."""
        before = len(self.updates)
        output = {"output_type": "stream", "name": name, "text": text}
        self.document.add_output("c", output, full_output=LINK)
        return sum(len(update) for update in self.updates[before:])

    def outputs(self) -> list[dict[str, Any]]:
        """The first cell's outputs as the page shows them (with what a stream dropped)."""
        return self.document.shown_outputs(self.document.cell_ids()[0])

    def text(self) -> str:
        (stream,) = self.outputs()
        return str(stream["text"])


def line(number: int) -> str:
    return f"step {number:>7}: loss=0.{number % 997:03d}\n"


def test_a_stream_is_shared_text_in_a_map() -> None:
    watched = Watched()
    watched.print("hello\n")
    (stream,) = list(watched.document.cell("c")["outputs"])
    assert isinstance(stream, Map)
    assert isinstance(stream["text"], Text)
    assert str(stream["text"]) == "hello\n"


def test_an_appended_line_costs_the_same_after_2000_lines_and_after_the_bound() -> None:
    watched = Watched()
    sizes = [watched.print(line(number)) for number in range(12_000)]
    written = sum(len(line(number)) for number in range(12_000))
    assert written > 1.3 * MAX_STREAM_CHARS  # the head has been cut, more than once
    at_start, at_2000, past_bound = sizes[100], sizes[2_000], sizes[11_999]
    assert at_2000 - at_start <= 2  # the clocks in the update grow by a byte or so
    assert past_bound - at_start <= 4
    assert past_bound <= len(line(0)) + 32
    # A cut (a deletion and the metadata counting it) costs a constant too, once in a tenth
    # of the bound.
    assert max(sizes[1:]) < 200
    cuts = (written - MAX_STREAM_CHARS) // (MAX_STREAM_CHARS // 10) + 1
    assert sum(size > past_bound + 8 for size in sizes[1:]) <= cuts
    assert watched.peer.to_notebook() == watched.document.to_notebook()


def test_carriage_return_progress_collapses_and_edits_only_the_last_line() -> None:
    watched = Watched()
    watched.print("".join(line(number) for number in range(5_000)))
    sizes = [watched.print(f"\rprogress {percent:3d}%") for percent in range(0, 101)]
    watched.print("\ndone\n")
    text = watched.text()
    assert text.endswith(line(4_999) + "progress 100%\ndone\n")
    assert "progress  99%" not in text
    assert text == merge_stream(
        "".join(line(number) for number in range(5_000)), "progress 100%\ndone\n"
    )
    assert max(sizes) < 64  # a few characters of the last line, not the stream
    assert watched.peer.to_notebook() == watched.document.to_notebook()


def test_backspaces_overwrite_within_the_last_line() -> None:
    watched = Watched()
    watched.print("first\nabc")
    assert watched.print("\b\bX") < 48
    assert watched.text() == "first\naXc"


def test_the_head_bound_holds_and_counts_what_it_dropped() -> None:
    watched = Watched()
    written = 0
    for number in range(15_000):
        watched.print(line(number))
        written += len(line(number))
        if number % 1_000 == 999:
            (stream,) = watched.outputs()
            assert len(stream["text"]) <= MAX_STREAM_CHARS
            dropped = stream.get("metadata", {}).get("interlace_dropped", 0)
            assert dropped + len(stream["text"]) == written
    (stream,) = watched.outputs()
    assert stream["text"].startswith("step ")  # cut at a line start
    assert stream["text"].endswith(line(14_999))
    assert stream["metadata"] == {
        "interlace_dropped": written - len(stream["text"]),
        "interlace_full_output": LINK,
    }
    saved = watched.document.to_notebook()
    nbformat.validate(nbformat.from_dict(saved))  # the file: nbformat gives streams no metadata
    assert saved["cells"][0]["outputs"] == [
        {"output_type": "stream", "name": "stdout", "text": stream["text"]}
    ]


def test_a_first_batch_larger_than_the_bound_is_cut_before_it_is_written() -> None:
    watched = Watched()
    batch = "".join(line(number) for number in range(100_000))  # 2.9 MB
    size = watched.print(batch)
    (stream,) = watched.outputs()
    assert len(stream["text"]) <= MAX_STREAM_CHARS
    assert stream["text"].endswith(line(99_999))
    assert stream["metadata"]["interlace_dropped"] == len(batch) - len(stream["text"])
    assert size < MAX_STREAM_CHARS + 512
    # A huge batch on a stream that is there already: the old text goes, the batch's tail stays.
    size = watched.print(batch.replace("step", "next"))
    assert watched.text().endswith(line(99_999).replace("step", "next"))
    assert "step" not in watched.text()
    assert size < MAX_STREAM_CHARS + 512
    assert watched.peer.to_notebook() == watched.document.to_notebook()


def test_nbformat_round_trip_keeps_streams_as_strings() -> None:
    source = notebook(
        {"output_type": "stream", "name": "stdout", "text": ["a\n", "b\n"]},
        {"output_type": "stream", "name": "stderr", "text": "warn\n"},
        {"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {}},
    )
    exported = NotebookDocument.from_notebook(source).to_notebook()
    source["cells"][0]["outputs"][0]["text"] = "a\nb\n"
    assert exported == source
    nbformat.validate(nbformat.from_dict(exported))
    again = NotebookDocument.from_notebook(exported).to_notebook()
    assert again == exported


def test_a_loaded_stream_and_a_plain_json_one_continue_in_place() -> None:
    loaded = Watched(
        NotebookDocument.from_notebook(
            notebook({"output_type": "stream", "name": "stdout", "text": "one\n"})
        )
    )
    assert loaded.print("two\n") < 32
    assert loaded.text() == "one\ntwo\n"
    older = Watched()
    older.document.cell("c")["outputs"].append(
        {"output_type": "stream", "name": "stdout", "text": "old 10%"}
    )
    older.print("\rall 100%\n")
    older.print("new\n")
    assert older.text() == "all 100%\nnew\n"
    assert isinstance(older.document.cell("c")["outputs"][0], Map)
    assert older.peer.to_notebook() == older.document.to_notebook()


def test_streams_of_other_names_and_other_outputs_start_new_outputs() -> None:
    watched = Watched()
    watched.print("out\n")
    watched.print("err\n", name="stderr")
    watched.document.add_output(
        "c", {"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {}}
    )
    watched.print("more\n")
    kinds = [(o["output_type"], o.get("name"), o.get("text")) for o in watched.outputs()]
    assert kinds == [
        ("stream", "stdout", "out\n"),
        ("stream", "stderr", "err\n"),
        ("display_data", None, None),
        ("stream", "stdout", "more\n"),
    ]
    watched.document.clear_outputs("c")
    assert watched.outputs() == []
    assert watched.peer.to_notebook() == watched.document.to_notebook()


def test_text_beyond_ascii_is_edited_at_the_right_places() -> None:
    watched = Watched()
    wide = "".join(f"é€😀 {number}\n" for number in range(30_000))  # more bytes than chars
    for start in range(0, len(wide), 9_000):
        watched.print(wide[start : start + 9_000])
    watched.print("çà 10%")
    watched.print("\rçà 100% ✓\n")
    text = watched.text()
    assert text.endswith("é€😀 29999\nçà 100% ✓\n")
    assert text.startswith("é€😀 ")
    assert len(text) <= MAX_STREAM_CHARS
    assert watched.print("bad \udc80 bytes\n") < 48
    assert watched.text().endswith("bad ? bytes\n")
    assert watched.peer.to_notebook() == watched.document.to_notebook()


def test_a_second_doc_fed_the_updates_converges() -> None:
    watched = Watched()
    for number in range(9_000):
        watched.print(line(number) if number % 50 else f"\r{number}%")
    late = NotebookDocument(Doc())
    late.doc.apply_update(watched.document.doc.get_update())
    assert watched.peer.to_notebook() == watched.document.to_notebook()
    assert late.to_notebook() == watched.document.to_notebook()
    assert len(watched.document.doc.get_update()) < 1.2 * MAX_STREAM_CHARS


def test_a_trailing_carriage_return_waits_for_the_text_after_it() -> None:
    assert held_back("1\r2\r") == ("1\r2", "\r")
    assert held_back("done\n") == ("done\n", "")
    first, later = held_back("1\r2\r")
    assert merge_stream(merge_stream("", first), later + "3\r") == "3"


def test_the_flush_holds_a_trailing_carriage_return_for_the_next_text() -> None:
    watched = Watched()
    runs, sender = CellRuns(watched.document), Sender()
    for text in ("working 1\r", "working 2\r", "working 3\r", "done     \n"):
        runs._write("c", sender.message("stream", {"name": "stdout", "text": text}))
        runs._flush_streams("c")
        assert not watched.text().startswith("working 1working")
    runs.close()
    anyio.run(runs.run)  # the queue, closed, ends at once
    assert watched.text() == "done     \n"
    assert watched.peer.to_notebook() == watched.document.to_notebook()


def test_stream_edit_describes_the_merge_and_the_cut() -> None:
    existing = "".join(f"{n}\n" for n in range(10)) + "50%"
    edit = stream_edit(existing, "\r60%\nok\n", limit=15)
    merged = merge_stream(existing, "\r60%\nok\n")
    result = (existing[: edit.keep] + edit.insert)[edit.head :]
    assert result.endswith("60%\nok\n")
    assert len(result) <= 15
    assert edit.dropped == len(merged) - len(result)
    assert merged.endswith(result)
