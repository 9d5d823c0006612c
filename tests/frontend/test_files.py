"""The file browser in a real browser: list, create, open, rename, upload, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.frontend.conftest import screenshot

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.server.conftest import RunningServer


def test_create_rename_upload_delete_and_open(
    open_page: Callable[[str], Page], web: RunningServer
) -> None:
    page = open_page("/tree/")
    browser = page.locator("[data-testid=file-browser]")
    expect(browser.locator('[data-path="demo.ipynb"]')).to_be_visible()
    page.locator("[data-testid=new-folder]").click()
    expect(browser.locator('[data-type="directory"]')).to_have_count(1)
    folder = browser.locator('[data-type="directory"]').get_attribute("data-path")
    assert folder is not None
    assert (web.root / folder).is_dir()
    page.once("dialog", lambda dialog: dialog.accept("results"))
    browser.locator(f'[data-path="{folder}"] button[data-action=rename]').click()
    expect(browser.locator('[data-path="results"]')).to_be_visible()
    assert (web.root / "results").is_dir()
    upload = web.root.parent / "upload-source.txt"
    upload.write_text("uploaded text\n")
    page.locator("[data-testid=upload-input]").set_input_files(str(upload))
    expect(browser.locator('[data-path="upload-source.txt"]')).to_be_visible()
    assert (web.root / "upload-source.txt").read_text() == "uploaded text\n"
    screenshot(page, "file-browser")
    page.once("dialog", lambda dialog: dialog.accept())
    browser.locator('[data-path="upload-source.txt"] button[data-action=delete]').click()
    expect(browser.locator('[data-path="upload-source.txt"]')).to_have_count(0)
    assert not (web.root / "upload-source.txt").exists()
    page.locator("[data-testid=new-notebook]").click()
    page.wait_for_url("**/notebooks/**")
    page.wait_for_selector("body[data-ready=true]", state="attached")
    expect(page.locator(".cell")).to_have_count(1)


def test_opening_a_notebook_from_the_list(open_page: Callable[[str], Page]) -> None:
    page = open_page("/tree/")
    page.locator('[data-testid=file-row][data-path="demo.ipynb"] a.file-name').click()
    page.wait_for_url("**/notebooks/demo.ipynb")
    page.wait_for_selector("body[data-ready=true]", state="attached")
    expect(page.locator('.cell[data-cell-id="c0"] .cm-content')).to_have_text("1 + 1")
