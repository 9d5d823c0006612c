"""Recorded sessions as files, and their playback as text a terminal shows in time.

A kernel session (``interlace record``) is JSON lines: a header, then every
iopub message from every client with the moment it arrived. A notebook's
exported recording (see ``Recordings.export``) plays back the same way: who
did what, when. Both are plain text, so they can be kept, mailed and diffed.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any, TextIO

from interlace.errors import RecordingError
from interlace.record._notebooks import EXPORT_FORMAT

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from interlace.protocol import Message

__all__ = ["SESSION_FORMAT", "SessionWriter", "play", "read_recording"]

SESSION_FORMAT = "interlace-session"
IDLE_GAP = 1.0
"""With idle gaps skipped, a pause longer than this plays as ``SKIPPED_GAP``."""
SKIPPED_GAP = 0.5


class SessionWriter:
    """Writes one kernel session: what every client sent to the kernel and what it answered."""

    def __init__(self, file: TextIO, kernel: str) -> None:
        self.file = file
        self.count = 0
        header = {"format": SESSION_FORMAT, "version": 1, "kernel": kernel, "started": time.time()}
        self._line(header)

    def _line(self, value: dict[str, Any]) -> None:
        self.file.write(json.dumps(value, separators=(",", ":"), default=str) + "\n")
        self.file.flush()

    def write(self, message: Message, at: float | None = None) -> None:
        """Keep one iopub message, with the client (session) whose request caused it."""
        parent = message.parent_header
        self._line(
            {
                "at": time.time() if at is None else at,
                "msg_type": message.msg_type,
                "client": parent.session if parent is not None else "",
                "parent": parent.msg_id if parent is not None else "",
                "content": message.content,
            }
        )
        self.count += 1


def read_recording(lines: Iterable[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A session file or an exported notebook recording: its header and entries."""
    rows = iter(lines)
    try:
        header = json.loads(next(rows))
        if not isinstance(header, dict) or header.get("format") not in (
            SESSION_FORMAT,
            EXPORT_FORMAT,
        ):
            raise RecordingError("not an interlace recording (no header)")
        entries = [json.loads(row) for row in rows if row.strip()]
    except (StopIteration, ValueError) as exc:
        raise RecordingError(f"the recording cannot be read: {exc}") from exc
    if header["format"] == EXPORT_FORMAT:
        entries = [entry for entry in entries if "seq" in entry]
    return header, entries


def _bundle_text(data: dict[str, Any]) -> str:
    if "text/plain" in data:
        text = data["text/plain"]
        return "".join(text) if isinstance(text, list) else str(text)
    return " ".join(f"[{mime}]" for mime in data)


def _session_text(entry: dict[str, Any], clients: dict[str, int]) -> str | None:
    kind, content = entry.get("msg_type"), entry.get("content") or {}
    if kind == "execute_input":
        client = clients.setdefault(str(entry.get("client", "")), len(clients) + 1)
        code = str(content.get("code", "")).rstrip("\n").replace("\n", "\n   ...: ")
        return f"[client {client}] In [{content.get('execution_count')}]: {code}\n"
    if kind == "stream":
        return str(content.get("text", ""))
    if kind == "execute_result":
        return f"Out[{content.get('execution_count')}]: {_bundle_text(content.get('data', {}))}\n"
    if kind == "display_data":
        return _bundle_text(content.get("data", {})) + "\n"
    if kind == "error":
        return "\n".join(content.get("traceback") or [f"{content.get('ename')}"]) + "\n"
    return None


def _notebook_text(entry: dict[str, Any]) -> str | None:
    kind, actor, data = entry.get("kind"), entry.get("actor", ""), entry.get("data") or {}
    moment = time.strftime("%H:%M:%S", time.localtime(float(entry.get("at", 0))))
    if kind in ("edit", "output"):
        return None
    detail = {
        "queued": f"queued {', '.join(data.get('cells', []))}",
        "started": f"ran {data.get('cell_id')}",
        "finished": (
            f"finished {data.get('cell_id')}: {data.get('status')}"
            f" [{data.get('execution_count')}] in {data.get('seconds')} s"
        ),
    }.get(str(kind), str(kind))
    return f"{moment} {actor} {detail}\n"


def play(
    header: dict[str, Any], entries: list[dict[str, Any]], skip_idle: bool = False
) -> Iterator[tuple[float, str]]:
    """(seconds to wait, text to show) for each entry, in order, as it happened."""
    clients: dict[str, int] = {}
    previous: float | None = None
    for entry in entries:
        if header["format"] == SESSION_FORMAT:
            text = _session_text(entry, clients)
        else:
            text = _notebook_text(entry)
        if text is None:
            continue
        at = float(entry.get("at", 0))
        wait = 0.0 if previous is None else max(0.0, at - previous)
        if skip_idle and wait > IDLE_GAP:
            wait = SKIPPED_GAP
        previous = at
        yield wait, text
