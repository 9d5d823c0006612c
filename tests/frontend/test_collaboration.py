"""Two people in two browsers on one notebook: typing, cursors, outputs and presence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.frontend.conftest import screenshot

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page


def named(page: Page, name: str) -> None:
    field = page.locator("[data-testid=user-name]")
    field.fill(name)
    field.press("Enter")


def test_two_browsers_see_each_others_typing_cursors_and_outputs(
    open_page: Callable[[str], Page],
) -> None:
    alice, bob = open_page("/notebooks/demo.ipynb"), open_page("/notebooks/demo.ipynb")
    named(alice, "alice")
    named(bob, "bob")
    expect(alice.locator("[data-testid=presence] .peer", has_text="bob")).to_be_visible()
    expect(bob.locator("[data-testid=presence] .peer", has_text="alice")).to_be_visible()
    alice.locator('.cell[data-cell-id="c0"] .cm-content').click()
    alice.keyboard.press("End")
    alice.keyboard.type(" + 40")
    bob_editor = bob.locator('.cell[data-cell-id="c0"] .cm-content')
    expect(bob_editor).to_have_text("1 + 1 + 40")
    expect(bob.locator('.cell[data-cell-id="c0"] .cm-ySelectionCaret')).to_be_visible()
    alice.keyboard.press("Control+Enter")
    result = '.cell[data-cell-id="c0"] .output[data-output-type="execute_result"]'
    expect(bob.locator(result)).to_have_text("42")
    expect(bob.locator('.cell[data-cell-id="c0"] .run-info')).to_contain_text("alice")
    screenshot(bob, "collaboration")


def test_a_reload_keeps_the_persons_name_and_colour(open_page: Callable[[str], Page]) -> None:
    page = open_page("/notebooks/demo.ipynb")
    field = page.locator("[data-testid=user-name]")
    expect(field).not_to_have_value("")
    given = field.input_value()
    colour = page.evaluate("localStorage.getItem('interlace.user.color')")
    page.reload()
    page.wait_for_selector("body[data-ready=true]", state="attached")
    expect(page.locator("[data-testid=user-name]")).to_have_value(given)
    assert page.evaluate("localStorage.getItem('interlace.user.color')") == colour
