from datetime import UTC, datetime, timedelta, timezone

import pytest

from interlace.errors import MalformedMessage, UnsupportedVersion
from interlace.protocol import PROTOCOL_VERSION, Header, Message, Sender
from interlace.protocol._message import check_version

WIRE_HEADER = {
    "msg_id": "abc",
    "msg_type": "execute_request",
    "username": "ada",
    "session": "s1",
    "date": "2026-11-21T10:00:00.123456Z",
    "version": "5.3",
}


def test_sender_stamps_session_username_and_current_utc_date() -> None:
    sender = Sender(session="s1", username="ada")
    before = datetime.now(UTC)
    header = sender.header("kernel_info_request")
    assert (header.session, header.username, header.msg_type) == (
        "s1",
        "ada",
        "kernel_info_request",
    )
    assert header.version == PROTOCOL_VERSION == "5.5"
    assert header.date.tzinfo is not None
    assert before <= header.date <= datetime.now(UTC)


def test_message_ids_are_unique_within_a_session() -> None:
    sender = Sender()
    ids = {sender.header("status").msg_id for _ in range(1000)}
    assert len(ids) == 1000
    assert all(i.startswith(sender.session) for i in ids)


def test_reply_copies_the_request_header_as_parent() -> None:
    client, kernel = Sender(username="client"), Sender(username="kernel")
    request = client.message("execute_request", {"code": "1"})
    reply = kernel.reply(request, {"status": "ok"}, metadata={"started": "now"})
    assert reply.msg_type == "execute_reply"
    assert reply.parent_header == request.header
    assert reply.parent_id == request.msg_id
    assert reply.header.session == kernel.session
    assert reply.metadata == {"started": "now"}


def test_reply_refuses_a_parent_that_is_not_a_request() -> None:
    sender = Sender()
    with pytest.raises(ValueError, match="not a request"):
        sender.reply(sender.message("stream"), {})


def test_iopub_message_belongs_to_its_request() -> None:
    sender = Sender()
    request = sender.message("execute_request")
    status = sender.message("status", {"execution_state": "busy"}, parent=request)
    assert status.parent_id == request.msg_id
    assert Message(sender.header("x")).parent_id is None


def test_header_from_wire_dict_parses_date_and_keeps_unknown_fields() -> None:
    header = Header.from_dict({**WIRE_HEADER, "subshell_id": None, "future": [1]})
    assert header.date == datetime(2026, 11, 21, 10, 0, 0, 123456, tzinfo=UTC)
    assert header.extra == {"subshell_id": None, "future": [1]}
    assert header.to_dict()["future"] == [1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-21T10:00:00Z", datetime(2026, 11, 21, 10, tzinfo=UTC)),
        ("2026-11-21T10:00:00.5+02:00", datetime(2026, 11, 21, 8, 0, 0, 500000, tzinfo=UTC)),
        ("2026-11-21T10:00:00.123", datetime(2026, 11, 21, 10, 0, 0, 123000, tzinfo=UTC)),
    ],
)
def test_header_dates_in_any_iso_8601_form_become_aware(text: str, expected: datetime) -> None:
    date = Header.from_dict({**WIRE_HEADER, "date": text}).date
    assert date == expected
    assert date.utcoffset() is not None


def test_non_utc_offsets_are_kept() -> None:
    date = Header.from_dict({**WIRE_HEADER, "date": "2026-11-21T10:00:00-05:00"}).date
    assert date.tzinfo == timezone(timedelta(hours=-5))


@pytest.mark.parametrize("missing", sorted(WIRE_HEADER))
def test_header_missing_a_field_is_malformed(missing: str) -> None:
    data = {k: v for k, v in WIRE_HEADER.items() if k != missing}
    with pytest.raises(MalformedMessage, match=missing):
        Header.from_dict(data)


@pytest.mark.parametrize(
    ("field", "value"), [("msg_id", 3), ("session", None), ("date", "yesterday"), ("date", 5)]
)
def test_header_field_of_wrong_type_is_malformed(field: str, value: object) -> None:
    with pytest.raises(MalformedMessage):
        Header.from_dict({**WIRE_HEADER, field: value})


@pytest.mark.parametrize("version", ["5.0", "5.3", "5.5", "5.6", "5.99"])
def test_any_5x_version_is_accepted(version: str) -> None:
    check_version(Header.from_dict({**WIRE_HEADER, "version": version}))


@pytest.mark.parametrize("version", ["4.1", "6.0", "", "five"])
def test_other_versions_are_refused(version: str) -> None:
    with pytest.raises(UnsupportedVersion, match=r"5\.x"):
        check_version(Header.from_dict({**WIRE_HEADER, "version": version}))
