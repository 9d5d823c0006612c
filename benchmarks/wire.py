"""Wire format: build+sign and verify+parse of typical messages, against jupyter_client.Session.

Both sides do the whole job a kernel or client does per message: a fresh header
(msg_id, date), JSON, HMAC-SHA256; on receipt, the identity split, signature
check, replay check and JSON parsing. Each received message is distinct, since
both replay guards refuse repeats.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jupyter_client.session import Session

from _harness import Result, compare_per_op
from interlace.protocol import ReplayGuard, Sender, Signer, decode, encode

if TYPE_CHECKING:
    from collections.abc import Callable

KEY = b"6b4a9b8f-3c2d-4e5f-8a7b-1c2d3e4f5a6b"
IDENTITIES = [b"client-identity"]
EXECUTE_REQUEST = {
    "code": "import numpy as np\nx = np.arange(10)\nx.sum()",
    "silent": False,
    "store_history": True,
    "user_expressions": {},
    "allow_stdin": True,
    "stop_on_error": True,
}
STREAM = {"name": "stdout", "text": "".join(f"line {i} of some output\n" for i in range(10))}


def _build_ours(msg_type: str, content: dict[str, Any], count: int) -> Callable[[], None]:
    sender, signer = Sender(username="bench"), Signer(KEY)
    parent = sender.message("execute_request", EXECUTE_REQUEST) if msg_type == "stream" else None

    def run() -> None:
        for _ in range(count):
            encode(sender.message(msg_type, content, parent=parent), signer, IDENTITIES)

    return run


def _build_theirs(msg_type: str, content: dict[str, Any], count: int) -> Callable[[], None]:
    session = Session(key=KEY, username="bench")
    parent = session.msg("execute_request", EXECUTE_REQUEST) if msg_type == "stream" else None

    def run() -> None:
        for _ in range(count):
            session.serialize(session.msg(msg_type, content, parent=parent), IDENTITIES)

    return run


def _frames(msg_type: str, content: dict[str, Any], count: int) -> list[list[bytes]]:
    """``count`` distinct signed messages, as the sending side would put them on the wire."""
    sender, signer = Sender(username="bench"), Signer(KEY)
    parent = sender.message("execute_request", EXECUTE_REQUEST) if msg_type == "stream" else None
    return [
        encode(sender.message(msg_type, content, parent=parent), signer, IDENTITIES)
        for _ in range(count)
    ]


def _parse_ours(msg_type: str, content: dict[str, Any], count: int) -> Callable[[], None]:
    signer, guard = Signer(KEY), ReplayGuard()
    frames = _frames(msg_type, content, count)

    def run() -> None:
        for message in frames:
            decode(message, signer, guard)

    return run


def _parse_theirs(msg_type: str, content: dict[str, Any], count: int) -> Callable[[], None]:
    session = Session(key=KEY)
    frames = _frames(msg_type, content, count)

    def run() -> None:
        for message in frames:
            session.deserialize(session.feed_identities(message)[1])

    return run


def _compare(
    label: str, msg_type: str, content: dict[str, Any], count: int, repeats: int
) -> list[Result]:
    def bind(
        task: Callable[[str, dict[str, Any], int], Callable[[], None]],
    ) -> Callable[[int], Callable[[], None]]:
        return lambda n: task(msg_type, content, n)

    return [
        compare_per_op(
            f"wire: build+sign {label}", bind(_build_ours), bind(_build_theirs), count, repeats
        ),
        compare_per_op(
            f"wire: verify+parse {label}", bind(_parse_ours), bind(_parse_theirs), count, repeats
        ),
    ]


def run(quick: bool) -> list[Result]:
    """Per-message cost against jupyter_client's Session (median of 7 runs of 20,000)."""
    count, repeats = (50, 1) if quick else (20_000, 7)
    return [
        *_compare("execute_request", "execute_request", EXECUTE_REQUEST, count, repeats),
        *_compare("stream (with parent)", "stream", STREAM, count, repeats),
    ]
