"""The message model of the Jupyter messaging protocol, independent of any transport.

A message is a header, the header of the message it answers (its parent), free-form
metadata, the content whose shape the ``msg_type`` defines, and binary buffers.
Headers are typed; content stays plain JSON because its shape depends on the type.
"""

from __future__ import annotations

import getpass
import itertools
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from interlace.errors import MalformedMessage, UnsupportedVersion
from interlace.protocol._json import loads_dict

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from interlace.protocol._json import JSON, JSONDict

__all__ = [
    "NOTHING",
    "PROTOCOL_VERSION",
    "Header",
    "Message",
    "Sender",
    "check_version",
    "new_id",
]

PROTOCOL_VERSION = "5.5"
"""The version we emit; any 5.x is accepted."""

NOTHING: Mapping[str, JSON] = MappingProxyType({})
"""The shared empty mapping: default metadata, content and extra header fields."""

_HEADER_FIELDS = ("msg_id", "msg_type", "username", "session", "date", "version")


_process_id = str(os.getpid())


def _note_fork() -> None:
    global _process_id
    _process_id = str(os.getpid())


os.register_at_fork(after_in_child=_note_fork)


def new_id() -> str:
    """A fresh random identifier for sessions and kernels (a UUID4 string)."""
    return str(uuid.uuid4())


def _default_username() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "username"


def _parse_date(value: JSON) -> datetime:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise MalformedMessage(f"header date is {type(value).__name__}, not a string")
    try:
        date = datetime.fromisoformat(value)
    except ValueError as exc:
        raise MalformedMessage(f"header date {value!r} is not ISO 8601") from exc
    return date if date.tzinfo is not None else date.replace(tzinfo=UTC)


class Header(NamedTuple):
    """A message header. Fields the spec does not define yet are kept in ``extra``.

    Headers and messages are named tuples rather than frozen dataclasses: just as
    immutable, and built four times faster, which counts on every message's path.
    """

    msg_id: str
    msg_type: str
    username: str
    session: str
    date: datetime
    version: str = PROTOCOL_VERSION
    extra: Mapping[str, JSON] = NOTHING

    def to_dict(self) -> JSONDict:
        """The header as it goes on the wire (datetimes are encoded by the JSON layer)."""
        data: JSONDict = {
            "msg_id": self.msg_id,
            "msg_type": self.msg_type,
            "username": self.username,
            "session": self.session,
            "date": self.date,
            "version": self.version,
        }
        if self.extra is not NOTHING:
            data.update(self.extra)
        return data

    @classmethod
    def from_json(cls, data: bytes) -> Header:
        """Parse a header frame; raises MalformedMessage."""
        return cls.from_dict(loads_dict(data, "header"))

    @classmethod
    def from_dict(cls, data: Mapping[str, JSON]) -> Header:
        """Build a header from its wire dict; raises MalformedMessage if a field is missing."""
        try:
            values = [data[name] for name in _HEADER_FIELDS]
        except KeyError as exc:
            raise MalformedMessage(f"header lacks the field {exc.args[0]!r}") from None
        msg_id, msg_type, username, session, date, version = values
        for name, value in zip(_HEADER_FIELDS, values, strict=True):
            if name != "date" and not isinstance(value, str):
                raise MalformedMessage(f"header field {name!r} is not a string")
        extra = NOTHING
        if len(data) > len(_HEADER_FIELDS):
            extra = MappingProxyType({k: v for k, v in data.items() if k not in _HEADER_FIELDS})
        return cls(msg_id, msg_type, username, session, _parse_date(date), version, extra)


def check_version(header: Header) -> None:
    """Accept any 5.x protocol version; raise UnsupportedVersion otherwise."""
    major, _, _ = header.version.partition(".")
    if major != "5":
        raise UnsupportedVersion(
            f"{header.msg_type} speaks protocol {header.version!r}; interlace speaks 5.x"
        )


class Message(NamedTuple):
    """One Jupyter message, without the routing identities of the socket it came on."""

    header: Header
    parent_header: Header | None = None
    metadata: Mapping[str, JSON] = NOTHING
    content: Mapping[str, JSON] = NOTHING
    buffers: Sequence[bytes] = ()

    @property
    def msg_type(self) -> str:
        return self.header.msg_type

    @property
    def msg_id(self) -> str:
        return self.header.msg_id

    @property
    def parent_id(self) -> str | None:
        """The msg_id of the request this message belongs to, if any."""
        return self.parent_header.msg_id if self.parent_header is not None else None


_new_tuple = tuple.__new__
"""Builds a named tuple from all its fields, skipping the keyword-parsing ``__new__``
that namedtuple generates: Sender does this for every message it sends."""


@dataclass(slots=True)
class Sender:
    """Who sends messages: stamps the session id and user name into each new header.

    Message ids are the session id, process id and a counter, as jupyter_client
    makes them: unique, ordered within a session, and cheaper than a UUID apiece.
    """

    session: str = field(default_factory=new_id)
    username: str = field(default_factory=_default_username)
    _counter: itertools.count[int] = field(
        default_factory=itertools.count, init=False, repr=False, compare=False
    )

    def header(self, msg_type: str) -> Header:
        """A new header of this sender for a message of ``msg_type``."""
        msg_id = f"{self.session}_{_process_id}_{next(self._counter)}"
        date = datetime.now(UTC)
        fields = (msg_id, msg_type, self.username, self.session, date, PROTOCOL_VERSION, NOTHING)
        return _new_tuple(Header, fields)

    def message(
        self,
        msg_type: str,
        content: Mapping[str, JSON] = NOTHING,
        *,
        parent: Message | None = None,
        metadata: Mapping[str, JSON] = NOTHING,
        buffers: Sequence[bytes] = (),
    ) -> Message:
        """A new message; with ``parent`` it belongs to that request (iopub, replies)."""
        parent_header = parent.header if parent is not None else None
        fields = (self.header(msg_type), parent_header, metadata, content, buffers)
        return _new_tuple(Message, fields)

    def reply(
        self,
        request: Message,
        content: Mapping[str, JSON],
        *,
        metadata: Mapping[str, JSON] = NOTHING,
        buffers: Sequence[bytes] = (),
    ) -> Message:
        """The ``*_reply`` to a ``*_request``, with the request's header as parent."""
        if not request.msg_type.endswith("_request"):
            raise ValueError(f"{request.msg_type!r} is not a request; it has no reply type")
        msg_type = request.msg_type.removesuffix("_request") + "_reply"
        return self.message(msg_type, content, parent=request, metadata=metadata, buffers=buffers)
