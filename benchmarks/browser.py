"""The notebook in a real browser: load to an interactive 200-cell notebook, Shift-Enter to paint.

No Jupyter frontend is installed beside ours to run in the same browser, so each
figure is set against our own target (benchmarks/README.md). Debian's Chromium,
driven by Playwright, headless, on the same two cores as the server and kernel.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.sync_api import sync_playwright

from _harness import Result
from collab import _notebook
from server import TOKEN, interlace_server

if TYPE_CHECKING:
    from playwright.sync_api import Page

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

_WATCH = """([cellId, expected]) => {
    const cell = document.querySelector(`.cell[data-cell-id="${cellId}"]`);
    let pressed = 0;
    window.__delay = null;
    const done = () => {
        const prompt = cell.querySelector(".prompt")?.textContent;
        const result = cell.querySelector('.output[data-output-type="execute_result"]');
        return pressed && prompt === `[${expected}]` && result?.textContent?.trim() === "2";
    };
    const observer = new MutationObserver(() => {
        if (done()) {
            observer.disconnect();
            requestAnimationFrame(() => { window.__delay = performance.now() - pressed; });
        }
    });
    observer.observe(cell, {subtree: true, childList: true, characterData: true});
    const onKey = (event) => {
        if (event.key === "Enter" && event.shiftKey) {
            pressed = performance.now();
            window.removeEventListener("keydown", onKey, {capture: true});
        }
    };
    window.addEventListener("keydown", onKey, {capture: true});
}"""
"""Sets window.__delay to the milliseconds from the Shift-Enter keydown to the frame after
the 2 appears with the next execution count."""


def _load(page: Page, url: str) -> float:
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=60_000)
    return time.perf_counter() - started


def _shift_enter(page: Page, count: int) -> list[float]:
    """Run ``1+1`` by Shift-Enter ``count`` times; the delay to the painted 2 each time."""
    delays = []
    prompt = page.locator('.cell[data-cell-id="c0"] .prompt')
    for _ in range(count):
        page.locator('.cell[data-cell-id="c0"] .cm-content').click()
        expected = int(prompt.inner_text().strip("[ *]") or 0) + 1
        page.evaluate(_WATCH, ["c0", expected])
        page.keyboard.press("Shift+Enter")
        delay = page.wait_for_function("window.__delay", timeout=30_000)
        delays.append(float(delay.json_value()) / 1000)
    return delays


def run(quick: bool) -> list[Result]:
    cells, loads, runs = (20, 1, 3) if quick else (200, 5, 20)
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory(prefix="interlace-bench-") as folder:
        root = Path(folder)
        big: dict[str, Any] = _notebook(cells, "x = 1\nfor i in range(3):\n    x += i\n")
        for number, cell in enumerate(big["cells"]):
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": f"{number}\n"}]
        (root / "big.ipynb").write_text(json.dumps(big))
        (root / "one.ipynb").write_text(json.dumps(_notebook(1, "1+1")))
        with interlace_server(root) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
            page = browser.new_page()
            page.goto(f"{base}/tree/?token={TOKEN}")
            load_times = [_load(page, f"{base}/notebooks/big.ipynb") for _ in range(loads)]
            _load(page, f"{base}/notebooks/one.ipynb")
            page.locator('.cell[data-cell-id="c0"] .cm-content').click()
            page.keyboard.press("Control+Enter")  # start the kernel first
            page.wait_for_selector('.cell[data-cell-id="c0"][data-status="ok"]')
            delays = _shift_enter(page, runs)
            browser.close()
    return [
        Result(
            f"browser: load to interactive, {cells} cells (median)",
            statistics.median(load_times),
            1.0,
            note=f"{loads} loads",
            against_target=True,
        ),
        Result(
            "browser: Shift-Enter on 1+1 to the 2 painted (median)",
            statistics.median(delays),
            0.050,
            note=f"{runs} runs, slowest {max(delays) * 1000:.0f} ms",
            against_target=True,
        ),
    ]
