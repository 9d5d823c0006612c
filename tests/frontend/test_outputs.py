"""Outputs as Jupyter users expect them, rendered in a real browser."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.frontend.conftest import notebook, screenshot

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.server.conftest import RunningServer

RICH = """\
from IPython.display import HTML, JSON, SVG, Latex, Markdown, display
display(HTML("<b class='bold'>bold</b><img src=x onerror='window.pwned = 1'>"
             "<script>window.pwned = 2</script>"))
display(Markdown("**strong** and $x^2$"))
display(Latex(r"$$\\frac{a}{b}$$"))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">'
            '<rect width="20" height="20"/></svg>'))
display(JSON({"name": "interlace", "list": [1, 2, 3]}))
print("\\x1b[31mred\\x1b[0m plain")
for percent in (10, 50, 100):
    print(f"\\rprogress {percent}%", end="", flush=True)
print()
"""


def test_rich_outputs_render_and_untrusted_html_is_sanitized(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "rich.ipynb").write_text(json.dumps(notebook(("code", RICH), ("code", "1 / 0"))))
    page = open_page("/notebooks/rich.ipynb")
    page.locator("[data-testid=run-all]").click()
    first = page.locator('.cell[data-cell-id="c0"] .outputs')
    expect(first.locator('[data-mime="text/html"] b.bold')).to_have_text("bold")
    expect(first.locator('[data-mime="text/markdown"] strong')).to_have_text("strong")
    expect(first.locator('[data-mime="text/markdown"] .katex')).to_be_visible()
    expect(first.locator('[data-mime="text/latex"] .katex')).to_be_visible()
    expect(first.locator('[data-mime="image/svg+xml"] img')).to_be_visible()
    expect(first.locator('[data-mime="application/json"] details').first).to_be_visible()
    expect(first.locator('[data-mime="application/json"]')).to_contain_text("interlace")
    stdout = first.locator('[data-output-type="stream"]')
    expect(stdout).to_contain_text("progress 100%")
    assert "progress 10%" not in stdout.inner_text()
    red = stdout.locator("span", has_text="red").first
    assert red.evaluate("span => getComputedStyle(span).color") != "rgb(0, 0, 0)"
    error = page.locator('.cell[data-cell-id="c1"] .output[data-output-type="error"]')
    expect(error).to_contain_text("ZeroDivisionError")
    assert error.locator("span").count() > 0  # the traceback keeps IPython's colours
    assert page.evaluate("window.pwned") is None
    screenshot(page, "rich-outputs")
    page.locator("[data-testid=trust]").click()
    expect(page.locator("[data-testid=trust]")).to_contain_text("Trusted")
    assert web.http.get("/api/notebooks/rich.ipynb/trust").json() == {"trusted": True}


def test_a_huge_output_scrolls_and_the_notebook_stays_editable(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    source = "for i in range(200_000):\n    print(i)"
    (web.root / "huge.ipynb").write_text(json.dumps(notebook(("code", source), ("code", ""))))
    page = open_page("/notebooks/huge.ipynb")
    page.locator('.cell[data-cell-id="c0"] .cm-content').click()
    page.keyboard.press("Control+Enter")
    outputs = page.locator('.cell[data-cell-id="c0"] .outputs')
    expect(outputs).to_contain_text("199999", timeout=60_000)
    assert outputs.evaluate("element => element.scrollHeight > element.clientHeight")
    page.locator('.cell[data-cell-id="c1"] .cm-content').click()
    page.keyboard.type("still editable")
    expect(page.locator('.cell[data-cell-id="c1"] .cm-content')).to_have_text("still editable")
