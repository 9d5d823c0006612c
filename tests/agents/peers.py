"""A person's page as the tests see it: a Yjs peer that also follows presence (awareness)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from pycrdt import (
    Awareness,
    Doc,
    YMessageType,
    create_sync_message,
    create_update_message,
    handle_sync_message,
    read_message,
)
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from interlace.collab import NotebookDocument
from tests.server.conftest import TOKEN

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.server.conftest import RunningServer


class Person:
    """A peer of one notebook: its document, everyone's presence, and its own typing.

    Its edits are sent as it makes them; what the server sends is applied only in
    ``pump``, so an edit made before pumping is concurrent with the server's.
    """

    def __init__(self, server: RunningServer, path: str) -> None:
        url = f"ws://127.0.0.1:{server.port}/api/collab/{path}?token={TOKEN}"
        self.ws = connect(url, open_timeout=30, max_size=None, legacy=True)
        self.document = NotebookDocument(Doc())
        self.presence = Awareness(Doc())
        self._applying = False
        self.held: list[bytes] | None = None
        """Edits typed while the network holds them back (``hold``), not sent yet."""
        self._subscription = self.document.doc.observe(self._send)
        self.ws.send(create_sync_message(self.document.doc))

    def _send(self, event: Any) -> None:
        if self._applying:
            return
        if self.held is not None:
            self.held.append(event.update)
        else:
            self.ws.send(create_update_message(event.update))

    def hold(self) -> None:
        """From now on edits wait (a slow network) until ``release``."""
        self.held = []

    def release(self) -> None:
        """Send the edits held back."""
        held, self.held = self.held or [], None
        for update in held:
            self.ws.send(create_update_message(update))

    def pump(self, quiet: float = 0.1) -> None:
        """Apply what the server sent until it has been quiet for ``quiet`` seconds."""
        while True:
            try:
                message = self.ws.recv(timeout=quiet)
            except (TimeoutError, ConnectionClosed):
                return
            if not isinstance(message, bytes) or not message:
                continue
            if message[0] == YMessageType.AWARENESS:
                self.presence.apply_awareness_update(read_message(message[1:]), "server")
            elif message[0] == YMessageType.SYNC:
                self._applying = True
                try:
                    reply = handle_sync_message(message[1:], self.document.doc)
                finally:
                    self._applying = False
                if reply is not None:
                    self.ws.send(reply)

    def until(self, check: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError("condition never held")
            self.pump()

    def present(self) -> dict[str, dict[str, Any]]:
        """Everyone shown in presence, by name."""
        return {
            str(state["user"]["name"]): state
            for state in self.presence.states.values()
            if isinstance(state.get("user"), dict)
        }

    def type_at_end(self, cell_id: str, text: str) -> None:
        source = self.document.cell(cell_id)["source"]
        source.insert(len(source), text)

    def close(self) -> None:
        self.document.doc.unobserve(self._subscription)
        self.ws.close()
