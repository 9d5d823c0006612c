"""A trickling stream: one short line per flush, what each line costs to broadcast and record.

A cell that prints a line every 50 ms for minutes must not cost more with every
line it adds. Each flush is measured after 2,000 lines and after 200,000 (the
stream then long past its 200,000-character bound) for:

- interlace: a ``NotebookDocument`` written by the run queue's own flush
  (``CellRuns``), every change recorded by the notebook recorder into SQLite;
- jupyter_ydoc's ``YNotebook``, its stream output written as JupyterLab writes
  one into a collaborative notebook (``YCodeCell.appendStreamOutput``: an insert
  at the end of the output's Y.Text). jupyter-collaboration's store appends each
  update as it is; pycrdt-store's whole-document checkpoints are not counted.

"Broadcast" is the Yjs sync message sent to each page; "recorded" is the
document bytes kept for it: the update, plus (for interlace) its share of the
whole-document snapshots the recorder stores (at most ``SNAPSHOT_AT_MOST``
changes apart, so each window spans at least one).
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
from jupyter_ydoc import YNotebook
from pycrdt import Map, Text, create_update_message

from _harness import Result
from collab import _notebook
from interlace.collab import CellRuns, NotebookDocument
from interlace.protocol import Sender
from interlace.record import SNAPSHOT_AT_MOST, Recordings

if TYPE_CHECKING:
    from collections.abc import Callable

    from pycrdt import TransactionEvent

WINDOW = SNAPSHOT_AT_MOST
"""Lines measured after each mark, one per flush: a recorder snapshot falls in each window."""

BATCH = 100
"""Lines per flush before a mark. pycrdt's text insert takes time in proportion to the
text's length, so jupyter's unbounded stream (5 MB by 200,000 lines) would take
minutes to grow line by line; the lines measured still come one per flush."""


def _line(number: int) -> str:
    return f"step {number:>7}: loss=0.{number % 997:03d}\n"


@dataclass(frozen=True)
class PerLine:
    """Bytes per line in the window after a mark."""

    broadcast: float
    recorded: float


class _Updates:
    """What a document's changes add up to: their updates, and the sync messages carrying them."""

    def __init__(self) -> None:
        self.updates = 0
        self.messages = 0

    def __call__(self, event: TransactionEvent) -> None:
        self.updates += len(event.update)
        self.messages += len(create_update_message(event.update))


def _per_line(
    write: Callable[[str], None],
    marks: list[int],
    window: int,
    sent: Callable[[], int],
    kept: Callable[[], int],
) -> list[PerLine]:
    """Write the lines up to each mark, then ``window`` lines one per flush: bytes per line
    in each window."""
    results, printed = [], 0
    for mark in marks:
        for first in range(printed, mark, BATCH):
            write("".join(_line(number) for number in range(first, min(first + BATCH, mark))))
        sent_before, kept_before = sent(), kept()
        for number in range(mark, mark + window):
            write(_line(number))
        printed = mark + window
        results.append(PerLine((sent() - sent_before) / window, (kept() - kept_before) / window))
    return results


def _ours(marks: list[int], window: int) -> tuple[list[PerLine], int]:
    """Our document and flush path, recorded; per-line bytes after each mark, final state."""
    with tempfile.TemporaryDirectory(prefix="interlace-bench-") as folder:
        database = Path(folder) / "recordings.sqlite"
        recordings = Recordings(database)
        document = NotebookDocument.from_notebook(_notebook(1))
        recorder = recordings.recorder("trickle.ipynb", document.doc.get_update)
        updates = _Updates()

        def changed(event: TransactionEvent) -> None:
            updates(event)
            recorder.record("output", "alice", change=event.update)

        document.doc.observe(changed)
        runs, sender = CellRuns(document), Sender()

        def write(line: str) -> None:
            """A line from the kernel, then the periodic flush."""
            runs._write("c0", sender.message("stream", {"name": "stdout", "text": line}))
            runs._flush_streams("c0")

        results = _per_line(write, marks, window, lambda: updates.messages, lambda: _kept(database))
        state = len(document.doc.get_update())
        runs.close()
        anyio.run(runs.run)  # the queue, closed, ends at once
        recordings.close()
    return results, state


def _kept(database: Path) -> int:
    """Document bytes the recorder keeps: every change, every snapshot."""
    with sqlite3.connect(database) as db:
        changes = db.execute("SELECT SUM(LENGTH(change)) FROM events").fetchone()[0]
        snapshots = db.execute("SELECT SUM(LENGTH(state)) FROM snapshots").fetchone()[0]
    return int(changes or 0) + int(snapshots or 0)


def _theirs(marks: list[int], window: int) -> tuple[list[PerLine], int]:
    """jupyter_ydoc's notebook, its stream grown as JupyterLab grows it."""
    notebook = YNotebook()
    notebook.set(_notebook(1))
    outputs = notebook.ycells[0]["outputs"]
    updates = _Updates()
    notebook.ydoc.observe(updates)
    texts: list[Text] = []

    def write(line: str) -> None:
        """JupyterLab's first stream output (a Map around a Y.Text), then appendStreamOutput."""
        with notebook.ydoc.transaction():
            if not texts:
                outputs.append(Map({"output_type": "stream", "name": "stdout", "text": Text(line)}))
                texts.append(outputs[len(outputs) - 1]["text"])
            else:
                texts[0].insert(len(texts[0]), line)

    results = _per_line(write, marks, window, lambda: updates.messages, lambda: updates.updates)
    return results, len(notebook.ydoc.get_update())


def _note(line: int, ours: float, theirs: float) -> str:
    return (
        f"the line is {line} B: interlace {ours / line:.2f}x (+{ours - line:.0f} B),"
        f" jupyter {theirs / line:.2f}x (+{theirs - line:.0f} B)"
    )


def run(quick: bool) -> list[Result]:
    marks = [200, 2_000] if quick else [2_000, 200_000]
    window = 1_000 if quick else WINDOW
    (ours, our_state), (theirs, their_state) = _ours(marks, window), _theirs(marks, window)
    size = len(_line(marks[-1]).encode())
    results = []
    for kind in ("broadcast", "recorded"):
        for mark, mine, jupyter in zip(marks, ours, theirs, strict=True):
            our_bytes, their_bytes = getattr(mine, kind), getattr(jupyter, kind)
            results.append(
                Result(
                    f"trickle: {kind} per line after {mark:,} lines",
                    our_bytes,
                    their_bytes,
                    unit="B",
                    note=_note(size, our_bytes, their_bytes),
                )
            )
    lines = marks[-1] + window
    results.append(
        Result(f"trickle: document after {lines:,} lines", our_state, their_state, unit="B")
    )
    return results
