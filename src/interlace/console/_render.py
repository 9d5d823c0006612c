"""Turning kernel outputs into terminal text: pure functions, no I/O.

Text comes out as it will be printed, ANSI colours included. Rich media a
terminal cannot show become one clear placeholder line naming the type and size.
"""

from __future__ import annotations

import base64
import binascii
import io
import struct
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markdown import Markdown

from interlace.protocol import content_of

if TYPE_CHECKING:
    from interlace.protocol import JSON, Message

__all__ = ["input_prompt", "output_prompt", "render", "render_bundle"]

GREEN, RED, DIM, BOLD, RESET = "\x1b[32m", "\x1b[31m", "\x1b[2m", "\x1b[1m", "\x1b[0m"
SHOWN_AS_TEXT = ("text/markdown", "text/plain")


def input_prompt(count: int | str) -> str:
    return f"In [{count}]: "


def output_prompt(count: int | str | None) -> str:
    return f"{RED}Out[{count if count is not None else ' '}]:{RESET} "


def _size(data: JSON) -> int:
    return len(data.encode("utf-8")) if isinstance(data, str) else len(str(data))


def _human(size: int) -> str:
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def _png_dimensions(data: JSON) -> str:
    if not isinstance(data, str):
        return ""
    try:
        head = base64.b64decode(data[:64], validate=False)
    except (binascii.Error, ValueError):
        return ""
    if head[:8] != b"\x89PNG\r\n\x1a\n" or len(head) < 24:
        return ""
    width, height = struct.unpack(">II", head[16:24])
    return f" {width}x{height}"


def _decoded_size(mime: str, data: JSON) -> int:
    """Binary images travel base64-encoded; their size is that of the image itself."""
    if isinstance(data, str) and mime.startswith("image/") and mime != "image/svg+xml":
        try:
            return len(base64.b64decode(data))
        except (binascii.Error, ValueError):
            pass
    return _size(data)


def placeholder(mime: str, data: JSON) -> str:
    """'[image/png 640x480, 23.4 KiB]': what a terminal shows for media it cannot draw."""
    dimensions = _png_dimensions(data) if mime == "image/png" else ""
    return f"{DIM}[{mime}{dimensions}, {_human(_decoded_size(mime, data))}]{RESET}"


def markdown(text: str, width: int) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=width, force_terminal=True, color_system="standard").print(
        Markdown(text)
    )
    return buffer.getvalue().rstrip("\n")


def render_bundle(data: dict[str, JSON], width: int = 80) -> str:
    """A mime bundle as text: markdown rendered, plain text as is, the rest as placeholders."""
    lines = []
    if isinstance(data.get("text/markdown"), str):
        lines.append(markdown(str(data["text/markdown"]), width))
    elif "text/plain" in data:
        lines.append(str(data["text/plain"]))
    lines.extend(
        placeholder(mime, value) for mime, value in data.items() if mime not in SHOWN_AS_TEXT
    )
    return "\n".join(lines)


def render(message: Message, width: int = 80) -> str | None:
    """How one output message looks in the terminal, or None if it shows nothing."""
    kind = message.msg_type
    if kind == "stream":
        return str(content_of(message, "stream").get("text", ""))
    if kind == "error":
        return _traceback(message)
    if kind == "execute_result":
        result = content_of(message, "execute_result")
        text = _bundle(result.get("data"), width)
        if text is None:
            return None
        separator = "\n" if "\n" in text else ""
        return f"{output_prompt(result.get('execution_count'))}{separator}{text}\n"
    if kind in ("display_data", "update_display_data"):
        text = _bundle(content_of(message, "display_data").get("data"), width)
        return None if text is None else f"{text}\n"
    return None


def _traceback(message: Message) -> str:
    error = content_of(message, "error")
    fallback = f"{error.get('ename')}: {error.get('evalue')}"
    traceback = error.get("traceback") or [fallback]
    return "\n".join(str(line) for line in traceback) + "\n"


def _bundle(data: JSON, width: int) -> str | None:
    """A mime bundle's text; None if a peer sent something else."""
    return render_bundle(data, width) if isinstance(data, dict) else None
