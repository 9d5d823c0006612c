"""Presence on a shared notebook: who is here, in which cell, with which cursor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pycrdt import Awareness, Doc, YMessageType, create_awareness_message, read_message

from tests.notebooks.ypeer import YPeer
from tests.server.conftest import run_yjs_peers

if TYPE_CHECKING:
    from tests.server.conftest import RunningServer


def test_stock_providers_see_each_other_and_a_dropped_peer_is_removed(
    notebook_server: RunningServer,
) -> None:
    outcome = run_yjs_peers(notebook_server, "presence.js", "shared.ipynb")
    assert outcome["bobSeesAlice"] == {
        "user": {"name": "alice", "color": "#e66100"},
        "cell": "first",
        "cursor": {"anchor": 3, "head": 5},
    }
    assert outcome["carolSees"] == ["alice", "bob", "carol"]
    assert outcome["afterAliceDropped"] == ["bob", "carol"]


def test_a_malformed_awareness_message_is_dropped_and_the_room_keeps_serving(
    notebook_server: RunningServer,
) -> None:
    alice, bob = YPeer(notebook_server, "shared.ipynb"), YPeer(notebook_server, "shared.ipynb")
    try:
        alice.until(lambda: "first" in alice.document.cells)
        bob.until(lambda: "first" in bob.document.cells)
        alice.ws.send(bytes([YMessageType.AWARENESS, 5, 1, 2]))
        alice.ws.send(bytes([YMessageType.AWARENESS]) + b"\x0a{not json")
        awareness = Awareness(Doc())
        awareness.set_local_state({"user": {"name": "alice"}})
        local = awareness.encode_awareness_update([awareness.client_id])
        alice.ws.send(create_awareness_message(local))
        received = bob.ws.recv(timeout=10)
        while not isinstance(received, bytes) or received[0] != YMessageType.AWARENESS:
            received = bob.ws.recv(timeout=10)
        seen = Awareness(Doc())
        seen.apply_awareness_update(read_message(received[1:]), "server")
        assert seen.states[awareness.client_id] == {"user": {"name": "alice"}}
        alice.document.cell("first")["source"].insert(0, "# still editable\n")
        bob.until(lambda: bob.document.source("first").startswith("# still editable"))
    finally:
        alice.close()
        bob.close()
    log = notebook_server.stop()
    assert "dropped an awareness message" in log
