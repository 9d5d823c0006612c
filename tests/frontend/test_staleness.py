"""Stale cells in the page: the marks follow edits and runs in two browsers at once."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.frontend.conftest import notebook, screenshot

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.server.conftest import RunningServer


def cell(cell_id: str) -> str:
    return f'.cell[data-cell-id="{cell_id}"]'


def marks(page: Page, *states: str) -> None:
    for number, state in enumerate(states):
        expect(page.locator(cell(f"c{number}"))).to_have_attribute("data-freshness", state)


def test_marks_follow_edits_and_runs_in_two_browsers(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    book = notebook(("code", "a = 1"), ("code", "b = a + 1"), ("code", "print(b)"))
    (web.root / "chain.ipynb").write_text(json.dumps(book))
    alice, bob = open_page("/notebooks/chain.ipynb"), open_page("/notebooks/chain.ipynb")
    alice.locator("[data-testid=run-all]").click()
    expect(bob.locator(f"{cell('c2')} .outputs")).to_have_text("2")
    marks(bob, "fresh", "fresh", "fresh")
    expect(bob.locator(f"{cell('c0')} [data-testid=freshness]")).to_be_hidden()

    bob.locator(f"{cell('c0')} .cm-content").click()
    bob.keyboard.press("End")
    bob.keyboard.press("Backspace")
    bob.keyboard.type("2")
    marks(alice, "edited", "fresh", "fresh")
    expect(alice.locator(f"{cell('c0')} [data-testid=freshness]")).to_have_text("edited")

    bob.keyboard.press("Control+Enter")
    marks(alice, "fresh", "stale", "stale")
    stale = "Stale: what it read has changed since it ran\n"
    why = {"c1": "· a was assigned again by cell 1", "c2": "· b comes from cell 2, which is stale"}
    for cell_id, reason in why.items():
        mark = alice.locator(f"{cell(cell_id)} [data-testid=freshness]")
        expect(mark).to_have_attribute("title", stale + reason)
    screenshot(alice, "stale-cells")

    alice.locator("[data-testid=run-stale]").click()
    expect(bob.locator(f"{cell('c2')} .outputs")).to_have_text("3")
    marks(bob, "fresh", "fresh", "fresh")

    alice.locator("[data-testid=restart]").click()
    marks(bob, "never_ran", "never_ran", "never_ran")
    expect(bob.locator(f"{cell('c2')} [data-testid=freshness]")).to_have_text(
        "not run in this kernel"
    )


def test_reactive_mode_is_shared_and_reruns_what_a_run_made_stale(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    book = notebook(("code", "a = 1"), ("code", "print(a * 10)"))
    (web.root / "live.ipynb").write_text(json.dumps(book))
    alice, bob = open_page("/notebooks/live.ipynb"), open_page("/notebooks/live.ipynb")
    alice.locator("[data-testid=run-all]").click()
    expect(alice.locator(f"{cell('c1')} .outputs")).to_have_text("10")
    alice.locator("[data-testid=reactive]").click()
    expect(bob.locator("[data-testid=reactive]")).to_have_attribute("aria-pressed", "true")
    bob.locator(f"{cell('c0')} .cm-content").click()
    bob.keyboard.press("End")
    bob.keyboard.press("Backspace")
    bob.keyboard.type("7")
    bob.keyboard.press("Control+Enter")
    expect(alice.locator(f"{cell('c1')} .outputs")).to_have_text("70")
    marks(alice, "fresh", "fresh")
