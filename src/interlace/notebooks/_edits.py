"""Targeted edits of one cell's source, as splices of its text: never the whole notebook.

An ``Edit`` says what to change in a cell's source in one of four ways: an exact
substring to replace (``old`` and ``new``: it must occur exactly once), a range of
characters (``start``, ``end`` and ``text``), a range of lines (``first_line``,
``last_line`` and ``text``), or the whole new ``source``, which is turned into the
smallest line edits. Each becomes splices ``(start, end, text)`` of the current
source, applied to the shared text one by one from the end, so what someone types
elsewhere in the cell at the same moment is kept.
"""

from __future__ import annotations

import difflib
from typing import Any, TypedDict

from interlace.errors import BadCommand

__all__ = ["Edit", "Splice", "splices"]

Splice = tuple[int, int, str]
"""Replace characters ``start:end`` of the source with ``text``."""


class Edit(TypedDict, total=False):
    """Exactly one of: ``old`` + ``new``; ``start`` + ``end`` + ``text``;
    ``first_line`` + ``last_line`` + ``text``; ``source``."""

    old: str
    new: str
    start: int
    end: int
    first_line: int
    last_line: int
    text: str
    source: str


_FORMS = {
    "substring": ("old", "new"),
    "range": ("start", "end", "text"),
    "lines": ("first_line", "last_line", "text"),
    "source": ("source",),
}


def _form(edit: Any) -> str:
    if not isinstance(edit, dict):
        raise BadCommand("an edit is an object")
    given = {key for key, value in edit.items() if value is not None}
    for name, keys in _FORMS.items():
        if given == set(keys):
            return name
    raise BadCommand(
        "give exactly one edit: old and new; start, end and text; "
        f"first_line, last_line and text; or source (got {sorted(given)})"
    )


def _text(edit: Edit, key: str) -> str:
    value: Any = edit.get(key)
    if not isinstance(value, str):
        raise BadCommand(f"{key} must be a string")
    return value


def _number(edit: Edit, key: str) -> int:
    value: Any = edit.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadCommand(f"{key} must be a whole number")
    return value


def _substring(source: str, edit: Edit) -> list[Splice]:
    old, new = _text(edit, "old"), _text(edit, "new")
    if not old:
        raise BadCommand("old must not be empty (to insert, use a range with start == end)")
    count = source.count(old)
    if count != 1:
        where = "does not occur" if count == 0 else f"occurs {count} times"
        raise BadCommand(f"old {where} in the cell's source: give text that occurs exactly once")
    start = source.index(old)
    return [(start, start + len(old), new)]


def _range(source: str, edit: Edit) -> list[Splice]:
    start, end = _number(edit, "start"), _number(edit, "end")
    if not 0 <= start <= end <= len(source):
        raise BadCommand(
            f"start and end must be character offsets with 0 <= start <= end <= {len(source)}"
        )
    return [(start, end, _text(edit, "text"))]


def _lines(source: str, edit: Edit) -> list[Splice]:
    first, last = _number(edit, "first_line"), _number(edit, "last_line")
    lines = source.splitlines(keepends=True)
    if not (1 <= first <= len(lines) + 1 and first - 1 <= last <= len(lines)):
        raise BadCommand(
            f"lines are numbered from 1 to {len(lines)}: give 1 <= first_line <= last_line, "
            "or last_line = first_line - 1 to insert before first_line"
        )
    start = sum(map(len, lines[: first - 1]))
    end = start + sum(map(len, lines[first - 1 : last]))
    text = _text(edit, "text")
    replaced = source[start:end]
    if text and not text.endswith("\n") and (replaced.endswith("\n") or last < first):
        text += "\n"  # lines are replaced whole, with the newline the caller left out
    if last < first and start == len(source) and source and not source.endswith("\n"):
        text = "\n" + text.removesuffix("\n")  # after a last line that has no newline
    return [(start, end, text)]


def _source(source: str, edit: Edit) -> list[Splice]:
    """The smallest line edits from ``source`` to the new one."""
    new = _text(edit, "source")
    before, after = source.splitlines(keepends=True), new.splitlines(keepends=True)
    offsets = [0]
    for line in before:
        offsets.append(offsets[-1] + len(line))
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return [
        (offsets[i1], offsets[i2], "".join(after[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


_SPLICERS = {"substring": _substring, "range": _range, "lines": _lines, "source": _source}


def splices(source: str, edit: Edit) -> list[Splice]:
    """The splices that make ``edit`` of ``source``, last first; BadCommand if malformed."""
    found = _SPLICERS[_form(edit)](source, edit)
    return sorted(found, key=lambda splice: splice[0], reverse=True)
