"""Playback in the browser: drag the timeline back and see the notebook as it was."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.frontend.conftest import screenshot

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.server.conftest import RunningServer


def print_word(page: Page, word: str) -> None:
    """Run ``print(word)`` in the first cell and wait for it to be printed."""
    page.locator('.cell[data-cell-id="c0"] .cm-content').click()
    page.keyboard.press("Control+A")
    page.keyboard.type(f"print({word!r})")
    page.keyboard.press("Control+Enter")
    expect(page.locator('.cell[data-cell-id="c0"] .outputs')).to_have_text(f"{word}\n")


def test_dragging_the_timeline_shows_an_earlier_output_and_forks_from_it(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    page = open_page("/notebooks/demo.ipynb")
    print_word(page, "first")
    print_word(page, "second")
    events = web.http.get("/api/notebooks/demo.ipynb/history").json()["events"]
    finished = [i for i, e in enumerate(events) if e["kind"] == "finished"]
    page.locator("[data-testid=history]").click()
    timeline = page.locator("[data-testid=timeline]")
    played = page.locator(".playback-notebook")
    timeline.fill(str(finished[0]))
    expect(played).to_have_attribute("data-seq", str(events[finished[0]]["seq"]))
    expect(played.locator('.cell[data-cell-id="c0"] .outputs')).to_have_text("first\n")
    expect(played.locator('.cell[data-cell-id="c0"] .source')).to_have_text("print('first')")
    expect(page.locator("[data-testid=event-info]")).to_contain_text("ran")
    screenshot(page, "playback")
    timeline.fill(str(len(events) - 1))
    expect(played.locator('.cell[data-cell-id="c0"] .outputs')).to_have_text("second\n")
    page.locator("[data-testid=step-back]").click()
    expect(played).to_have_attribute("data-seq", str(events[-2]["seq"]))
    timeline.fill("0")
    expect(played.locator('.cell[data-cell-id="c0"] .source')).to_have_text("1 + 1")
    page.locator("[data-testid=speed]").select_option("16")
    page.locator("[data-testid=play]").click()
    expect(page.locator("[data-testid=play]")).to_have_text("Pause")
    expect(played).to_have_attribute("data-seq", str(events[-1]["seq"]))
    expect(page.locator("[data-testid=play]")).to_have_text("Play")
    expect(played.locator('.cell[data-cell-id="c0"] .outputs')).to_have_text("second\n")
    page.locator("[data-testid=exit-history]").click()
    expect(page.locator('.cell[data-cell-id="c0"] .outputs')).to_have_text("second\n")
    timeline_moment = str(finished[0])
    page.locator("[data-testid=history]").click()
    timeline.fill(timeline_moment)
    expect(played.locator('.cell[data-cell-id="c0"] .outputs')).to_have_text("first\n")
    page.locator("[data-testid=fork]").click()
    page.wait_for_url("**/notebooks/demo-at-*.ipynb")
    page.wait_for_selector("body[data-ready=true]", state="attached")
    expect(page.locator('.cell[data-cell-id="c0"] .outputs')).to_have_text("first\n")
