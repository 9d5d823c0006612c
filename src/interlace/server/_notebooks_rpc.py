"""JSON-RPC methods for server-owned notebooks: the notebook service's commands.

``notebook_execute(path, cells=None, all=False, below=None, who="rpc")`` queues
cells and answers the ids it queued; ``notebook_interrupt``,
``notebook_restart`` and ``notebook_save`` take ``path`` (and ``who``);
``notebook_resolve(path, keep, who="rpc")`` ends a conflict with the file
changed on disk, keeping ``"file"`` or ``"shared"``. They go
through the same command path as the page's websocket and REST, and are
attributed to ``who`` in the notebook's history. A refused command is the
application error ``NOTEBOOK_REFUSED`` with the reason as its message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from interlace.errors import NotebookError
from interlace.notebooks import parse_command
from interlace.rpc import RpcError

if TYPE_CHECKING:
    from interlace.notebooks import Action, CommandReply, NotebookService
    from interlace.protocol import JSONDict
    from interlace.rpc._protocol import Method

__all__ = ["NOTEBOOK_REFUSED", "notebook_methods"]

NOTEBOOK_REFUSED = -32010
"""A notebook command that cannot be carried out (no such notebook or cell, say)."""


def notebook_methods(service: NotebookService) -> dict[str, Method]:
    """The ``notebook_*`` methods over ``service``."""

    async def command(path: Any, action: Action, body: dict[str, Any]) -> CommandReply:
        if not isinstance(path, str):
            raise RpcError(NOTEBOOK_REFUSED, "path must be a string")
        try:
            return await service.command(path, parse_command(body, who="rpc", action=action))
        except NotebookError as exc:
            raise RpcError(NOTEBOOK_REFUSED, str(exc)) from exc

    async def notebook_execute(
        path: str,
        cells: list[str] | None = None,
        all: bool = False,
        below: str | None = None,
        stale: bool = False,
        who: str = "rpc",
    ) -> list[str]:
        body = {"cells": cells, "all": all, "below": below, "stale": stale, "who": who}
        return (await command(path, "execute", body)).get("queued", [])

    def simple(action: Action) -> Method:
        async def method(path: str, who: str = "rpc") -> bool:
            await command(path, action, {"who": who})
            return True

        return method

    async def notebook_resolve(path: str, keep: str, who: str = "rpc") -> CommandReply:
        return await command(path, "resolve", {"keep": keep, "who": who})

    async def notebook_change_kernel(path: str, kernel_name: str, who: str = "rpc") -> bool:
        await command(path, "change_kernel", {"kernel_name": kernel_name, "who": who})
        return True

    async def notebook_cell_states(path: str) -> list[JSONDict]:
        if not isinstance(path, str):
            raise RpcError(NOTEBOOK_REFUSED, "path must be a string")
        try:
            return service.open(path).room.runs.states()
        except NotebookError as exc:
            raise RpcError(NOTEBOOK_REFUSED, str(exc)) from exc

    return {
        "notebook_execute": notebook_execute,
        "notebook_cell_states": notebook_cell_states,
        "notebook_change_kernel": notebook_change_kernel,
        "notebook_resolve": notebook_resolve,
        "notebook_interrupt": simple("interrupt"),
        "notebook_restart": simple("restart"),
        "notebook_save": simple("save"),
    }
