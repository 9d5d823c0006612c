"""JSON for message frames: orjson on the hot path, the standard library as a fallback.

orjson is several times faster than ``json`` but refuses a few things that
Jupyter peers may legitimately send or that user content may hold (integers
beyond 64 bits, ``NaN`` written by a lenient encoder). Those rare cases fall
back to the standard library, so speed never costs compatibility.
"""

from __future__ import annotations

import base64
import datetime
import json
import numbers
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from interlace.errors import MalformedMessage

__all__ = ["JSON", "JSONDict", "dumps", "loads", "loads_dict"]

JSON = Any
"""Any value that JSON can carry; message content is untyped at this layer."""

JSONDict = dict[str, JSON]

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC | orjson.OPT_SERIALIZE_NUMPY


def _default(obj: object) -> JSON:
    """Encode what orjson does not know, the way jupyter_client's json_default does."""
    if isinstance(obj, bytes | bytearray | memoryview):
        return base64.b64encode(obj).decode("ascii")
    if isinstance(obj, Mapping):
        return dict(obj)
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, numbers.Real):
        return float(obj)
    if isinstance(obj, Iterable):
        return list(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def _stdlib_default(obj: object) -> JSON:
    if isinstance(obj, datetime.datetime):
        if obj.tzinfo is None:
            obj = obj.replace(tzinfo=datetime.UTC)
        return obj.isoformat().replace("+00:00", "Z")
    if isinstance(obj, datetime.date):
        return obj.isoformat()
    return _default(obj)


def dumps(obj: JSON) -> bytes:
    """Serialize to compact UTF-8 JSON; datetimes become ISO 8601 with a timezone."""
    try:
        return orjson.dumps(obj, default=_default, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError, e.g. an integer beyond 64 bits
        pass
    try:
        text = json.dumps(
            obj,
            default=_stdlib_default,
            ensure_ascii=False,
            allow_nan=False,
            separators=(",", ":"),
        )
        return text.encode("utf-8", errors="surrogateescape")
    except (TypeError, ValueError, UnicodeError) as exc:
        raise MalformedMessage(f"cannot encode as JSON: {exc}") from exc


def loads(data: bytes | bytearray | memoryview | str) -> JSON:
    """Parse JSON, accepting what any Jupyter peer's encoder may emit."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(bytes(data) if isinstance(data, memoryview) else data)
    except (ValueError, UnicodeError, RecursionError) as exc:
        raise MalformedMessage(f"invalid JSON: {exc}") from exc


def loads_dict(data: bytes | bytearray | memoryview, what: str) -> JSONDict:
    """Parse a frame that must hold a JSON object (header, metadata, content)."""
    value = loads(data)
    if not isinstance(value, dict):
        raise MalformedMessage(f"{what} is {type(value).__name__}, not a JSON object")
    return value
