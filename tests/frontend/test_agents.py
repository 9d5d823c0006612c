"""A person watches a coding agent work in their notebook: its edits, its cursor with its name,
its run, and the cell saying who ran it, live in the page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.agents.conftest import over_http
from tests.frontend.conftest import screenshot

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.server.conftest import RunningServer


def test_a_person_sees_an_agents_edits_cursor_and_run_live(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    page = open_page("/notebooks/demo.ipynb")
    cell = page.locator('.cell[data-cell-id="c0"]')
    expect(cell.locator(".cm-content")).to_have_text("1 + 1")
    with over_http(web, "claude") as agent:
        seen = agent.ok("read_cell", path="demo.ipynb", cell_id="c0")
        expect(
            page.locator("[data-testid=presence] .peer", has_text="agent: claude")
        ).to_be_visible()
        edited = agent.ok(
            "replace_in_cell",
            path="demo.ipynb",
            cell_id="c0",
            old="1 + 1",
            new="40 + 2",
            hash=seen["hash"],
        )
        expect(cell.locator(".cm-content")).to_have_text("40 + 2")
        caret = cell.locator('.remote-caret-name[data-name="agent: claude"]')
        expect(caret).to_be_attached()
        expect(cell.locator(".cm-ySelectionCaret")).to_be_visible()
        ran = agent.ok("run_cells", path="demo.ipynb", cells=[{"id": "c0", "hash": edited["hash"]}])
        assert ran["cells"][0]["outputs"][0]["text"] == "42"
        result = cell.locator('.output[data-output-type="execute_result"]')
        expect(result).to_have_text("42")
        expect(cell.locator(".run-info")).to_contain_text("agent: claude")
        expect(caret).to_be_attached()  # its cursor stays where it wrote, while it runs it
        screenshot(page, "agent-at-work")
