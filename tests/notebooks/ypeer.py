"""A Yjs peer of our own, for tests of the collaboration endpoint, and a notebook to share."""

from __future__ import annotations

import contextlib
import json
import time
from typing import TYPE_CHECKING, Any

from pycrdt import (
    Awareness,
    Doc,
    YMessageType,
    create_awareness_message,
    create_sync_message,
    create_update_message,
    handle_sync_message,
)
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from interlace.collab import RESYNC, NotebookDocument
from interlace.notebooks import COMMAND_REPLY
from tests.server.conftest import TOKEN

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.server.conftest import RunningServer

NOTEBOOK = {
    "nbformat": 4,
    "nbformat_minor": 5,
    "metadata": {},
    "cells": [
        {
            "id": "first",
            "cell_type": "code",
            "metadata": {},
            "source": "x = 20",
            "outputs": [],
            "execution_count": None,
        },
        {
            "id": "second",
            "cell_type": "code",
            "metadata": {},
            "source": "print(x * 2)\nx + 22",
            "outputs": [],
            "execution_count": None,
        },
    ],
}


class YPeer:
    """A Yjs peer of our own over a websocket, using pycrdt's sync functions.

    Given the ``document`` of an earlier peer, it reconnects with it, as a page does
    after its websocket dropped (what was typed offline goes in its sync step 2).
    """

    def __init__(
        self, server: RunningServer, path: str, document: NotebookDocument | None = None
    ) -> None:
        url = f"ws://127.0.0.1:{server.port}/api/collab/{path}?token={TOKEN}"
        self.ws: ClientConnection = connect(url, open_timeout=30, max_size=None, legacy=True)
        self.document = document if document is not None else NotebookDocument(Doc())
        self.replies: list[dict[str, Any]] = []
        """Every command's reply, in order."""
        self.resync: dict[str, Any] | None = None
        """What the server said when it told this peer to drop its document (``RESYNC``)."""
        self.closed = False
        self._sending = True
        self._subscription = self.document.doc.observe(self._send_update)
        self.ws.send(create_sync_message(self.document.doc))

    def _send_update(self, event: Any) -> None:
        if self._sending:
            self._send(create_update_message(event.update))

    def pump(self, quiet: float = 0.3) -> None:
        """Apply what the server sent until it has been quiet for ``quiet`` seconds."""
        while not self.closed:
            try:
                message = self.ws.recv(timeout=quiet)
            except TimeoutError:
                return
            except ConnectionClosed:
                self.closed = True
                return
            if isinstance(message, str):
                raise AssertionError(f"the server sent a text frame: {message!r}")
            if message[0] == COMMAND_REPLY:
                self.replies.append(json.loads(message[1:]))
                continue
            if message[0] == RESYNC:
                self.resync = json.loads(message[1:])
                continue
            if message[0] != YMessageType.SYNC:
                continue
            self._sending = False
            try:
                reply = handle_sync_message(message[1:], self.document.doc)
            finally:
                self._sending = True
            if reply is not None:
                self._send(reply)

    def _send(self, message: bytes) -> None:
        """Send, unless the server has closed the connection meanwhile (as after ``RESYNC``).

        ``recv`` then reports the close, after what the server sent before it.
        """
        with contextlib.suppress(ConnectionClosed):
            self.ws.send(message)

    @property
    def notices(self) -> list[dict[str, Any]]:
        """The refused commands' reasons, in order."""
        return [{"error": reply["error"]} for reply in self.replies if not reply["ok"]]

    def until(self, check: Callable[[], bool], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.1)
            if check():
                return
        raise AssertionError(f"condition never held; the document is {self.document.to_notebook()}")

    def close(self) -> None:
        """Leave; the document stays, to reconnect with (``YPeer(..., document=)``)."""
        self.document.doc.unobserve(self._subscription)
        self.ws.close()


def outputs(peer: YPeer, cell_id: str) -> list[dict[str, Any]]:
    """The cell's outputs as the peer shows them (plain JSON), or [] if there is no such cell."""
    if cell_id not in peer.document.cells:
        return []
    return [
        {key: value for key, value in output.items() if key != "transient"}
        for output in peer.document.shown_outputs(cell_id)
    ]


def set_source(peer: YPeer, cell_id: str, text: str) -> None:
    """Replace a cell's source in ``peer``'s document and send the edit."""
    source = peer.document.cell(cell_id)["source"]
    del source[:]
    source.insert(0, text)
    peer.pump()


def announce(peer: YPeer, name: str) -> None:
    """Tell the room who ``peer`` is, as a page does with its awareness state."""
    awareness = Awareness(peer.document.doc)
    awareness.set_local_state({"user": {"name": name, "color": "#1a85ff"}})
    update = awareness.encode_awareness_update([awareness.client_id])
    peer.ws.send(create_awareness_message(update))
