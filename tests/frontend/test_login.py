"""A password-protected server in a real browser: refused until the login form is passed."""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.frontend.conftest import notebook, screenshot
from tests.server.conftest import TOKEN, RunningServer, store_password

if TYPE_CHECKING:
    from pathlib import Path

    import pytest
    from playwright.sync_api import Browser

PASSWORD = "correct horse battery staple"


def test_a_password_server_refuses_until_login(
    browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(config))
    store_password(PASSWORD)
    root = tmp_path / "root"
    root.mkdir()
    (root / "demo.ipynb").write_text(json.dumps(notebook(("code", "1 + 1"))))
    server = RunningServer(root, "--password", "--token", TOKEN)
    context = browser.new_context()
    try:
        page = context.new_page()
        assert page.request.get(f"{server.url}/api/contents").status == 401
        page.goto(f"{server.url}/notebooks/demo.ipynb")
        expect(page.locator("input[name=password]")).to_be_visible()
        screenshot(page, "login")
        page.fill("input[name=password]", "wrong")
        page.click("button[type=submit]")
        expect(page.locator("[role=alert]")).to_have_text("Wrong password.")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/notebooks/demo.ipynb")
        page.wait_for_selector("body[data-ready=true]", state="attached")
        expect(page.locator('.cell[data-cell-id="c0"] .cm-content')).to_have_text("1 + 1")
    finally:
        context.close()
        server.stop()
        shutil.rmtree(config, ignore_errors=True)
