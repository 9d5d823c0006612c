import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from interlace.errors import (
    InvalidSignature,
    MalformedMessage,
    ReplayedMessage,
    UnsupportedVersion,
)
from interlace.protocol import (
    DELIMITER,
    Header,
    Message,
    ReplayGuard,
    Sender,
    Signer,
    decode,
    encode,
    split_identities,
)

KEY = b"0b5a2f3c-5f4e-4c1a-9d1e-3b1c2d3e4f50"
SIGNER = Signer(KEY)
REQUEST_HEADER = Header(
    msg_id="m-1",
    msg_type="execute_request",
    username="ada",
    session="s-1",
    date=datetime(2026, 11, 21, 10, 0, 0, 123456, tzinfo=UTC),
)
GOLDEN_HEADER = (
    b'{"msg_id":"m-1","msg_type":"execute_request","username":"ada","session":"s-1",'
    b'"date":"2026-11-21T10:00:00.123456Z","version":"5.5"}'
)


def golden_message() -> Message:
    return Message(REQUEST_HEADER, content={"code": "print('é')", "silent": False})


def test_encode_matches_the_golden_frames() -> None:
    frames = encode(golden_message(), SIGNER, [b"router-id"])
    parts = [GOLDEN_HEADER, b"{}", b"{}", '{"code":"print(\'é\')","silent":false}'.encode()]
    signature = hmac.new(KEY, b"".join(parts), hashlib.sha256).hexdigest().encode()
    assert frames == [b"router-id", DELIMITER, signature, *parts]


def test_round_trip_keeps_identities_parent_metadata_and_buffers() -> None:
    sender = Sender()
    reply = sender.reply(
        golden_message(), {"status": "ok"}, metadata={"m": 1}, buffers=[b"\x00\xff", b""]
    )
    identities, decoded = decode(encode(reply, SIGNER, [b"a", b"b"]), SIGNER)
    assert identities == [b"a", b"b"]
    assert decoded.header == reply.header
    assert decoded.parent_header == REQUEST_HEADER
    assert (decoded.metadata, decoded.content) == ({"m": 1}, {"status": "ok"})
    assert [bytes(b) for b in decoded.buffers] == [b"\x00\xff", b""]


def test_split_identities_without_delimiter_is_malformed() -> None:
    assert split_identities([b"x", DELIMITER, b"sig"]) == ([b"x"], [b"sig"])
    with pytest.raises(MalformedMessage, match="delimiter"):
        split_identities([b"x", b"y"])


@pytest.mark.parametrize("cut", range(1, 5))
def test_too_few_frames_is_malformed(cut: int) -> None:
    frames = encode(golden_message(), SIGNER)
    with pytest.raises(MalformedMessage, match="frames"):
        decode(frames[: 1 + cut], SIGNER)


def test_tampered_content_is_refused() -> None:
    frames = encode(golden_message(), SIGNER)
    frames[-1] = frames[-1].replace(b"print", b"eval(")
    with pytest.raises(InvalidSignature):
        decode(frames, SIGNER)


def test_replayed_message_is_refused_once_verified() -> None:
    guard = ReplayGuard()
    frames = encode(golden_message(), SIGNER)
    decode(frames, SIGNER, guard)
    with pytest.raises(ReplayedMessage):
        decode(frames, SIGNER, guard)


def test_invalid_signature_does_not_poison_the_replay_guard() -> None:
    guard = ReplayGuard()
    frames = encode(golden_message(), SIGNER)
    forged = [*frames[:-1], b'{"code":"evil"}']
    with pytest.raises(InvalidSignature):
        decode(forged, SIGNER, guard)
    decode(frames, SIGNER, guard)


def test_unsigned_session_accepts_repeats() -> None:
    unsigned = Signer(b"")
    frames = encode(golden_message(), unsigned)
    assert frames[1] == b""
    guard = ReplayGuard()
    decode(frames, unsigned, guard)
    decode(frames, unsigned, guard)


def _signed(parts: list[bytes]) -> list[bytes]:
    return [DELIMITER, SIGNER.sign(parts), *parts]


@pytest.mark.parametrize(
    ("parts", "error", "match"),
    [
        ([b"{", b"{}", b"{}", b"{}"], MalformedMessage, "JSON"),
        ([b"[]", b"{}", b"{}", b"{}"], MalformedMessage, "header is list"),
        ([b'{"msg_id":"x"}', b"{}", b"{}", b"{}"], MalformedMessage, "lacks"),
        ([GOLDEN_HEADER, b"{}", b"{}", b"\xff\xfe"], MalformedMessage, "JSON"),
        ([GOLDEN_HEADER, b"{}", b"null", b"{}"], MalformedMessage, "metadata"),
        ([GOLDEN_HEADER, b'{"msg_id":1}', b"{}", b"{}"], MalformedMessage, "lacks"),
        ([GOLDEN_HEADER.replace(b"5.5", b"4.1"), b"{}", b"{}", b"{}"], UnsupportedVersion, "4.1"),
    ],
)
def test_bad_frames_raise_typed_errors(parts: list[bytes], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        decode(_signed(parts), SIGNER)


def test_lenient_json_from_other_encoders_is_accepted() -> None:
    content = b'{"value": NaN, "big": 123456789012345678901234567890}'
    _, message = decode(_signed([GOLDEN_HEADER, b"{}", b"{}", content]), SIGNER)
    assert message.content["big"] == 123456789012345678901234567890
    assert message.content["value"] != message.content["value"]


def test_content_that_is_not_json_cannot_be_encoded() -> None:
    message = Message(REQUEST_HEADER, content={"x": object()})
    with pytest.raises(MalformedMessage, match="JSON"):
        encode(message, SIGNER)


def test_content_types_json_lacks_are_encoded_as_jupyter_does() -> None:
    message = Message(REQUEST_HEADER, content={"b": b"\x00\x01", "s": {3}, "big": 2**70})
    _, decoded = decode(encode(message, SIGNER), SIGNER)
    assert decoded.content == {"b": "AAE=", "s": [3], "big": 2**70}
