"""The shell channel's handler table: one method per request type, run on the main thread.

Each handler takes the request and returns the reply content, or None when the
message has no reply (comm messages). Content is read strictly: a request whose
content has the wrong shape raises, and the kernel answers with an error reply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from IPython.core.completer import provisionalcompleter, rectify_completions
from IPython.utils.tokenutil import token_at_cursor

from interlace.kernel._comm import message_dict
from interlace.protocol import content_of

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from comm.base_comm import CommManager

    from interlace.kernel._shell import ZMQInteractiveShell
    from interlace.protocol import (
        JSON,
        CommInfo,
        CommInfoReplyContent,
        CompleteReplyContent,
        HistoryReplyContent,
        HistoryRequestContent,
        InspectReplyContent,
        IsCompleteReplyContent,
        KernelInfoReplyContent,
        Message,
    )

__all__ = ["Handler", "ShellHandlers"]

Handler: TypeAlias = "Callable[[Message], Mapping[str, JSON] | None]"
"""Takes a request, returns its reply's content (None: the message has no reply)."""


def _text(content: Mapping[str, object], name: str, default: str | None = None) -> str:
    value = content.get(name, default)
    if not isinstance(value, str):
        raise TypeError(f"{name!r} must be a string")
    return value


def _int(content: Mapping[str, object], name: str, default: int | None = None) -> int:
    value = content.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name!r} must be an integer")
    return value


class ShellHandlers:
    """Handlers for everything on the shell channel except execute_request."""

    def __init__(
        self,
        shell: ZMQInteractiveShell,
        comms: CommManager,
        info: Callable[[], KernelInfoReplyContent],
    ) -> None:
        self.shell = shell
        self.comms = comms
        self.info = info

    def table(self) -> dict[str, Handler]:
        return {
            "kernel_info_request": lambda _request: self.info(),
            "complete_request": self.complete,
            "inspect_request": self.inspect,
            "history_request": self.history,
            "is_complete_request": self.is_complete,
            "comm_info_request": self.comm_info,
            "comm_open": self.comm("comm_open"),
            "comm_msg": self.comm("comm_msg"),
            "comm_close": self.comm("comm_close"),
        }

    def complete(self, request: Message) -> CompleteReplyContent:
        content = content_of(request, "complete_request")
        code = _text(content, "code")
        cursor = len(code) if content.get("cursor_pos") is None else _int(content, "cursor_pos")
        with provisionalcompleter():
            found = self.shell.Completer.completions(code, cursor)
            completions = list(rectify_completions(code, found))
        start = completions[0].start if completions else cursor
        end = completions[0].end if completions else cursor
        types = [
            {
                "start": c.start,
                "end": c.end,
                "text": c.text,
                "type": c.type,
                "signature": c.signature,
            }
            for c in completions
        ]
        return {
            "status": "ok",
            "matches": [c.text for c in completions],
            "cursor_start": start,
            "cursor_end": end,
            "metadata": {"_jupyter_types_experimental": types},
        }

    def inspect(self, request: Message) -> InspectReplyContent:
        content = content_of(request, "inspect_request")
        code = _text(content, "code")
        cursor = _int(content, "cursor_pos", len(code))
        detail = _int(content, "detail_level", 0)
        name = token_at_cursor(code, cursor)
        try:
            bundle = self.shell.object_inspect_mime(name, detail_level=detail)
        except KeyError:
            return {"status": "ok", "found": False, "data": {}, "metadata": {}}
        bundle.pop("text/html", None)
        return {"status": "ok", "found": True, "data": bundle, "metadata": {}}

    def history(self, request: Message) -> HistoryReplyContent:
        content = content_of(request, "history_request")
        manager = self.shell.history
        raw = bool(content.get("raw", True))
        output = bool(content.get("output", False))
        kind = _text(content, "hist_access_type")
        entries: list[tuple[int, int, JSON]]
        if kind == "tail":
            n = _int(content, "n", 10)
            entries = list(manager.get_tail(n, raw=raw, output=output, include_latest=True))
        elif kind == "range":
            entries = self._history_range(content, raw, output)
        elif kind == "search":
            pattern = _text(content, "pattern")
            limit = content.get("n")
            unique = bool(content.get("unique", False))
            found = manager.search(pattern, raw=raw, output=output, n=limit, unique=unique)
            entries = list(found)
        else:
            raise ValueError(f"hist_access_type {kind!r} is none of tail, range, search")
        return {"status": "ok", "history": [list(entry) for entry in entries]}

    def _history_range(
        self, content: HistoryRequestContent, raw: bool, output: bool
    ) -> list[tuple[int, int, JSON]]:
        """Sessions by their real numbers, 0 or negative counting back from this one.

        IPython answers for the current session only under the number 0; clients
        that echo the number a ``tail`` gave them must get the same rows back.
        """
        manager = self.shell.history
        current = manager.session_number
        session = _int(content, "session", 0)
        number = current + session if session <= 0 else session
        start, stop = _int(content, "start", 0), content.get("stop")
        query = 0 if number == current else number
        rows = manager.get_range(query, start, stop, raw=raw, output=output)
        return [(number, line, entry) for _, line, entry in rows]

    def is_complete(self, request: Message) -> IsCompleteReplyContent:
        code = _text(content_of(request, "is_complete_request"), "code")
        status, indent = self.shell.input_transformer_manager.check_complete(code)
        reply: IsCompleteReplyContent = {"status": status}
        if status == "incomplete":
            reply["indent"] = " " * (indent or 0)
        return reply

    def comm_info(self, request: Message) -> CommInfoReplyContent:
        target = content_of(request, "comm_info_request").get("target_name")
        comms: dict[str, CommInfo] = {
            comm_id: {"target_name": comm.target_name}
            for comm_id, comm in self.comms.comms.items()
            if target is None or comm.target_name == target
        }
        return {"status": "ok", "comms": comms}

    def comm(self, kind: str) -> Callable[[Message], None]:
        method = getattr(self.comms, kind)

        def handle(message: Message) -> None:
            _text(message.content, "comm_id")
            method(None, None, message_dict(message))

        return handle
