"""Requests as the kernel reads them: verified like every message, parsed leniently.

A request is checked as strictly as any message (frames, HMAC, replays, a 5.x
version), but two header faults that ipykernel lets pass are served here too, with
one log line each instead of a silent drop that would leave the client waiting
forever: a ``date`` that is missing, empty or not ISO 8601 (hand-written clients
send such), which is then taken as the time of arrival; and a parent header that
is not a header (a request has no use for its parent), which is then dropped.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from interlace.errors import MalformedMessage, UnsupportedVersion
from interlace.protocol import Header, Message, loads_dict, verify

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from interlace.protocol import JSON, ReplayGuard, Signer

__all__ = ["decode_request"]

log = logging.getLogger("interlace.kernel")


def decode_request(
    frames: Sequence[bytes], signer: Signer, guard: ReplayGuard
) -> tuple[list[bytes], Message]:
    """``(identities, message)``; raises a ProtocolError for what cannot be served."""
    identities, parts, buffers = verify(frames, signer, guard)
    header = _header(loads_dict(parts[0], "header"))
    if header.version.partition(".")[0] != "5":
        raise UnsupportedVersion(f"{header.msg_type} speaks protocol {header.version!r}, not 5.x")
    message = Message(
        header=header,
        parent_header=_parent(loads_dict(parts[1], "parent_header"), header),
        metadata=loads_dict(parts[2], "metadata"),
        content=loads_dict(parts[3], "content"),
        buffers=buffers,
    )
    return identities, message


def _header(data: Mapping[str, JSON]) -> Header:
    try:
        return Header.from_dict(data)
    except MalformedMessage:
        if _usable_date(data.get("date")):
            raise
    header = Header.from_dict({**data, "date": datetime.now(UTC)})
    log.warning(
        "%s %s has no usable header date (%r): served, dated on arrival",
        header.msg_type,
        header.msg_id,
        data.get("date"),
    )
    return header


def _usable_date(value: JSON) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _parent(data: Mapping[str, JSON], header: Header) -> Header | None:
    if not data:
        return None
    try:
        return Header.from_dict(data)
    except MalformedMessage as exc:
        log.warning("%s %s: ignored its parent header (%s)", header.msg_type, header.msg_id, exc)
        return None
