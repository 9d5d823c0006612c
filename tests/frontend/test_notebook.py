"""The notebook page in a real browser: type, run, see; markdown, completion, images,
input(), and outputs that survive the page being closed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.frontend.conftest import notebook, saved_sources, screenshot

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.server.conftest import RunningServer


def type_into(page: Page, cell_id: str, text: str) -> None:
    """Replace a cell's source by typing, as a person would."""
    editor = page.locator(f'.cell[data-cell-id="{cell_id}"] .cm-content')
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def test_type_code_run_it_and_see_the_output(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    page = open_page("/notebooks/demo.ipynb")
    expect(page).to_have_title("demo.ipynb")
    type_into(page, "c0", "print('hello')\n6 * 7")
    page.keyboard.press("Shift+Enter")
    first = page.locator('.cell[data-cell-id="c0"]')
    expect(first.locator(".outputs")).to_contain_text("hello")
    expect(first.locator('.output[data-output-type="execute_result"]')).to_have_text("42")
    expect(first.locator(".prompt")).to_have_text("[1]")
    expect(first).to_have_attribute("data-status", "ok")
    expect(page.locator("[data-testid=kernel-status]")).to_have_text("idle")
    expect(page.locator(".cell")).to_have_count(2)  # Shift-Enter on the last cell adds one
    screenshot(page, "notebook")
    page.keyboard.press("Control+s")
    expected = "print('hello')\n6 * 7"
    sources = saved_sources(web.root / "demo.ipynb", lambda sources: sources[0] == expected)
    assert sources[0] == expected


def test_markdown_cells_render_with_math(open_page: Callable[[str], Page]) -> None:
    page = open_page("/notebooks/demo.ipynb")
    type_into(page, "c0", "# Title\n\nEuler: $e^{i\\pi} + 1 = 0$")
    page.keyboard.press("Escape")
    page.keyboard.press("m")
    first = page.locator('.cell[data-cell-id="c0"]')
    expect(first).to_have_attribute("data-cell-type", "markdown")
    page.keyboard.press("Shift+Enter")
    rendered = first.locator(".markdown-rendered")
    expect(rendered.locator("h1")).to_have_text("Title")
    expect(rendered.locator(".katex").first).to_be_visible()


def test_completion_offers_names_from_the_kernel(open_page: Callable[[str], Page]) -> None:
    page = open_page("/notebooks/demo.ipynb")
    type_into(page, "c0", "interlaced_value = 1")
    page.keyboard.press("Shift+Enter")
    expect(page.locator('.cell[data-cell-id="c0"] .prompt')).to_have_text("[1]")
    page.keyboard.type("interl")
    page.keyboard.press("Tab")
    option = page.locator(
        ".cm-tooltip-autocomplete .cm-completionLabel", has_text="interlaced_value"
    )
    expect(option.first).to_be_visible()
    page.keyboard.press("Enter")
    second = page.locator(".cell").nth(1)
    expect(second.locator(".cm-content")).to_have_text("interlaced_value")


def test_an_image_output_shows(open_page: Callable[[str], Page]) -> None:
    page = open_page("/notebooks/demo.ipynb")
    type_into(
        page,
        "c0",
        "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()",
    )
    page.keyboard.press("Control+Enter")
    image = page.locator('.cell[data-cell-id="c0"] .output[data-mime="image/png"] img')
    expect(image).to_be_visible(timeout=60_000)
    assert image.evaluate("img => img.naturalWidth") > 100
    screenshot(page, "image-output")


def test_input_asks_in_the_output_area(open_page: Callable[[str], Page]) -> None:
    page = open_page("/notebooks/demo.ipynb")
    type_into(page, "c0", "name = input('Who are you? ')\nprint('hello', name)")
    page.keyboard.press("Control+Enter")
    asking = page.locator("[data-testid=stdin-input]")
    expect(asking).to_be_visible()
    expect(page.locator('.cell[data-cell-id="c0"] .outputs')).to_contain_text("Who are you?")
    asking.fill("Ada")
    asking.press("Enter")
    expect(page.locator('.cell[data-cell-id="c0"] .outputs')).to_contain_text("hello Ada")


def test_outputs_written_while_the_page_was_closed_are_there_on_return(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "long.ipynb").write_text(
        json.dumps(
            notebook(
                (
                    "code",
                    "import time\nfor i in range(6):\n    print('tick', i, flush=True)\n"
                    "    time.sleep(0.5)",
                )
            )
        )
    )
    page = open_page("/notebooks/long.ipynb")
    page.locator('.cell[data-cell-id="c0"] .cm-content').click()
    page.keyboard.press("Control+Enter")
    expect(page.locator('.cell[data-cell-id="c0"] .outputs')).to_contain_text("tick 0")
    page.close()
    again = open_page("/notebooks/long.ipynb")
    outputs = again.locator('.cell[data-cell-id="c0"] .outputs')
    expect(outputs).to_contain_text("tick 5", timeout=30_000)
    assert outputs.inner_text().count("tick") == 6
    expect(again.locator('.cell[data-cell-id="c0"]')).to_have_attribute("data-status", "ok")
