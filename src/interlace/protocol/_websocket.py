"""Kernel messages over a WebSocket, as Jupyter Server frames them. Pure functions.

Two encodings, chosen by the subprotocol the browser asks for:

* ``v1.kernel.websocket.jupyter.org``: one binary frame,
  ``[n][offset_0..offset_n-1][channel][header][parent_header][metadata][content][buffer...]``
  with 8-byte little-endian integers; offset_0 is where the channel starts and
  each next offset where the previous part ends.
* the default (legacy) protocol: a JSON text frame holding the message with its
  ``channel``; a message with buffers becomes a binary frame
  ``[n][offset_0..offset_n-1][json][buffer...]`` with 4-byte big-endian integers.

Messages stay as their four JSON parts, unparsed where possible, so a server
relays them between ZeroMQ and WebSockets without decoding their content.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NamedTuple

from interlace.errors import MalformedMessage
from interlace.protocol._json import dumps, loads_dict

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "V1_SUBPROTOCOL",
    "Frames",
    "decode_json_frame",
    "decode_v1_frame",
    "encode_json_frame",
    "encode_v1_frame",
]

V1_SUBPROTOCOL = "v1.kernel.websocket.jupyter.org"
_PART_NAMES = ("header", "parent_header", "metadata", "content")


class Frames(NamedTuple):
    """A message as its channel, its four JSON parts (bytes) and its binary buffers."""

    channel: str
    parts: Sequence[bytes]
    buffers: Sequence[bytes] = ()


def encode_v1_frame(frames: Frames) -> bytes:
    pieces = [frames.channel.encode("utf-8"), *frames.parts, *frames.buffers]
    return _with_offsets(pieces, _V1, with_end=True)


class _Table(NamedTuple):
    width: int
    order: Literal["little", "big"]


_V1 = _Table(8, "little")
_LEGACY = _Table(4, "big")


def _with_offsets(pieces: list[bytes], table: _Table, with_end: bool) -> bytes:
    """Pieces behind a table of their start offsets (v1 also gives the last one's end)."""
    count = len(pieces) + (1 if with_end else 0)
    offsets = [table.width * (count + 1)]
    for piece in pieces if with_end else pieces[:-1]:
        offsets.append(offsets[-1] + len(piece))
    numbers = (count, *offsets)
    return b"".join([*(n.to_bytes(table.width, table.order) for n in numbers), *pieces])


def decode_v1_frame(data: bytes) -> Frames:
    """Split a v1 binary frame; raises MalformedMessage on a bad offset table."""
    if len(data) < 8:
        raise MalformedMessage("v1 frame shorter than its offset count")
    count = int.from_bytes(data[:8], "little")
    if not 6 <= count <= (len(data) - 8) // 8:
        raise MalformedMessage(f"v1 frame claims {count} offsets")
    offsets = [int.from_bytes(data[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]
    if offsets[0] != 8 * (count + 1) or offsets != sorted(offsets) or offsets[-1] > len(data):
        raise MalformedMessage("v1 frame offsets are out of order or out of range")
    pieces = [data[offsets[i] : offsets[i + 1]] for i in range(count - 1)]
    try:
        channel = pieces[0].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedMessage("v1 frame channel is not UTF-8") from exc
    return Frames(channel, pieces[1:5], pieces[5:])


def encode_json_frame(frames: Frames, msg_id: str, msg_type: str) -> str | bytes:
    """The default protocol's frame, built from the raw JSON parts without parsing them."""
    body = b"".join(
        [
            b'{"header":',
            frames.parts[0],
            b',"parent_header":',
            frames.parts[1],
            b',"metadata":',
            frames.parts[2],
            b',"content":',
            frames.parts[3],
            b',"buffers":[],"channel":',
            dumps(frames.channel),
            b',"msg_id":',
            dumps(msg_id),
            b',"msg_type":',
            dumps(msg_type),
            b"}",
        ]
    )
    if not frames.buffers:
        return body.decode("utf-8")
    return _with_offsets([body, *frames.buffers], _LEGACY, with_end=False)


def decode_json_frame(data: str | bytes) -> Frames:
    """Parse a default-protocol frame (text, or binary with buffers)."""
    buffers: list[bytes] = []
    if isinstance(data, bytes):
        data, buffers = _split_legacy_binary(data)
    message = loads_dict(data.encode("utf-8") if isinstance(data, str) else data, "message")
    channel = message.get("channel")
    if not isinstance(channel, str):
        raise MalformedMessage("a websocket message must name its channel")
    parts = []
    for name in _PART_NAMES:
        part = message.get(name, {})
        if not isinstance(part, dict):
            raise MalformedMessage(f"{name} is not a JSON object")
        parts.append(dumps(part))
    return Frames(channel, parts, buffers)


def _split_legacy_binary(data: bytes) -> tuple[bytes, list[bytes]]:
    if len(data) < 4:
        raise MalformedMessage("binary frame shorter than its buffer count")
    count = int.from_bytes(data[:4], "big")
    if not 1 <= count <= (len(data) - 4) // 4:
        raise MalformedMessage(f"binary frame claims {count} buffers")
    offsets = [int.from_bytes(data[4 * (i + 1) : 4 * (i + 2)], "big") for i in range(count)]
    offsets.append(len(data))
    if offsets[0] != 4 * (count + 1) or offsets != sorted(offsets):
        raise MalformedMessage("binary frame offsets are out of order or out of range")
    pieces = [data[offsets[i] : offsets[i + 1]] for i in range(count)]
    return pieces[0], pieces[1:]
