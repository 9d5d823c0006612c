"""JSON-RPC methods for the agent operations: the MCP tools' twins, for JSON-RPC scripts.

``agent_read(path, outputs=True, images=False)``, ``agent_read_cell(path, cell_id)``,
``agent_edit_cell(path, cell_id, edit, hash=None)``, ``agent_insert_cell(path,
source="", cell_type="code", after=None, before=None)``, ``agent_delete_cell(path,
cell_id, hash=None)``, ``agent_move_cell(path, cell_id, after=None, before=None)``,
``agent_set_cell_type(path, cell_id, cell_type, hash=None)``, ``agent_run(path, cells,
wait=True, timeout=30)`` and ``agent_read_outputs(path, cell_id, since=0, wait=0)``;
each takes ``agent``, the name it is shown and recorded by ("agent: rpc" if not
given). A stale hash is the error ``STALE_SOURCE`` whose data holds the cell's
current ``source`` and ``hash``; a notebook that refuses agents is ``AGENT_REFUSED``;
anything else the notebook refuses is ``NOTEBOOK_REFUSED``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from interlace.errors import AgentRefused, NotebookError, StaleSource
from interlace.notebooks import agent_name
from interlace.rpc import RpcError
from interlace.server._notebooks_rpc import NOTEBOOK_REFUSED

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from interlace.notebooks import Agents
    from interlace.rpc._protocol import Method

__all__ = ["AGENT_REFUSED", "STALE_SOURCE", "agent_methods"]

STALE_SOURCE = -32011
"""A write or run based on a source the cell no longer holds."""

AGENT_REFUSED = -32012
"""The notebook does not let agents do that."""


async def _answer(call: Callable[[], Awaitable[Any] | Any]) -> Any:
    """The call's result; the notebook's refusals as their JSON-RPC errors."""
    try:
        result = call()
        return await result if hasattr(result, "__await__") else result
    except StaleSource as exc:
        data = {"cell_id": exc.cell_id, "hash": exc.hash, "source": exc.source}
        raise RpcError(STALE_SOURCE, str(exc), data) from exc
    except AgentRefused as exc:
        raise RpcError(AGENT_REFUSED, str(exc)) from exc
    except NotebookError as exc:
        raise RpcError(NOTEBOOK_REFUSED, str(exc)) from exc


def agent_methods(agents: Agents) -> dict[str, Method]:
    """The ``agent_*`` methods over ``agents``."""

    async def agent_read(
        path: str, outputs: bool = True, images: bool = False, agent: str = "rpc"
    ) -> Any:
        return await _answer(lambda: agents.read(path, agent_name(agent), outputs, images))

    async def agent_read_cell(path: str, cell_id: str, agent: str = "rpc") -> Any:
        return await _answer(lambda: agents.read_cell(path, agent_name(agent), cell_id))

    async def agent_edit_cell(
        path: str, cell_id: str, edit: Any, hash: str | None = None, agent: str = "rpc"
    ) -> Any:
        who = agent_name(agent)
        return await _answer(lambda: agents.edit_cell(path, who, cell_id, edit, hash))

    async def agent_insert_cell(
        path: str,
        source: str = "",
        cell_type: str = "code",
        after: str | None = None,
        before: str | None = None,
        agent: str = "rpc",
    ) -> Any:
        who = agent_name(agent)
        return await _answer(
            lambda: agents.insert_cell(path, who, source, cell_type, after, before)
        )

    async def agent_delete_cell(
        path: str, cell_id: str, hash: str | None = None, agent: str = "rpc"
    ) -> Any:
        await _answer(lambda: agents.delete_cell(path, agent_name(agent), cell_id, hash))
        return True

    async def agent_move_cell(
        path: str,
        cell_id: str,
        after: str | None = None,
        before: str | None = None,
        agent: str = "rpc",
    ) -> Any:
        who = agent_name(agent)
        return await _answer(lambda: agents.move_cell(path, who, cell_id, after, before))

    async def agent_set_cell_type(
        path: str, cell_id: str, cell_type: str, hash: str | None = None, agent: str = "rpc"
    ) -> Any:
        who = agent_name(agent)
        return await _answer(lambda: agents.set_cell_type(path, who, cell_id, cell_type, hash))

    async def agent_run(
        path: str, cells: Any, wait: bool = True, timeout: float = 30.0, agent: str = "rpc"
    ) -> Any:
        return await _answer(lambda: agents.run(path, agent_name(agent), cells, wait, timeout))

    async def agent_read_outputs(
        path: str, cell_id: str, since: int = 0, wait: float = 0.0, agent: str = "rpc"
    ) -> Any:
        who = agent_name(agent)
        return await _answer(lambda: agents.outputs(path, who, cell_id, since, wait))

    return {
        "agent_read": agent_read,
        "agent_read_cell": agent_read_cell,
        "agent_edit_cell": agent_edit_cell,
        "agent_insert_cell": agent_insert_cell,
        "agent_delete_cell": agent_delete_cell,
        "agent_move_cell": agent_move_cell,
        "agent_set_cell_type": agent_set_cell_type,
        "agent_run": agent_run,
        "agent_read_outputs": agent_read_outputs,
    }
