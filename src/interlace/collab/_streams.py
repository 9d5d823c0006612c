"""Stream text merged the way a terminal shows it: ``\\r`` and ``\\b`` overwrite in place.

A progress bar that redraws its line with ``\\r`` a thousand times is one line in
the notebook, not a thousand. Only the last line of what is already there can
be touched by new text, so merging costs what the new text costs.

A stream output in the document only grows at its end and shrinks at its head:
``stream_edit`` says, for the text there and the text that came, what to keep,
what to insert after it and what to cut at the head, so that the document
change (and what is broadcast and recorded) is the size of the new text.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = [
    "MAX_STREAM_CHARS",
    "StreamEdit",
    "bounded",
    "head_cut",
    "held_back",
    "merge_stream",
    "stream_edit",
    "tail_edit",
]

MAX_STREAM_CHARS = 200_000
"""A stream output's text in the document stops growing here; the tail is kept."""

_CONTROL = re.compile(r"([\r\b])")


def _overwrite(line: str, text: str) -> str:
    """``text`` (no newline in it) typed over ``line`` with the cursor at its end."""
    cursor = len(line)
    for piece in _CONTROL.split(text):
        if piece == "\r":
            cursor = 0
        elif piece == "\b":
            cursor = max(0, cursor - 1)
        elif piece:
            line = line[:cursor] + piece + line[cursor + len(piece) :]
            cursor += len(piece)
    return line


def _draw(line: str, text: str) -> str:
    """Apply ``text`` to the cursor at the end of ``line``; returns the resulting lines."""
    first, *rest = text.split("\n")
    lines = [_overwrite(line, first)]
    # After a newline the cursor starts a fresh line: nothing before it can change.
    lines.extend(_overwrite("", part) if "\r" in part or "\b" in part else part for part in rest)
    return "\n".join(lines)


def merge_stream(existing: str, new: str) -> str:
    """``existing`` followed by ``new`` as a terminal would display them."""
    if "\r" not in new and "\b" not in new:
        return existing + new
    head, newline, last = existing.rpartition("\n")
    return head + newline + _draw(last, new)


def bounded(text: str, limit: int = MAX_STREAM_CHARS) -> tuple[str, int]:
    """Keep the last ``limit`` characters, from a line start; returns (text, dropped count)."""
    if len(text) <= limit:
        return text, 0
    tail = text[-limit:]
    cut = tail.find("\n")
    if 0 <= cut < len(tail) - 1:
        tail = tail[cut + 1 :]
    return tail, len(text) - len(tail)


def head_cut(text: str, limit: int = MAX_STREAM_CHARS) -> int:
    """How many characters to drop at the head of ``text``: none within ``limit``, else
    down to nine tenths of it, from a line start.

    Cutting a tenth at a time makes cuts rare: their cost (a deletion, the
    metadata that counts it) is spread over the next tenth of new text instead
    of being paid on every flush.
    """
    return 0 if len(text) <= limit else bounded(text, limit - limit // 10)[1]


def _common_prefix(first: str, second: str) -> int:
    shorter = min(len(first), len(second))
    return next((i for i in range(shorter) if first[i] != second[i]), shorter)


def tail_edit(last_line: str, new: str) -> tuple[int, str]:
    """``new`` arriving after ``last_line`` (the text after the last newline): how many of
    that line's characters stay, and what follows them."""
    if "\r" not in new and "\b" not in new:
        return len(last_line), new
    drawn = _draw(last_line, new)
    keep = _common_prefix(last_line, drawn)
    return keep, drawn[keep:]


class StreamEdit(NamedTuple):
    """A change to a stream's text, in characters of the text it applies to."""

    keep: int
    """Characters kept before ``insert``; the rest of the old text (in its last line) goes."""
    insert: str
    """Text appended after the kept part."""
    head: int
    """Characters then cut at the start; a cut is at a line start, as in ``bounded``."""
    dropped: int
    """Characters of the merged stream that the bound dropped (``head`` plus any of
    ``insert`` that never made it into the document)."""


def stream_edit(existing: str, new: str, limit: int = MAX_STREAM_CHARS) -> StreamEdit:
    """How a stream showing ``existing`` changes when ``new`` arrives, within ``limit``.

    The merged text is ``existing[:keep] + insert`` without its first ``head``
    characters: what ``merge_stream`` and ``head_cut`` make of it.
    """
    before, newline, last = existing.rpartition("\n")
    kept_of_last, insert = tail_edit(last, new)
    keep = len(before) + len(newline) + kept_of_last
    if keep + len(insert) <= limit:
        return StreamEdit(keep, insert, 0, 0)
    cut = head_cut(existing[:keep] + insert, limit)
    if cut <= keep:
        return StreamEdit(keep, insert, cut, cut)
    # The cut falls inside the new text: only its tail is written, the old text all goes.
    return StreamEdit(keep, insert[cut - keep :], keep, cut)


def held_back(text: str) -> tuple[str, str]:
    """``text`` split into what to write now and the ``\\r`` it ends with.

    A ``\\r`` at the end moves the cursor to the line start, and the document keeps
    no cursor: written now, it would be lost, and the next text would land after
    the line instead of over it (``print(i, end="\\r")``). Held back and written
    before the next text, it overwrites as a terminal does.
    """
    now = text.rstrip("\r")
    return now, text[len(now) :]
