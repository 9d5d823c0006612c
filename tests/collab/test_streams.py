"""Stream text as a terminal shows it."""

from __future__ import annotations

import pytest

from interlace.collab import bounded, merge_stream


@pytest.mark.parametrize(
    ("existing", "new", "shown"),
    [
        ("", "plain\n", "plain\n"),
        ("a\n", "b\n", "a\nb\n"),
        ("done\n 10%", "\r 20%", "done\n 20%"),
        ("", "\r 10%\r 20%\r100%\n", "100%\n"),
        ("abc", "\b\bX", "aXc"),
        ("long line", "\rshort", "shortline"),
        ("x\n", "\r\n", "x\n\n"),
    ],
)
def test_carriage_return_and_backspace_overwrite(existing: str, new: str, shown: str) -> None:
    assert merge_stream(existing, new) == shown


def test_a_thousand_progress_updates_stay_one_line() -> None:
    text = ""
    for percent in range(1000):
        text = merge_stream(text, f"\rprogress {percent:4d}")
    assert text == "progress  999"


def test_bounded_keeps_the_tail_from_a_line_start() -> None:
    text = "".join(f"line {i}\n" for i in range(1000))
    kept, dropped = bounded(text, limit=100)
    assert kept.endswith("line 999\n")
    assert kept.startswith("line ")
    assert len(kept) <= 100
    assert dropped == len(text) - len(kept)
    assert bounded("short", limit=100) == ("short", 0)
