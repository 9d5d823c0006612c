"""Choosing a notebook's kernel in the page, restart and run all, clearing outputs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.frontend.conftest import notebook, screenshot

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.server.conftest import RunningServer

WHOSE = "print(type(get_ipython().kernel).__module__)"


def cell(cell_id: str) -> str:
    return f'.cell[data-cell-id="{cell_id}"]'


def test_the_kernel_picker_moves_everyone_to_the_kernel_chosen(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "pick.ipynb").write_text(json.dumps(notebook(("code", WHOSE))))
    alice, bob = open_page("/notebooks/pick.ipynb"), open_page("/notebooks/pick.ipynb")
    expect(alice.locator("[data-testid=kernel-name]")).to_have_text("Python 3 (interlace)")
    alice.locator("[data-testid=kernel-name]").click()
    picker = alice.locator("[data-testid=kernel-picker]")
    expect(picker).to_be_visible()
    choices = picker.locator("[data-testid=kernel-choice]")
    expect(choices.filter(has_text="ipykernel")).to_have_count(1)
    expect(picker.locator('[aria-current="true"]')).to_have_attribute("data-name", "interlace")
    screenshot(alice, "kernel-picker")
    picker.locator('[data-name="python3"]').click()
    expect(picker).to_have_count(0)
    expect(bob.locator("[data-testid=kernel-name]")).to_have_text("Python 3 (ipykernel)")
    bob.locator(f"{cell('c0')} .cm-content").click()
    bob.keyboard.press("Control+Enter")
    expect(alice.locator(f"{cell('c0')} .outputs")).to_have_text("ipykernel.ipkernel")


def test_escape_closes_the_picker_and_changes_nothing(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    page = open_page("/notebooks/demo.ipynb")
    page.locator("[data-testid=kernel-name]").click()
    expect(page.locator("[data-testid=kernel-picker]")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("[data-testid=kernel-picker]")).to_have_count(0)
    expect(page.locator("[data-testid=kernel-name]")).to_have_text("Python 3 (interlace)")


def test_a_notebook_asking_for_a_missing_kernel_says_so_and_offers_a_choice(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    lost = notebook(("code", WHOSE))
    lost["metadata"]["kernelspec"] = {"name": "julia-1.10", "display_name": "Julia 1.10"}
    (web.root / "lost.ipynb").write_text(json.dumps(lost))
    page = open_page("/notebooks/lost.ipynb")
    name = page.locator("[data-testid=kernel-name]")
    expect(name).to_have_text("Julia 1.10")
    expect(name).to_have_class("btn kernel-name missing")
    page.locator(f"{cell('c0')} .cm-content").click()
    page.keyboard.press("Control+Enter")
    expect(page.locator(f"{cell('c0')} .outputs")).to_contain_text("interlace")
    notice = page.locator("[data-testid=kernel-notice]")
    expect(notice).to_contain_text("julia-1.10")
    screenshot(page, "kernel-missing")
    notice.locator("[data-testid=kernel-notice-choose]").click()
    page.locator('[data-testid=kernel-picker] [data-name="interlace"]').click()
    expect(notice).to_be_hidden()
    expect(name).to_have_text("Python 3 (interlace)")


def test_restart_and_run_all_asks_first_then_runs_everything_on_a_new_kernel(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    source = notebook(("code", "import os\npid = os.getpid()\npid"), ("code", "pid + 0"))
    (web.root / "again.ipynb").write_text(json.dumps(source))
    page = open_page("/notebooks/again.ipynb")
    page.locator("[data-testid=run-all]").click()
    first = page.locator(f"{cell('c1')} .outputs")
    expect(first).not_to_be_empty()
    before = first.inner_text()
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("[data-testid=restart-run-all]").click()
    expect(page.locator(f"{cell('c1')} .prompt")).to_have_text("[2]")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-testid=restart-run-all]").click()
    expect(first).not_to_have_text(before)
    expect(page.locator(f"{cell('c0')} .prompt")).to_have_text("[1]")
    expect(page.locator(f"{cell('c1')} .prompt")).to_have_text("[2]")
    expect(first).to_have_text(page.locator(f"{cell('c0')} .outputs").inner_text())
    events = web.http.get("/api/notebooks/again.ipynb/history").json()["events"]
    assert [e["kind"] for e in events].count("restarted") == 1  # the dismissed one did nothing


def test_clear_takes_the_selected_cells_outputs_and_clear_all_every_cells(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "clear.ipynb").write_text(json.dumps(notebook(("code", "1"), ("code", "2"))))
    page = open_page("/notebooks/clear.ipynb")
    page.locator("[data-testid=run-all]").click()
    for cell_id, value in (("c0", "1"), ("c1", "2")):
        expect(page.locator(f"{cell(cell_id)} .outputs")).to_have_text(value)
    expect(page.locator(cell("c0"))).to_have_attribute("data-status", "ok")
    page.locator(f"{cell('c0')} .cm-content").click()
    page.keyboard.press("Escape")
    page.locator("[data-testid=clear-outputs]").click()
    expect(page.locator(f"{cell('c0')} .output")).to_have_count(0)
    expect(page.locator(cell("c0"))).to_have_attribute("data-status", "")
    expect(page.locator(f"{cell('c1')} .outputs")).to_have_text("2")
    page.locator("[data-testid=clear-all-outputs]").click()
    expect(page.locator(".cell .output")).to_have_count(0)
    expect(page.locator(f"{cell('c1')} .prompt")).to_have_text("[ ]")


def test_a_new_notebook_runs_on_the_kernel_chosen_beside_the_button(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    page = open_page("/tree/")
    choice = page.locator("[data-testid=new-notebook-kernel]")
    expect(choice).to_have_value("interlace")
    choice.select_option("python3")
    page.locator("[data-testid=new-notebook]").click()
    page.wait_for_url("**/notebooks/**")
    page.wait_for_selector("body[data-ready=true]", state="attached")
    expect(page.locator("[data-testid=kernel-name]")).to_have_text("Python 3 (ipykernel)")
    (created,) = web.root.glob("Untitled*.ipynb")
    assert json.loads(created.read_text())["metadata"]["kernelspec"]["name"] == "python3"
