"""Runs travel on the notebook's websocket, after the edits made before them: Shift-Enter
pressed the instant typing ends runs what was typed, and a run asked for while the
connection is down happens, with the edited source, once the page is back."""

from __future__ import annotations

import json
import socket
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect

from tests.frontend.conftest import notebook
from tests.server.conftest import TOKEN, RunningServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from playwright.sync_api import Browser, BrowserContext, Page, Request, WebSocket

COMMAND_REPLY = 100
"""The first byte of a binary frame that answers a command (y-protocols leaves it unused)."""

RUNS = 12


class Traffic:
    """What a page sends and gets: command frames and replies on its collaboration
    sockets (every one it opens), and any HTTP request to run cells."""

    def __init__(self, page: Page) -> None:
        self.commands: list[dict[str, Any]] = []
        self.replies: list[dict[str, Any]] = []
        self.execute_posts: list[str] = []
        page.on("websocket", self._watch)
        page.on("request", self._request)

    def _watch(self, websocket: WebSocket) -> None:
        if "/api/collab/" in websocket.url:
            websocket.on("framesent", self._sent)
            websocket.on("framereceived", self._received)

    def _sent(self, payload: str | bytes) -> None:
        if isinstance(payload, str):
            self.commands.append(json.loads(payload))

    def _received(self, payload: str | bytes) -> None:
        if isinstance(payload, bytes) and payload[:1] == bytes([COMMAND_REPLY]):
            self.replies.append(json.loads(payload[1:]))

    def _request(self, request: Request) -> None:
        if "/api/notebooks/" in request.url and request.url.endswith("/execute"):
            self.execute_posts.append(request.url)

    def assert_answered(self, action: str, count: int) -> None:
        """``count`` commands of ``action`` went on the websocket and each got an ok reply."""
        sent = [c for c in self.commands if c.get("action") == action]
        assert len(sent) == count, self.commands
        by_id = {reply.get("id"): reply for reply in self.replies}
        for command in sent:
            assert by_id.get(command["id"], {}).get("ok") is True, (command, self.replies)
        assert self.execute_posts == []


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(viewport={"width": 1280, "height": 900})
    opened.set_default_timeout(30_000)
    yield opened
    opened.close()


def open_watched(context: BrowserContext, server: RunningServer, name: str) -> tuple[Page, Traffic]:
    """Open a notebook with its traffic watched from the first frame."""
    page = context.new_page()
    traffic = Traffic(page)
    page.goto(f"{server.url}/notebooks/{name}?token={TOKEN}")
    page.wait_for_selector("body[data-ready=true]", state="attached")
    expect(page.locator("[data-testid=connection-status]")).to_have_text("connected")
    return page, traffic


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_shift_enter_right_after_typing_runs_what_was_typed(
    context: BrowserContext, web: RunningServer
) -> None:
    page, traffic = open_watched(context, web, "demo.ipynb")
    cells = page.locator(".cell")
    page.locator('.cell[data-cell-id="c0"] .cm-content').click()
    page.keyboard.press("Control+A")
    for n in range(RUNS):
        # Shift-Enter on the last cell adds one below and edits it: type there at once.
        page.keyboard.type(f"print({n})")
        page.keyboard.press("Shift+Enter")
    expect(cells).to_have_count(RUNS + 1)
    for n in range(RUNS):
        expect(cells.nth(n).locator(".outputs")).to_have_text(str(n))
    ids = [cells.nth(n).get_attribute("data-cell-id") for n in range(RUNS)]
    executes = [c for c in traffic.commands if c.get("action") == "execute"]
    assert [c.get("cells") for c in executes] == [[cell_id] for cell_id in ids]
    assert [c["id"] for c in executes] == sorted({c["id"] for c in executes})
    traffic.assert_answered("execute", RUNS)


def test_a_run_asked_for_offline_happens_with_the_edited_source_once_back(
    context: BrowserContext, tmp_path: Path
) -> None:
    (tmp_path / "demo.ipynb").write_text(json.dumps(notebook(("code", "print('as saved')"))))
    port = str(free_port())
    server = RunningServer(tmp_path, "--token", TOKEN, "--port", port)
    try:
        page, traffic = open_watched(context, server, "demo.ipynb")
        connection = page.locator("[data-testid=connection-status]")
        server.stop()
        expect(connection).to_have_text("reconnecting")
        page.locator('.cell[data-cell-id="c0"] .cm-content').click()
        page.keyboard.press("Control+A")
        page.keyboard.type("print('edited offline')")
        page.keyboard.press("Control+Enter")
        assert traffic.commands == []  # queued in the page, not sent into a dead socket
        server = RunningServer(tmp_path, "--token", TOKEN, "--port", port)
        expect(connection).to_have_text("connected")
        outputs = page.locator('.cell[data-cell-id="c0"] .output')
        expect(outputs).to_have_text(["edited offline"])
        expect(page.locator('.cell[data-cell-id="c0"] .prompt')).to_have_text("[1]")
        traffic.assert_answered("execute", 1)
    finally:
        server.stop()
