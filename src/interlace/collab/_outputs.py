"""iopub messages as nbformat outputs: pure functions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from interlace.protocol import JSONDict, Message

__all__ = ["as_output"]


def as_output(message: Message) -> JSONDict | None:
    """The nbformat output for an iopub message, or None if it is not one."""
    content, kind = message.content, message.msg_type
    if kind == "stream":
        return {
            "output_type": "stream",
            "name": content.get("name", "stdout"),
            "text": str(content.get("text", "")),
        }
    if kind in ("display_data", "update_display_data"):
        output: JSONDict = {
            "output_type": "display_data",
            "data": dict(content.get("data") or {}),
            "metadata": dict(content.get("metadata") or {}),
        }
        if content.get("transient"):
            output["transient"] = dict(content["transient"])
        return output
    if kind == "execute_result":
        return {
            "output_type": "execute_result",
            "data": dict(content.get("data") or {}),
            "metadata": dict(content.get("metadata") or {}),
            "execution_count": content.get("execution_count"),
        }
    if kind == "error":
        return {
            "output_type": "error",
            "ename": str(content.get("ename", "")),
            "evalue": str(content.get("evalue", "")),
            "traceback": [str(line) for line in content.get("traceback") or []],
        }
    return None
