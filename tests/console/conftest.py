"""Driving the real console in a pseudo-terminal and reading the screen it draws.

pexpect gives the console a real terminal; pyte, a terminal emulator, turns what
it writes into the rows a person would see, so tests assert on the screen.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pexpect
import pyte

ROWS, COLUMNS = 40, 120
INTERLACE = str(Path(sys.executable).with_name("interlace"))


class Terminal:
    """A console process on a pty, with the screen it has drawn so far."""

    def __init__(self, *arguments: str) -> None:
        self.screen = pyte.HistoryScreen(COLUMNS, ROWS, history=2000)
        self.stream = pyte.Stream(self.screen)
        env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm-256color"}
        self.process = pexpect.spawn(
            INTERLACE,
            ["console", *arguments],
            env=env,
            encoding="utf-8",
            dimensions=(ROWS, COLUMNS),
            timeout=30,
        )
        self.seen = ""

    def pump(self) -> None:
        while True:
            try:
                chunk = self.process.read_nonblocking(65536, timeout=0.05)
            except pexpect.TIMEOUT:
                return
            except pexpect.EOF:
                return
            self.seen += chunk
            self.stream.feed(chunk)

    def text(self) -> str:
        """Every row drawn so far, scrolled-off ones included."""
        self.pump()
        history = ["".join(ch.data for ch in row.values()) for row in self.screen.history.top]
        return "\n".join(
            [*(line.rstrip() for line in history), *(line.rstrip() for line in self.screen.display)]
        )

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.text()
            if text in screen:
                return screen
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.text()}")

    def count(self, text: str) -> int:
        return self.text().count(text)

    def send(self, keys: str) -> None:
        self.process.send(keys)

    def run(self, line: str) -> None:
        self.process.send(line + "\r")

    def close(self) -> None:
        if self.process.isalive():
            self.process.terminate(force=True)
