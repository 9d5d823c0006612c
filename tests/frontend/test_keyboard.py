"""The Jupyter keyboard model and the toolbar, in a real browser."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.frontend.conftest import notebook, saved_sources

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.server.conftest import RunningServer


def ids(page: Page) -> list[str]:
    return [
        str(i) for i in page.locator(".cell").evaluate_all("cs => cs.map(c => c.dataset.cellId)")
    ]


def test_command_mode_keys_insert_delete_undo_change_type_and_move(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "keys.ipynb").write_text(
        json.dumps(notebook(("code", "a = 1"), ("code", "b = 2"), ("code", "c = 3")))
    )
    page = open_page("/notebooks/keys.ipynb")
    page.locator('.cell[data-cell-id="c1"] .cm-content').click()
    expect(page.locator('.cell[data-cell-id="c1"]')).to_have_class("cell selected editing")
    page.keyboard.press("Escape")
    expect(page.locator(".cell.editing")).to_have_count(0)
    page.keyboard.press("a")
    expect(page.locator(".cell")).to_have_count(4)
    assert ids(page)[0:1] == ["c0"]
    assert ids(page)[2:] == ["c1", "c2"]
    page.keyboard.press("d")
    page.keyboard.press("d")
    expect(page.locator(".cell")).to_have_count(3)
    assert ids(page) == ["c0", "c1", "c2"]
    page.keyboard.press("j")
    expect(page.locator('.cell[data-cell-id="c2"]')).to_have_class("cell selected")
    page.keyboard.press("d")
    page.keyboard.press("d")
    expect(page.locator(".cell")).to_have_count(2)
    page.keyboard.press("z")
    expect(page.locator('.cell[data-cell-id="c2"]')).to_have_count(1)
    page.keyboard.press("k")
    page.keyboard.press("m")
    expect(page.locator('.cell[data-cell-id="c1"]')).to_have_attribute("data-cell-type", "markdown")
    page.keyboard.press("y")
    expect(page.locator('.cell[data-cell-id="c1"]')).to_have_attribute("data-cell-type", "code")
    page.keyboard.press("b")
    expect(page.locator(".cell")).to_have_count(4)
    assert ids(page)[:2] == ["c0", "c1"]
    assert ids(page)[3] == "c2"
    page.keyboard.press("Enter")
    expect(page.locator(".cell.editing")).to_have_count(1)
    page.keyboard.type("d = 4")
    page.keyboard.press("Alt+Enter")
    expect(page.locator(".cell")).to_have_count(5)
    page.locator("[data-testid=move-up]").click()
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    sources = saved_sources(web.root / "keys.ipynb", lambda sources: "d = 4" in sources)
    assert sources[:2] == ["a = 1", "b = 2"]
    assert sources[-1] == "c = 3"
    assert "d = 4" in sources


def test_toolbar_runs_all_interrupts_restarts_and_clears(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "tools.ipynb").write_text(
        json.dumps(
            notebook(
                ("code", "x = 20"),
                ("code", "import time\nprint('napping', flush=True)\ntime.sleep(60)"),
                ("code", "print(x * 2)"),
            )
        )
    )
    page = open_page("/notebooks/tools.ipynb")
    status = page.locator("[data-testid=kernel-status]")
    page.locator("[data-testid=run-all]").click()
    expect(page.locator('.cell[data-cell-id="c1"] .outputs')).to_contain_text("napping")
    expect(status).to_have_text("busy")
    expect(page.locator('.cell[data-cell-id="c1"] .prompt')).to_have_text("[*]")
    page.locator("[data-testid=interrupt]").click()
    expect(page.locator('.cell[data-cell-id="c1"]')).to_have_attribute("data-status", "interrupted")
    expect(page.locator('.cell[data-cell-id="c1"] .outputs')).to_contain_text("KeyboardInterrupt")
    expect(page.locator('.cell[data-cell-id="c2"]')).to_have_attribute("data-status", "cancelled")
    page.locator('.cell[data-cell-id="c2"] .cm-content').click()
    page.locator("[data-testid=run-below]").click()
    expect(page.locator('.cell[data-cell-id="c2"] .outputs')).to_have_text("40")
    page.locator("[data-testid=restart]").click()
    expect(status).to_have_text("idle")
    page.locator('.cell[data-cell-id="c2"] .cm-content').click()
    page.keyboard.press("Control+Enter")
    expect(page.locator('.cell[data-cell-id="c2"] .outputs')).to_contain_text("NameError")
    page.locator("[data-testid=clear-outputs]").click()
    expect(page.locator('.cell[data-cell-id="c2"] .output')).to_have_count(0)
    expect(page.locator('.cell[data-cell-id="c2"] .prompt')).to_have_text("[ ]")


def test_shift_tab_shows_the_kernels_help(open_page: Callable[[str], Page]) -> None:
    page = open_page("/notebooks/demo.ipynb")
    editor = page.locator('.cell[data-cell-id="c0"] .cm-content')
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("len")
    page.keyboard.press("Shift+Tab")
    help_text = page.locator("[data-testid=inspect-tooltip]")
    expect(help_text).to_be_visible()
    expect(help_text).to_contain_text("Return the number of items")


def test_a_dying_kernel_shows_dead_and_the_next_run_gets_a_fresh_one(
    open_page: Callable[[str], Page],
) -> None:
    page = open_page("/notebooks/demo.ipynb")
    editor = page.locator('.cell[data-cell-id="c0"] .cm-content')
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("import os; os._exit(1)")
    page.keyboard.press("Control+Enter")
    expect(page.locator("[data-testid=kernel-status]")).to_have_text("dead")
    expect(page.locator('.cell[data-cell-id="c0"] .outputs')).to_contain_text("KernelDied")
    expect(page.locator('.cell[data-cell-id="c0"]')).to_have_attribute("data-status", "died")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("1 + 1")
    page.keyboard.press("Control+Enter")
    expect(page.locator('.cell[data-cell-id="c0"] .outputs')).to_have_text("2")
    expect(page.locator("[data-testid=kernel-status]")).to_have_text("idle")


def test_tab_in_command_mode_never_edits_a_cell(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "tabs.ipynb").write_text(json.dumps(notebook(("code", "a = 1"), ("code", "b"))))
    page = open_page("/notebooks/tabs.ipynb")
    page.locator('.cell[data-cell-id="c1"] .cm-content').click()
    page.keyboard.press("Escape")
    for _ in range(4):
        page.keyboard.press("Tab")
    expect(page.locator(".cell.editing")).to_have_count(0)
    assert page.evaluate("!document.activeElement.closest('.cm-editor')")
    for cell_id, source in (("c0", "a = 1"), ("c1", "b")):
        expect(page.locator(f'.cell[data-cell-id="{cell_id}"] .cm-content')).to_have_text(source)


def test_enter_on_a_focused_toolbar_button_presses_it(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    page = open_page("/notebooks/demo.ipynb")
    page.locator('.cell[data-cell-id="c0"] .cm-content').click()
    page.keyboard.press("Escape")
    page.locator("[data-testid=run-all]").focus()
    page.keyboard.press("Enter")
    expect(page.locator('.cell[data-cell-id="c0"] .outputs')).to_have_text("2")
    expect(page.locator(".cell.editing")).to_have_count(0)


def test_a_cell_selected_with_k_is_never_under_the_sticky_toolbar(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    cells = [("code", "\n".join(f"line_{n}_{k} = {k}" for k in range(6))) for n in range(30)]
    (web.root / "long.ipynb").write_text(json.dumps(notebook(*cells)))
    page = open_page("/notebooks/long.ipynb")
    page.locator('.cell[data-cell-id="c29"] .cm-content').click()
    page.keyboard.press("Escape")
    toolbar = page.locator(".notebook-toolbar")
    for number in range(28, 0, -1):
        page.keyboard.press("k")
        selected = page.locator(f'.cell[data-cell-id="c{number}"]')
        expect(selected).to_have_class("cell selected")
        top = selected.bounding_box()
        bar = toolbar.bounding_box()
        assert top is not None
        assert bar is not None
        assert top["y"] >= bar["y"] + bar["height"] - 1, f"cell {number} under the toolbar"
