"""Working with cells as in JupyterLab: the command palette, multi-select, cut, copy and
paste (also into another notebook in another tab), merge, split, and undo that only ever
undoes one's own changes."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.frontend.conftest import notebook, saved_cells, saved_sources, screenshot
from tests.server.conftest import TOKEN

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.server.conftest import RunningServer


def ids(page: Page) -> list[str]:
    found = page.locator(".cell").evaluate_all("cs => cs.map(c => c.dataset.cellId)")
    return [str(i) for i in found]


def expect_sources(page: Page, wanted: list[str]) -> None:
    """The cells show these sources (markdown as rendered), in this order."""
    cells = page.locator(".cell")
    expect(cells).to_have_count(len(wanted))
    for index, text in enumerate(wanted):
        cell = cells.nth(index)
        markdown = cell.get_attribute("data-cell-type") == "markdown"
        expect(cell.locator(".markdown-view" if markdown else ".cm-content")).to_have_text(text)


def command_mode_on(page: Page, cell_id: str) -> None:
    page.locator(f'.cell[data-cell-id="{cell_id}"] .cm-content').click()
    page.keyboard.press("Escape")
    expect(page.locator(".cell.editing")).to_have_count(0)


def test_the_palette_lists_every_command_with_its_keys_and_runs_the_chosen(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "palette.ipynb").write_text(json.dumps(notebook(("code", "a = 1"))))
    page = open_page("/notebooks/palette.ipynb")
    command_mode_on(page, "c0")
    page.keyboard.press("Control+Shift+C")
    palette = page.locator("[data-testid=palette]")
    expect(palette).to_be_visible()
    items = palette.locator("[data-testid=palette-item]")
    assert items.count() >= 35
    expect(palette.locator('[data-command="cell:merge"] .palette-keys')).to_have_text("Shift-M")
    expect(palette.locator('[data-command="cell:delete"] .palette-keys')).to_have_text("D D")
    page.keyboard.type("insert a cell below")
    expect(items.first).to_have_attribute("data-command", "cell:insert-below")
    expect(palette.locator('[data-command="kernel:restart"]')).to_have_count(0)
    screenshot(page, "command-palette")
    page.keyboard.press("Enter")
    expect(palette).to_have_count(0)
    expect(page.locator(".cell")).to_have_count(2)
    # In edit mode too; Escape closes it and the editor has the focus again.
    page.locator('.cell[data-cell-id="c0"] .cm-content').click()
    page.keyboard.press("Control+Shift+C")
    expect(palette).to_be_visible()
    page.keyboard.press("Escape")
    expect(palette).to_have_count(0)
    page.keyboard.type("2")
    expect(page.locator('.cell[data-cell-id="c0"] .cm-content')).to_contain_text("2")
    # The toolbar's buttons are the same commands: their tooltips carry the keys.
    expect(page.locator("[data-testid=run]")).to_have_attribute(
        "title", "Run the selected cells and select below (Shift-Enter)"
    )


def test_a_selection_of_cells_is_run_retyped_moved_and_deleted_together(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    cells = [("code", f"print({n})") for n in range(5)]
    (web.root / "select.ipynb").write_text(json.dumps(notebook(*cells)))
    page = open_page("/notebooks/select.ipynb")
    command_mode_on(page, "c1")
    page.keyboard.press("Shift+J")
    page.keyboard.press("Shift+ArrowDown")
    expect(page.locator(".cell.in-selection")).to_have_count(3)
    page.keyboard.press("Control+Enter")
    for n in (1, 2, 3):
        output = page.locator(f'.cell[data-cell-id="c{n}"] .output')
        expect(output).to_have_text(f"{n}")
    expect(page.locator('.cell[data-cell-id="c0"] .output')).to_have_count(0)
    page.keyboard.press("Control+Shift+ArrowUp")
    expect(page.locator(".cell")).to_have_count(5)
    assert ids(page) == ["c1", "c2", "c3", "c0", "c4"]
    page.keyboard.press("m")
    for n in (1, 2, 3):
        cell = page.locator(f'.cell[data-cell-id="c{n}"]')
        expect(cell).to_have_attribute("data-cell-type", "markdown")
    expect(page.locator('.cell[data-cell-id="c0"]')).to_have_attribute("data-cell-type", "code")
    # Shift-click extends from the active cell; a plain click selects one cell again.
    page.locator('.cell[data-cell-id="c4"] .cell-gutter').click(modifiers=["Shift"])
    expect(page.locator(".cell.in-selection")).to_have_count(5)
    page.locator('.cell[data-cell-id="c0"] .cell-gutter').click()
    expect(page.locator(".cell.in-selection")).to_have_count(0)
    page.keyboard.press("Shift+K")
    page.keyboard.press("d")
    page.keyboard.press("d")
    expect(page.locator(".cell")).to_have_count(3)
    assert ids(page) == ["c1", "c2", "c4"]
    page.keyboard.press("z")  # one step brings both back
    expect(page.locator(".cell")).to_have_count(5)
    assert ids(page) == ["c1", "c2", "c3", "c0", "c4"]


def test_cells_cut_or_copied_paste_below_above_and_into_another_notebooks_tab(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "from.ipynb").write_text(
        json.dumps(notebook(("code", "x = 1"), ("markdown", "# Title"), ("code", "y = 2")))
    )
    (web.root / "to.ipynb").write_text(json.dumps(notebook(("code", "z = 3"))))
    page = open_page("/notebooks/from.ipynb")
    command_mode_on(page, "c0")
    page.keyboard.press("Shift+J")
    page.keyboard.press("c")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("v")
    expect_sources(page, ["x = 1", "Title", "y = 2", "x = 1", "Title"])
    expect(page.locator(".cell.in-selection")).to_have_count(2)  # the pasted cells
    page.keyboard.press("x")
    expect(page.locator(".cell")).to_have_count(3)
    # Another notebook, in another tab of the same browser.
    other = page.context.new_page()
    other.goto(f"{web.url}/notebooks/to.ipynb?token={TOKEN}")
    other.wait_for_selector("body[data-ready=true]", state="attached")
    command_mode_on(other, "c0")
    other.keyboard.press("Shift+V")
    expect_sources(other, ["x = 1", "Title", "z = 3"])
    expect(other.locator(".cell").nth(1)).to_have_attribute("data-cell-type", "markdown")
    other.keyboard.press("Control+s")
    saved = saved_sources(web.root / "to.ipynb", lambda found: len(found) == 3)
    assert saved == ["x = 1", "# Title", "z = 3"]


def test_merge_joins_the_selection_and_split_cuts_at_the_cursor(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "merge.ipynb").write_text(
        json.dumps(notebook(("code", "a = 1"), ("code", "b = 2"), ("code", "c = 3")))
    )
    page = open_page("/notebooks/merge.ipynb")
    command_mode_on(page, "c0")
    page.keyboard.press("Shift+J")
    page.keyboard.press("Shift+M")
    expect(page.locator(".cell")).to_have_count(2)
    assert ids(page) == ["c0", "c2"]
    assert page.locator('.cell[data-cell-id="c0"] .cm-line').all_text_contents() == [
        "a = 1",
        "",
        "b = 2",
    ]
    page.keyboard.press("Shift+M")  # one cell selected: merges with the one below
    expect(page.locator(".cell")).to_have_count(1)
    # Split: the cursor after "b = 2" leaves that in the cell, the rest goes below.
    editor = page.locator('.cell[data-cell-id="c0"] .cm-content')
    editor.locator(".cm-line", has_text="b = 2").click()
    page.keyboard.press("End")
    page.keyboard.press("Control+Shift+Minus")
    expect_sources(page, ["a = 1b = 2", "c = 3"])
    page.keyboard.type("d = 4\n")  # the new cell is edited, from its start
    expect(page.locator(".cell").nth(1).locator(".cm-content")).to_contain_text("d = 4c = 3")
    screenshot(page, "merge-split")


def test_undo_takes_back_only_ones_own_cell_changes(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "undo.ipynb").write_text(
        json.dumps(notebook(("code", "a = 1"), ("code", "b = 2"), ("code", "c = 3")))
    )
    alice, bob = open_page("/notebooks/undo.ipynb"), open_page("/notebooks/undo.ipynb")
    command_mode_on(alice, "c0")
    alice.keyboard.press("b")  # alice inserts a cell below the first
    expect(bob.locator(".cell")).to_have_count(4)
    command_mode_on(bob, "c2")
    bob.keyboard.press("d")
    bob.keyboard.press("d")  # bob deletes the last
    expect(alice.locator(".cell")).to_have_count(3)
    alice.keyboard.press("z")  # alice's insert goes; bob's deletion stays
    expect(alice.locator(".cell")).to_have_count(2)
    expect(bob.locator(".cell")).to_have_count(2)
    assert ids(bob) == ["c0", "c1"]
    alice.keyboard.press("z")  # nothing more of alice's to undo
    alice.keyboard.press("Shift+Z")
    expect(bob.locator(".cell")).to_have_count(3)
    bob.keyboard.press("z")  # bob's deletion, undone by bob
    expect(alice.locator(".cell")).to_have_count(4)
    assert ids(alice)[0] == "c0"
    assert ids(alice)[2:] == ["c1", "c2"]


def test_collapsed_inputs_and_outputs_are_shared_and_saved_as_jupyterlab_saves_them(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "fold.ipynb").write_text(json.dumps(notebook(("code", "print('shown')"))))
    alice, bob = open_page("/notebooks/fold.ipynb"), open_page("/notebooks/fold.ipynb")
    command_mode_on(alice, "c0")
    alice.keyboard.press("Control+Enter")
    cell = '.cell[data-cell-id="c0"]'
    expect(bob.locator(f"{cell} .output")).to_have_text("shown")
    alice.locator(f"{cell} [data-testid=outputs-collapser]").click()
    expect(bob.locator(f"{cell} .output")).to_be_hidden()
    expect(bob.locator(f"{cell} [data-testid=outputs-folded]")).to_be_visible()
    alice.locator(f"{cell} [data-testid=input-collapser]").click()
    expect(bob.locator(f"{cell} .cell-input")).to_be_hidden()
    alice.keyboard.press("Control+s")
    both = {"source_hidden": True, "outputs_hidden": True}
    saved = saved_cells(
        web.root / "fold.ipynb", lambda cells: cells[0]["metadata"].get("jupyter") == both
    )
    metadata = saved[0]["metadata"]
    assert metadata["jupyter"] == both
    assert metadata["collapsed"] is True
    bob.locator(f"{cell} [data-testid=input-folded]").click()
    expect(alice.locator(f"{cell} .cell-input")).to_be_visible()
    command_mode_on(alice, "c0")
    alice.keyboard.press("o")
    expect(bob.locator(f"{cell} .output")).to_have_text("shown")
    expect(bob.locator(f"{cell} [data-testid=outputs-folded]")).to_be_hidden()


def test_line_numbers_are_one_persons_setting_kept_across_reloads(
    open_page: Callable[[str], Page],
) -> None:
    page, other = open_page("/notebooks/demo.ipynb"), open_page("/notebooks/demo.ipynb")
    command_mode_on(page, "c0")
    page.keyboard.press("Shift+L")
    expect(page.locator(".cm-lineNumbers").first).to_be_visible()
    page.reload()
    page.wait_for_selector("body[data-ready=true]", state="attached")
    expect(page.locator(".cm-lineNumbers").first).to_be_visible()
    expect(other.locator(".cm-editor").first).to_be_visible()
    expect(other.locator(".cm-lineNumbers")).to_have_count(0)
    command_mode_on(page, "c0")
    page.keyboard.press("Shift+L")
    expect(page.locator(".cm-lineNumbers")).to_have_count(0)


def test_the_notebook_downloads_as_ipynb_or_exports_as_a_script_from_the_palette(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "study.ipynb").write_text(
        json.dumps(notebook(("markdown", "# Study"), ("code", "x = 1")))
    )
    page = open_page("/notebooks/study.ipynb")
    command_mode_on(page, "c1")

    def download(label: str) -> tuple[str, str]:
        page.keyboard.press("Control+Shift+C")
        page.keyboard.type(label)
        with page.expect_download() as started:
            page.keyboard.press("Enter")
        done = started.value
        path = done.path()
        return done.suggested_filename, path.read_text()

    name, script = download("export as a python script")
    assert name == "study.py"
    assert script.startswith("# ---\n# jupyter:\n#   kernelspec:\n")  # the notebook's kernel
    assert script.endswith("# ---\n\n# %% [markdown]\n# # Study\n\n# %%\nx = 1\n")
    name, ipynb = download("download the notebook")
    assert name == "study.ipynb"
    assert [cell["source"] for cell in json.loads(ipynb)["cells"]] == ["# Study", "x = 1"]


def test_the_table_of_contents_follows_headings_runs_and_errors(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    cells = [
        ("markdown", "# Study\n\nintro"),
        ("code", "x = 1"),
        ("markdown", "## Data\n```\n# not a heading\n```"),
        ("code", "1 / 0"),
        *[("code", f"y{n} = {n}") for n in range(30)],
        ("markdown", "## Results"),
        ("code", "print(x)"),
    ]
    (web.root / "toc.ipynb").write_text(json.dumps(notebook(*cells)))
    page = open_page("/notebooks/toc.ipynb")
    page.locator("[data-testid=contents-open]").click()
    items = page.locator("[data-testid=toc-item]")
    expect(items).to_have_text(["Study", "Data", "Results"])
    assert [items.nth(i).get_attribute("data-level") for i in range(3)] == ["1", "2", "2"]
    items.nth(2).click()
    results = page.locator('.cell[data-cell-id="c34"]')
    expect(results).to_have_class(re.compile(r"\bselected\b"))
    expect(results).to_be_in_viewport()
    command_mode_on(page, "c3")
    page.keyboard.press("Control+Enter")
    expect(items.nth(1)).to_have_attribute("data-state", "error")
    expect(items.nth(0)).to_have_attribute("data-state", "error")
    expect(items.nth(2)).to_have_attribute("data-state", "")
    screenshot(page, "table-of-contents")
    page.locator("[data-testid=contents-open]").click()  # and it goes
    expect(page.locator("[data-testid=toc]")).to_have_count(0)


def test_cells_dragged_by_their_gutter_move_with_the_selection_and_undo(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    cells = [("code", f"n = {n}") for n in range(4)]
    (web.root / "drag.ipynb").write_text(json.dumps(notebook(*cells)))
    page, other = open_page("/notebooks/drag.ipynb"), open_page("/notebooks/drag.ipynb")

    def drag(cell_id: str, onto: str, after: bool) -> None:
        target = page.locator(f'.cell[data-cell-id="{onto}"]')
        box = target.bounding_box()
        assert box is not None
        y = box["height"] - 4 if after else 4
        gutter = page.locator(f'.cell[data-cell-id="{cell_id}"] .cell-gutter')
        gutter.drag_to(target, target_position={"x": 40, "y": y})

    drag("c0", "c2", after=True)
    expect(other.locator(".cell").first).to_have_attribute("data-cell-id", "c1")
    assert ids(other) == ["c1", "c2", "c0", "c3"]
    command_mode_on(page, "c2")
    page.keyboard.press("Shift+J")  # c2 and c0, dragged together
    drag("c0", "c1", after=False)
    expect(other.locator(".cell").first).to_have_attribute("data-cell-id", "c2")
    assert ids(other) == ["c2", "c0", "c1", "c3"]
    page.keyboard.press("z")
    expect(other.locator(".cell").first).to_have_attribute("data-cell-id", "c1")
    assert ids(other) == ["c1", "c2", "c0", "c3"]


def test_find_and_replace_across_every_cell_is_seen_by_everyone(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    cells = [("code", "foo = 1\nFoo = 2"), ("markdown", "About foo"), ("code", "print('bar')")]
    (web.root / "find.ipynb").write_text(json.dumps(notebook(*cells)))
    page, other = open_page("/notebooks/find.ipynb"), open_page("/notebooks/find.ipynb")
    command_mode_on(page, "c2")
    page.keyboard.press("Control+f")
    bar = page.locator("[data-testid=find-bar]")
    page.keyboard.type("foo")
    count = bar.locator("[data-testid=find-count]")
    expect(count).to_have_text("1 of 3")  # not case-sensitive
    expect(page.locator('.cell[data-cell-id="c0"]')).to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("Enter")
    expect(count).to_have_text("2 of 3")
    page.keyboard.press("Shift+Enter")
    expect(count).to_have_text("1 of 3")
    bar.locator("[data-testid=find-case]").check()
    expect(count).to_have_text("1 of 2")
    bar.locator("[data-testid=find-case]").uncheck()
    bar.locator("[data-testid=find-input]").fill("bar")
    expect(count).to_have_text("1 of 1")
    bar.locator("[data-testid=find-input]").fill("foo")
    bar.locator("[data-testid=replace-input]").fill("baz")
    screenshot(page, "find-replace")
    bar.locator("[data-testid=replace-all]").click()
    expect(count).to_have_text("no matches")
    expect(other.locator('.cell[data-cell-id="c0"] .cm-content')).to_have_text("baz = 1baz = 2")
    expect(other.locator('.cell[data-cell-id="c1"] .markdown-view')).to_have_text("About baz")
    page.keyboard.press("Escape")
    expect(bar).to_have_count(0)


def test_find_searches_outputs_when_asked(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "out.ipynb").write_text(json.dumps(notebook(("code", "print('needle' * 2)"))))
    page = open_page("/notebooks/out.ipynb")
    command_mode_on(page, "c0")
    page.keyboard.press("Control+Enter")
    expect(page.locator('.cell[data-cell-id="c0"] .output')).to_have_text("needleneedle")
    page.keyboard.press("Control+f")
    page.keyboard.type("needle")
    count = page.locator("[data-testid=find-count]")
    expect(count).to_have_text("1 of 1")
    page.locator("[data-testid=find-outputs]").check()
    expect(count).to_have_text("1 of 3")


def test_a_checkpoint_made_in_the_page_is_reverted_to_for_everyone(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "check.ipynb").write_text(json.dumps(notebook(("code", "kept = 1"))))
    page, other = open_page("/notebooks/check.ipynb"), open_page("/notebooks/check.ipynb")
    command_mode_on(page, "c0")

    def palette(label: str) -> None:
        page.keyboard.press("Control+Shift+C")
        page.keyboard.type(label)
        page.keyboard.press("Enter")

    palette("make a checkpoint")
    expect(page.get_by_text("Checkpoint made")).to_be_visible()
    assert (web.root / ".ipynb_checkpoints" / "check-checkpoint.ipynb").exists()
    page.locator('.cell[data-cell-id="c0"] .cm-content').click()
    page.keyboard.press("End")
    page.keyboard.type(" + 41")
    page.keyboard.press("Escape")
    expect(other.locator('.cell[data-cell-id="c0"] .cm-content')).to_have_text("kept = 1 + 41")
    page.once("dialog", lambda dialog: dialog.accept())
    palette("revert to the checkpoint")
    expect(other.locator('.cell[data-cell-id="c0"] .cm-content')).to_have_text("kept = 1")
    expect(page.locator('.cell[data-cell-id="c0"] .cm-content')).to_have_text("kept = 1")
    saved = saved_sources(web.root / "check.ipynb", lambda sources: sources == ["kept = 1"])
    assert saved == ["kept = 1"]


PIXEL = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
    "AAAABJRU5ErkJggg=="
)
"""A PNG of one pixel."""


def test_an_image_pasted_into_markdown_becomes_an_attachment_everyone_sees(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    (web.root / "pics.ipynb").write_text(json.dumps(notebook(("markdown", "A picture: "))))
    page, other = open_page("/notebooks/pics.ipynb"), open_page("/notebooks/pics.ipynb")
    page.locator('.cell[data-cell-id="c0"]').dblclick()
    editor = page.locator('.cell[data-cell-id="c0"] .cm-content')
    expect(editor).to_be_focused()
    page.keyboard.press("Control+End")
    editor.evaluate(
        """(el, pixel) => {
            const bytes = Uint8Array.from(atob(pixel), (c) => c.charCodeAt(0));
            const data = new DataTransfer();
            data.items.add(new File([bytes], "plot.png", { type: "image/png" }));
            el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true }));
        }""",
        PIXEL,
    )
    expect(editor).to_have_text("A picture: ![plot.png](attachment:plot.png)")
    page.keyboard.press("Shift+Enter")
    for seen in (page, other):
        image = seen.locator('.cell[data-cell-id="c0"] .markdown-view img')
        expect(image).to_have_attribute("src", f"data:image/png;base64,{PIXEL}")
    page.keyboard.press("Control+s")
    cell = saved_cells(web.root / "pics.ipynb", lambda cells: "attachments" in cells[0])[0]
    assert cell["attachments"] == {"plot.png": {"image/png": PIXEL}}
    assert cell["source"] == "A picture: ![plot.png](attachment:plot.png)"
