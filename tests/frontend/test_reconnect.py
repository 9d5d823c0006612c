"""A server restart in the middle of someone's work: the page says so, reconnects by
itself, and nothing typed meanwhile is lost."""

from __future__ import annotations

import json
import socket
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.frontend.conftest import notebook, saved_sources
from tests.server.conftest import TOKEN, RunningServer

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Browser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_page_reconnects_after_a_server_restart_and_keeps_what_was_typed(
    browser: Browser, tmp_path: Path
) -> None:
    (tmp_path / "demo.ipynb").write_text(json.dumps(notebook(("code", "1 + 1"))))
    port = str(free_port())
    server = RunningServer(tmp_path, "--token", TOKEN, "--port", port)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{server.url}/notebooks/demo.ipynb?token={TOKEN}")
        page.wait_for_selector("body[data-ready=true]", state="attached")
        connection = page.locator("[data-testid=connection-status]")
        expect(connection).to_have_text("connected")
        server.stop()
        expect(connection).to_have_text("reconnecting")
        expect(page.locator("[data-testid=kernel-status]")).to_have_text("reconnecting")
        page.locator('.cell[data-cell-id="c0"] .cm-content').click()
        page.keyboard.press("End")
        page.keyboard.type("  # typed while the server was away")
        server = RunningServer(tmp_path, "--token", TOKEN, "--port", port)
        expect(connection).to_have_text("connected", timeout=30_000)
        page.keyboard.press("Control+Enter")
        result = page.locator('.cell[data-cell-id="c0"] .output[data-output-type="execute_result"]')
        expect(result).to_have_text("2")
        server.http.post("/api/notebooks/demo.ipynb/save")
        typed = "1 + 1  # typed while the server was away"
        assert saved_sources(tmp_path / "demo.ipynb", lambda s: s[0] == typed)[0] == typed
    finally:
        context.close()
        server.stop()
