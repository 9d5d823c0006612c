"""The Jupyter wire format: a message as a list of ZeroMQ frames, and back.

::

    [identity, ..., b"<IDS|MSG>", signature, header, parent_header, metadata, content,
     buffer, ...]

Routing identities (added by ROUTER sockets) precede the delimiter; the signature
is the hex HMAC of the four JSON frames; binary buffers follow, unsigned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from interlace.errors import MalformedMessage
from interlace.protocol._json import dumps, loads_dict
from interlace.protocol._message import Header, Message, check_version

if TYPE_CHECKING:
    from collections.abc import Sequence

    from interlace.protocol._replay import ReplayGuard
    from interlace.protocol._signing import Signer

__all__ = ["DELIMITER", "decode", "encode", "split_identities", "verify"]

DELIMITER = b"<IDS|MSG>"

_EMPTY = b"{}"
_FRAMES_AFTER_DELIMITER = 5


_last_parent: tuple[Header | None, bytes] = (None, _EMPTY)


def _pack_parent(parent: Header | None) -> bytes:
    """Pack a parent header, reusing the bytes when it is the same header as last time.

    A request's replies and iopub messages (status, stream after stream, ...) all
    carry the very same parent Header object, so packing it once serves them all.
    Headers are immutable, so an identity hit cannot be stale.
    """
    global _last_parent
    if parent is None:
        return _EMPTY
    cached, packed = _last_parent
    if cached is not parent:
        packed = dumps(parent.to_dict())
        _last_parent = (parent, packed)
    return packed


def encode(message: Message, signer: Signer, identities: Sequence[bytes] = ()) -> list[bytes]:
    """Serialize and sign ``message``, prefixed by ``identities`` for a ROUTER socket."""
    parts = [
        dumps(message.header.to_dict()),
        _pack_parent(message.parent_header),
        dumps(message.metadata) if message.metadata else _EMPTY,
        dumps(message.content) if message.content else _EMPTY,
    ]
    return [*identities, DELIMITER, signer.sign(parts), *parts, *message.buffers]


def split_identities(frames: Sequence[bytes]) -> tuple[list[bytes], list[bytes]]:
    """Split routing identities from the message frames at the delimiter."""
    frames = list(frames)
    try:
        cut = frames.index(DELIMITER)
    except ValueError:
        raise MalformedMessage("no <IDS|MSG> delimiter among the frames") from None
    return frames[:cut], frames[cut + 1 :]


def verify(
    frames: Sequence[bytes], signer: Signer, guard: ReplayGuard | None = None
) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """Check frames without parsing them: ``(identities, the four JSON parts, buffers)``.

    For relays that pass messages on as they are (a server to its websockets).
    """
    identities, rest = split_identities(frames)
    if len(rest) < _FRAMES_AFTER_DELIMITER:
        raise MalformedMessage(
            f"{len(rest)} frames after the delimiter; a message needs {_FRAMES_AFTER_DELIMITER}"
        )
    signature, *parts = rest[:_FRAMES_AFTER_DELIMITER]
    signer.verify(signature, parts)
    if guard is not None and signer.enabled:
        guard.check(signature)
    return identities, parts, rest[_FRAMES_AFTER_DELIMITER:]


def decode(
    frames: Sequence[bytes], signer: Signer, guard: ReplayGuard | None = None
) -> tuple[list[bytes], Message]:
    """Verify and parse frames into ``(identities, message)``.

    Raises a ProtocolError subclass for anything that is not a valid, correctly
    signed 5.x message: the caller logs it and goes on with the next message.
    """
    identities, parts, buffers = verify(frames, signer, guard)
    header = Header.from_dict(loads_dict(parts[0], "header"))
    check_version(header)
    parent = loads_dict(parts[1], "parent_header")
    message = Message(
        header=header,
        parent_header=Header.from_dict(parent) if parent else None,
        metadata=loads_dict(parts[2], "metadata"),
        content=loads_dict(parts[3], "content"),
        buffers=buffers,
    )
    return identities, message
