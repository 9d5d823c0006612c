"""A running cell's stream grows on the page: new text is appended, not the whole redrawn."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.frontend.conftest import notebook

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.server.conftest import RunningServer

SOURCE = """\
import pathlib, time

def wait(name):
    while not pathlib.Path({root!r}, name).exists():
        time.sleep(0.02)

print("\\x1b[32mgreen", end="", flush=True)
wait("first")
print(" still green\\x1b[0m plain", flush=True)
for number in range(3):
    print(f"line {{number}}", flush=True)
wait("second")
for percent in (10, 50, 100):
    print(f"\\rprogress {{percent}}%", end="", flush=True)
    time.sleep(0.15)
print()
print("end")
"""

MARK = """([name, text]) => {
    const pre = document.querySelector('.cell[data-cell-id="c0"] pre.output-stream');
    const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.textContent.includes(text)) { window[name] = node; return true; }
    }
    return false;
}"""

STILL_THERE = "name => window[name].isConnected"


def test_a_stream_appends_carries_its_colours_and_redraws_only_its_last_line(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    source = SOURCE.format(root=str(web.root))
    (web.root / "live.ipynb").write_text(json.dumps(notebook(("code", source))))
    page = open_page("/notebooks/live.ipynb")
    page.locator("[data-testid=run-all]").click()
    stream = page.locator('.cell[data-cell-id="c0"] [data-output-type="stream"]')
    expect(stream).to_contain_text("green")
    assert page.evaluate(MARK, ["greenNode", "green"])
    (web.root / "first").touch()
    expect(stream).to_contain_text("line 2")
    assert page.evaluate(STILL_THERE, "greenNode")  # appended after, not redrawn
    carried = stream.locator("span", has_text="still green")
    expect(carried).to_have_class("ansi-green-fg")  # the colour set by the earlier text
    assert page.evaluate(MARK, ["lineNode", "line 0"])
    (web.root / "second").touch()
    expect(stream).to_contain_text("end")
    text = stream.inner_text()
    assert "progress 100%" in text
    assert "progress 10%" not in text
    assert text.index("line 2") < text.index("progress 100%") < text.index("end")
    assert page.evaluate(STILL_THERE, "greenNode")
    assert page.evaluate(STILL_THERE, "lineNode")


NOISY = """\
import random, sys, time

rng = random.Random(7)
codes = ["\\x1b[31m", "\\x1b[1;32m", "\\x1b[0m", "\\x1b[38;5;208m", "\\x1b[m", "\\x1b[4m", ""]
for number in range(16_000):
    text = f"{rng.choice(codes)}{number} " + "ab" * rng.randrange(12)
    if number % 2_000 == 1:  # an escape sequence split between two flushes
        sys.stdout.write(text + "\\x1b[3")
        sys.stdout.flush()
        time.sleep(0.25)
        text = "4mblue"
    if number % 1_000 == 2:  # progress redrawn over a few flushes
        for percent in (10, 60, 100):
            sys.stdout.write(f"\\rprogress {percent}%")
            sys.stdout.flush()
            time.sleep(0.12)
    sys.stdout.write(text + ("\\n" if rng.random() < 0.8 else " "))
    if number % 400 == 0:
        sys.stdout.flush()
        time.sleep(0.12)
print("\\x1b[0mend")
"""

RUNS = """() => {
    const pre = document.querySelector('.cell[data-cell-id="c0"] pre.output-stream');
    const runs = [];
    const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const span = node.parentElement === pre ? null : node.parentElement;
        const look = span ? span.className + '|' + span.style.cssText : '';
        const last = runs[runs.length - 1];
        if (last && last[0] === look) last[1] += node.textContent;
        else runs.push([look, node.textContent]);
    }
    return runs;
}"""


def test_a_stream_drawn_as_it_grew_looks_as_the_same_stream_drawn_whole(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "noisy.ipynb").write_text(json.dumps(notebook(("code", NOISY))))
    live = open_page("/notebooks/noisy.ipynb")
    live.locator("[data-testid=run-all]").click()
    stream = live.locator('.cell[data-cell-id="c0"] [data-output-type="stream"]')
    expect(stream).to_contain_text("end", timeout=120_000)
    fresh = open_page("/notebooks/noisy.ipynb")
    expect(fresh.locator('.cell[data-cell-id="c0"] [data-output-type="stream"]')).to_contain_text(
        "end"
    )
    grown, whole = live.evaluate(RUNS), fresh.evaluate(RUNS)
    assert "".join(text for _, text in whole).startswith(tuple("0123456789"))  # cut at a line
    assert any("ansi-blue-fg" in look for look, _ in whole)
    assert grown == whole
