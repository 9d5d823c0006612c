"""The kernel-websocket codecs: both Jupyter encodings, round trips, malformed frames."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interlace.errors import MalformedMessage, ProtocolError
from interlace.protocol import (
    Frames,
    decode_json_frame,
    decode_v1_frame,
    encode_json_frame,
    encode_v1_frame,
)

PARTS = [b'{"msg_id":"m","msg_type":"comm_msg"}', b"{}", b'{"k":1}', b'{"data":{}}']


def test_v1_round_trip_with_buffers() -> None:
    frames = Frames("iopub", PARTS, [b"\x00\x01", b""])
    decoded = decode_v1_frame(encode_v1_frame(frames))
    assert decoded.channel == "iopub"
    assert list(decoded.parts) == PARTS
    assert list(decoded.buffers) == [b"\x00\x01", b""]


def test_v1_layout_is_jupyters() -> None:
    data = encode_v1_frame(Frames("shell", [b"{}", b"{}", b"{}", b"{}"]))
    count = int.from_bytes(data[:8], "little")
    offsets = [int.from_bytes(data[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]
    assert count == 6
    assert offsets == [56, 61, 63, 65, 67, 69]
    assert data[56:61] == b"shell"


def test_json_text_without_buffers_and_binary_with_them() -> None:
    text = encode_json_frame(Frames("shell", PARTS), "m", "comm_msg")
    assert isinstance(text, str)
    message = json.loads(text)
    assert message["channel"] == "shell"
    assert message["metadata"] == {"k": 1}
    assert (message["msg_id"], message["msg_type"]) == ("m", "comm_msg")
    binary = encode_json_frame(Frames("iopub", PARTS, [b"abc"]), "m", "comm_msg")
    assert isinstance(binary, bytes)
    decoded = decode_json_frame(binary)
    assert decoded.channel == "iopub"
    assert list(decoded.buffers) == [b"abc"]
    assert json.loads(decoded.parts[3]) == {"data": {}}


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x01" * 7,
        (99).to_bytes(8, "little") + b"\x00" * 16,
        (6).to_bytes(8, "little") + (1).to_bytes(8, "little") * 6,
    ],
)
def test_malformed_v1_frames_are_refused(data: bytes) -> None:
    with pytest.raises(MalformedMessage):
        decode_v1_frame(data)


@pytest.mark.parametrize(
    "data", ["{", "[]", '{"header": {}}', '{"channel": "shell", "content": 3}', b"\x00\x00\x00\x09"]
)
def test_malformed_json_frames_are_refused(data: str | bytes) -> None:
    with pytest.raises(MalformedMessage):
        decode_json_frame(data)


@given(st.binary(max_size=200))
def test_random_bytes_never_crash_either_decoder(data: bytes) -> None:
    for decode in (decode_v1_frame, decode_json_frame):
        with contextlib.suppress(ProtocolError):
            decode(data)


def test_a_frame_nested_too_deeply_is_malformed_not_a_crash() -> None:
    deep = '{"channel": "shell", "content": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(MalformedMessage):
        decode_json_frame(deep)
