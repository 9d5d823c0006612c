"""Real browsers on the real server: Debian's Chromium driven by Playwright.

Each test gets a server on a free loopback port with a notebook in its root, and
pages in fresh browser contexts, logged in by the token URL the server prints.
Screenshots of the main views are kept in ``test-artifacts/`` as artefacts.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.server.conftest import TOKEN, RunningServer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

expect.set_options(timeout=30_000)  # a kernel starting on a loaded 2-core machine takes seconds

ARTIFACTS = Path(__file__).parent.parent.parent / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Without the networking flags Chromium keeps trying to reach Google on a closed network."""


def notebook(*cells: tuple[str, str]) -> dict[str, Any]:
    """An nbformat 4 notebook of (cell_type, source) cells with ids c0, c1, ..."""
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "interlace", "display_name": "Python 3"}},
        "cells": [
            {"id": f"c{number}", "cell_type": kind, "metadata": {}, "source": source}
            | ({"outputs": [], "execution_count": None} if kind == "code" else {})
            for number, (kind, source) in enumerate(cells)
        ],
    }


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for the browser tests; Playwright's loop is gone before other async tests."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Chromium is not installed: scripts/test installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def web(tmp_path: Path) -> Iterator[RunningServer]:
    (tmp_path / "demo.ipynb").write_text(json.dumps(notebook(("code", "1 + 1"))))
    running = RunningServer(tmp_path, "--token", TOKEN)
    yield running
    running.stop()


@pytest.fixture
def open_page(browser: Browser, web: RunningServer) -> Iterator[Callable[[str], Page]]:
    """Open ``path`` (e.g. ``/notebooks/demo.ipynb``) in a new context, logged in."""
    contexts = []

    def opening(path: str) -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{web.url}{path}?token={TOKEN}")
        if path.startswith("/notebooks/"):
            page.wait_for_selector("body[data-ready=true]", state="attached")
        return page

    yield opening
    for context in contexts:
        context.close()


def saved_sources(path: Path, until: Callable[[list[str]], bool], timeout: float = 15) -> list[str]:
    """The cell sources of the notebook file once ``until`` holds for them (saves land async)."""
    cells = saved_cells(path, lambda cells: until([cell["source"] for cell in cells]), timeout)
    return [cell["source"] for cell in cells]


def saved_cells(
    path: Path, until: Callable[[list[dict[str, Any]]], bool], timeout: float = 15
) -> list[dict[str, Any]]:
    """The cells of the notebook file once ``until`` holds for them (saves land async)."""
    deadline = time.monotonic() + timeout
    while True:
        cells: list[dict[str, Any]] = json.loads(path.read_text())["cells"]
        if until(cells) or time.monotonic() > deadline:
            return cells
        time.sleep(0.1)


def screenshot(page: Page, name: str) -> None:
    """Keep a picture of the page as a test artefact."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
