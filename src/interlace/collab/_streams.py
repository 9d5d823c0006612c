"""Stream text merged the way a terminal shows it: ``\\r`` and ``\\b`` overwrite in place.

A progress bar that redraws its line with ``\\r`` a thousand times is one line in
the notebook, not a thousand. Only the last line of what is already there can
be touched by new text, so merging costs what the new text costs.
"""

from __future__ import annotations

__all__ = ["MAX_STREAM_CHARS", "bounded", "merge_stream"]

MAX_STREAM_CHARS = 200_000
"""A stream output's text in the document stops growing here; the tail is kept."""


def _draw(line: str, text: str) -> str:
    """Apply ``text`` to the cursor at the end of ``line``; returns the resulting lines."""
    lines = [line]
    cursor = len(line)
    for char in text:
        if char == "\n":
            lines.append("")
            cursor = 0
        elif char == "\r":
            cursor = 0
        elif char == "\b":
            cursor = max(0, cursor - 1)
        else:
            current = lines[-1]
            lines[-1] = current[:cursor] + char + current[cursor + 1 :]
            cursor += 1
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
