"""Property tests: any frames decode to a message or a ProtocolError, never a crash."""

import contextlib
from datetime import UTC

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interlace.errors import ProtocolError
from interlace.protocol import DELIMITER, Header, Message, ReplayGuard, Signer, decode, encode

SIGNER = Signer(b"fuzz-key")
UNSIGNED = Signer(b"")

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)
json_objects = st.dictionaries(st.text(), json_values, max_size=5)

headers = st.builds(
    Header,
    msg_id=st.text(min_size=1),
    msg_type=st.sampled_from(["execute_request", "stream", "comm_msg", "some_future_type"]),
    username=st.text(),
    session=st.text(),
    date=st.datetimes(timezones=st.just(UTC)),
    version=st.sampled_from(["5.0", "5.3", "5.5"]),
)
messages = st.builds(
    Message,
    header=headers,
    parent_header=st.none() | headers,
    metadata=json_objects,
    content=json_objects,
    buffers=st.lists(st.binary(max_size=64), max_size=3),
)
frames = st.lists(st.binary(max_size=80), max_size=10)


@given(messages, st.lists(st.binary(min_size=1, max_size=16).filter(lambda b: b != DELIMITER)))
def test_encode_then_decode_is_identity(message: Message, identities: list[bytes]) -> None:
    got_identities, decoded = decode(encode(message, SIGNER, identities), SIGNER)
    assert got_identities == identities
    assert decoded.header == message.header
    assert decoded.parent_header == message.parent_header
    assert decoded.metadata == message.metadata
    assert decoded.content == message.content
    assert list(decoded.buffers) == list(message.buffers)


@given(frames)
def test_random_frames_never_crash_the_decoder(random: list[bytes]) -> None:
    for signer in (SIGNER, UNSIGNED):
        with contextlib.suppress(ProtocolError):
            decode(random, signer, ReplayGuard())


@given(st.lists(st.binary(max_size=80), min_size=4, max_size=4))
def test_random_json_frames_on_an_unsigned_session_never_crash(parts: list[bytes]) -> None:
    with contextlib.suppress(ProtocolError):
        decode([DELIMITER, b"", *parts], UNSIGNED)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(messages, st.data())
def test_mutating_a_signed_message_is_detected(message: Message, data: st.DataObject) -> None:
    original = encode(message, SIGNER)
    index = data.draw(st.integers(min_value=1, max_value=5), label="frame")
    frame = original[index]
    position = data.draw(st.integers(min_value=0, max_value=max(len(frame) - 1, 0)))
    flipped = bytes([frame[position] ^ 0x01]) if frame else b"x"
    mutated = [*original]
    mutated[index] = frame[:position] + flipped + frame[position + 1 :]
    try:
        decode(mutated, SIGNER)
    except ProtocolError:
        return
    raise AssertionError("a mutated signed message was accepted")
