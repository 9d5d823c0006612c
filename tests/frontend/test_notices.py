"""What the server tells everyone on a notebook, in the page: a full disk, a file changed on
disk during unsaved work (with its differences and a choice), and a page whose document was
from a history the server lost (reloaded, its changes kept as a copy)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.frontend.conftest import notebook, saved_sources, screenshot
from tests.notebooks.disk import small_disk
from tests.server.conftest import TOKEN, RunningServer, free_port

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Browser, Page


def opened(browser: Browser, server: RunningServer, path: str = "demo.ipynb") -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(f"{server.url}/notebooks/{path}?token={TOKEN}")
    page.wait_for_selector("body[data-ready=true]", state="attached")
    return page


def type_into(page: Page, cell: str, text: str) -> None:
    page.locator(f'.cell[data-cell-id="{cell}"] .cm-content').click()
    page.keyboard.press("End")
    page.keyboard.type(text)


def test_a_file_changed_during_unsaved_work_is_shown_to_everyone_with_a_choice(
    browser: Browser, tmp_path: Path
) -> None:
    target = tmp_path / "demo.ipynb"
    target.write_text(json.dumps(notebook(("code", "1 + 1"), ("markdown", "# Notes"))))
    server = RunningServer(tmp_path, "--token", TOKEN, "--autosave-delay", "60")
    alice, bob = opened(browser, server), opened(browser, server)
    try:
        type_into(alice, "c0", "  # alice's unsaved edit")
        expect(bob.locator('.cell[data-cell-id="c0"] .cm-content')).to_contain_text("alice")
        target.write_text(
            json.dumps(notebook(("code", "2 + 2  # from git"), ("markdown", "# Notes")))
        )
        for page in (alice, bob):
            expect(page.get_by_test_id("conflict-notice")).to_be_visible()
            expect(page.get_by_test_id("conflict-notice")).to_contain_text("changed on disk")
        bob.get_by_test_id("conflict-show").click()
        differences = bob.get_by_test_id("conflict-differences")
        expect(differences.locator(".diff-del")).to_contain_text("-2 + 2  # from git")
        expect(differences.locator(".diff-add")).to_contain_text("+1 + 1  # alice's unsaved edit")
        screenshot(bob, "notice-conflict")
        bob.get_by_test_id("conflict-keep-shared").click()
        for page in (alice, bob):
            expect(page.get_by_test_id("conflict-notice")).to_be_hidden()
        edited = "1 + 1  # alice's unsaved edit"
        assert saved_sources(target, lambda s: s[0] == edited)[0] == edited
        (copy,) = tmp_path.glob("demo.on-disk-*.ipynb")
        assert json.loads(copy.read_text())["cells"][0]["source"] == "2 + 2  # from git"
    finally:
        alice.context.close()
        bob.context.close()
        server.stop()


def test_a_full_disk_is_shown_and_what_was_typed_is_saved_once_it_has_room(
    browser: Browser, tmp_path: Path
) -> None:
    with small_disk(tmp_path) as disk:
        disk.write_notebook("demo.ipynb", notebook(("code", "1 + 1")))
        server = disk.server()
        page = opened(browser, server)
        try:
            disk.fill()
            type_into(page, "c0", "  # typed on a full disk")
            notice = page.get_by_test_id("storage-notice")
            expect(notice).to_be_visible()
            expect(notice).to_contain_text("Keep this page open")
            screenshot(page, "notice-storage")
            disk.free()
            expect(notice).to_be_hidden()
            typed = "1 + 1  # typed on a full disk"
            saved = saved_sources(disk.view / "demo.ipynb", lambda s: s[0] == typed)
            assert saved[0] == typed
        finally:
            page.context.close()
            server.stop()


def test_a_page_from_a_lost_history_is_reloaded_and_its_changes_kept(
    browser: Browser, tmp_path: Path
) -> None:
    (tmp_path / "demo.ipynb").write_text(json.dumps(notebook(("code", "1 + 1"))))
    port = str(free_port())
    server = RunningServer(tmp_path, "--token", TOKEN, "--port", port)
    page = opened(browser, server)
    try:
        expect(page.get_by_test_id("connection-status")).to_have_text("connected")
        server.stop()
        type_into(page, "c0", "  # typed while the server was away")
        for log in (tmp_path / ".interlace").glob("recordings.sqlite*"):
            log.unlink()  # the server comes back without the notebook's history
        server = RunningServer(tmp_path, "--token", TOKEN, "--port", port)
        notice = page.get_by_test_id("resync-notice")
        expect(notice).to_be_visible()
        expect(page.locator('.cell[data-cell-id="c0"] .cm-content')).to_have_text("1 + 1")
        link = notice.get_by_test_id("recovered-copy")
        copy = link.inner_text()
        assert copy.startswith("demo.recovered-")
        kept = json.loads((tmp_path / copy).read_text())
        assert kept["cells"][0]["source"] == "1 + 1  # typed while the server was away"
        screenshot(page, "notice-resync")
        expect(page.get_by_test_id("recovered-notice")).to_be_hidden()  # said once here
        other = opened(browser, server)  # everyone else is told where the copy is
        expect(
            other.get_by_test_id("recovered-notice").get_by_test_id("recovered-copy")
        ).to_have_text(copy)
        other.context.close()
    finally:
        page.context.close()
        server.stop()
