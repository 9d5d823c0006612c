"""/api/agents/notebooks/{path}/...: the agent operations over REST, for scripts that speak no MCP.

The same operations as the MCP tools (``interlace.notebooks.Agents``), as the
same named collaborator: the caller names itself with the ``X-Interlace-Agent``
header (else it is "agent: rest"), is shown in presence and recorded in the
history under that name, and is bound by the notebook's agent setting:

- ``GET .../cells`` reads the notebook (``?outputs=0`` leaves outputs out,
  ``?images=1`` adds images); ``GET .../cells/{id}`` one cell;
- ``POST .../cells`` inserts ``{"source", "cell_type", "after" | "before"}``;
- ``PATCH .../cells/{id}`` changes one cell: ``{"edit": {...}}`` (``old`` and
  ``new``; ``start``, ``end`` and ``text``; ``first_line``, ``last_line`` and
  ``text``; or ``source``), ``{"cell_type": ...}`` or ``{"after" | "before": id}``
  (a move), each with the ``"hash"`` it was based on;
- ``DELETE .../cells/{id}?hash=``;
- ``POST .../run`` ``{"cells": [{"id", "hash"}], "wait", "timeout"}``;
- ``GET .../cells/{id}/outputs?since=&wait=``;
- ``POST .../interrupt``, ``.../restart``, ``.../complete``, ``.../inspect``.

A stale hash is a 409 whose body holds the cell's current ``source`` and
``hash``; a notebook that refuses agents answers 403. People choose what agents
may do with ``GET|PUT /api/notebooks/{path}/agents`` (``{"agents": "run" |
"edit" | "read" | "refuse"}``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from interlace.errors import AgentRefused, StaleSource
from interlace.notebooks import agent_name
from interlace.server._requests import RequestError, json_body, path_of

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from starlette.requests import Request

    from interlace.notebooks import Agents

__all__ = ["AgentsApi"]

log = logging.getLogger("interlace.server")

AGENT_HEADER = "x-interlace-agent"


def _flag(request: Request, name: str, default: bool) -> bool:
    value = request.query_params.get(name)
    return default if value is None else value not in ("0", "false", "no")


def _number(request: Request, name: str, kind: Callable[[str], Any]) -> Any:
    value = request.query_params.get(name)
    if value is None:
        return kind("0")
    try:
        return kind(value)
    except ValueError:
        raise RequestError(400, f"{name} must be a number") from None


def _refusal(exc: Exception) -> Response:
    """A stale hash (409, with what the cell holds now) or a refusal (403)."""
    if isinstance(exc, StaleSource):
        body = {"message": str(exc), "reason": str(exc), "cell_id": exc.cell_id}
        return JSONResponse({**body, "hash": exc.hash, "source": exc.source}, status_code=409)
    log.warning("refused an agent: %s", exc)
    return JSONResponse({"message": str(exc), "reason": str(exc)}, status_code=403)


class AgentsApi:
    """The endpoints, over the server's agent operations (made in the server's lifespan)."""

    def __init__(self, agents: Callable[[], Agents]) -> None:
        self._agents = agents

    def routes(self) -> list[Route]:
        prefix = "/api/agents/notebooks/{path:path}"
        cell = prefix + "/cells/{cell_id}"
        return [
            Route(f"{prefix}/cells", self._guarded(self.read), methods=["GET"]),
            Route(f"{prefix}/cells", self._guarded(self.insert), methods=["POST"]),
            Route(cell, self._guarded(self.read_cell), methods=["GET"]),
            Route(cell, self._guarded(self.change), methods=["PATCH"]),
            Route(cell, self._guarded(self.delete), methods=["DELETE"]),
            Route(f"{cell}/outputs", self._guarded(self.outputs), methods=["GET"]),
            Route(f"{prefix}/run", self._guarded(self.run), methods=["POST"]),
            Route(f"{prefix}/interrupt", self._guarded(self.interrupt), methods=["POST"]),
            Route(f"{prefix}/restart", self._guarded(self.restart), methods=["POST"]),
            Route(f"{prefix}/complete", self._guarded(self.complete), methods=["POST"]),
            Route(f"{prefix}/inspect", self._guarded(self.inspect), methods=["POST"]),
            Route("/api/notebooks/{path:path}/agents", self.policy, methods=["GET", "PUT"]),
        ]

    def _guarded(
        self, endpoint: Callable[[Request, str], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def guarded(request: Request) -> Response:
            agent = agent_name(request.headers.get(AGENT_HEADER) or "rest")
            try:
                return await endpoint(request, agent)
            except (StaleSource, AgentRefused) as exc:
                return _refusal(exc)

        return guarded

    async def read(self, request: Request, agent: str) -> Response:
        outputs, images = _flag(request, "outputs", True), _flag(request, "images", False)
        return JSONResponse(self._agents().read(path_of(request), agent, outputs, images))

    async def read_cell(self, request: Request, agent: str) -> Response:
        cell_id, images = request.path_params["cell_id"], _flag(request, "images", False)
        return JSONResponse(self._agents().read_cell(path_of(request), agent, cell_id, images))

    async def insert(self, request: Request, agent: str) -> Response:
        body = await json_body(request)
        inserted = self._agents().insert_cell(
            path_of(request),
            agent,
            body.get("source", ""),
            body.get("cell_type", "code"),
            body.get("after"),
            body.get("before"),
        )
        return JSONResponse(inserted, status_code=201)

    async def change(self, request: Request, agent: str) -> Response:
        body = await json_body(request)
        path, cell_id, based_on = path_of(request), request.path_params["cell_id"], body.get("hash")
        agents = self._agents()
        kinds = [key for key in ("edit", "cell_type", "after", "before") if key in body]
        if kinds == ["edit"]:
            return JSONResponse(agents.edit_cell(path, agent, cell_id, body["edit"], based_on))
        if kinds == ["cell_type"]:
            changed = agents.set_cell_type(path, agent, cell_id, body["cell_type"], based_on)
            return JSONResponse(changed)
        if kinds in (["after"], ["before"]):
            moved = agents.move_cell(path, agent, cell_id, body.get("after"), body.get("before"))
            return JSONResponse(moved)
        raise RequestError(400, 'give one change: "edit", "cell_type", or "after" or "before"')

    async def delete(self, request: Request, agent: str) -> Response:
        based_on = request.query_params.get("hash")
        self._agents().delete_cell(
            path_of(request), agent, request.path_params["cell_id"], based_on
        )
        return Response(status_code=204)

    async def outputs(self, request: Request, agent: str) -> Response:
        since, wait = _number(request, "since", int), _number(request, "wait", float)
        cell_id = request.path_params["cell_id"]
        read = await self._agents().outputs(path_of(request), agent, cell_id, since, wait)
        return JSONResponse(read)

    async def run(self, request: Request, agent: str) -> Response:
        body = await json_body(request)
        result = await self._agents().run(
            path_of(request),
            agent,
            body.get("cells"),  # type: ignore[arg-type]  # checked there
            body.get("wait", True) is not False,
            body.get("timeout", 30.0),
        )
        return JSONResponse(result)

    async def interrupt(self, request: Request, agent: str) -> Response:
        await self._agents().interrupt(path_of(request), agent)
        return Response(status_code=204)

    async def restart(self, request: Request, agent: str) -> Response:
        await self._agents().restart(path_of(request), agent)
        return Response(status_code=204)

    async def complete(self, request: Request, agent: str) -> Response:
        body = await json_body(request)
        path, code, cursor = path_of(request), body.get("code"), body.get("cursor_pos")
        return JSONResponse(await self._agents().complete(path, agent, code, cursor))  # type: ignore[arg-type]

    async def inspect(self, request: Request, agent: str) -> Response:
        body = await json_body(request)
        path, code, cursor = path_of(request), body.get("code"), body.get("cursor_pos")
        detail = body.get("detail_level", 0)
        return JSONResponse(await self._agents().inspect(path, agent, code, cursor, detail))  # type: ignore[arg-type]

    async def policy(self, request: Request) -> Response:
        """GET: what the notebook lets agents do; PUT ``{"agents": ..., "who"?}``: set it."""
        agents, path = self._agents(), path_of(request)
        if request.method == "PUT":
            body = await json_body(request)
            named = body.get("who")
            who = named if isinstance(named, str) and named else "rest"
            return JSONResponse({"agents": agents.set_policy(path, body.get("agents"), who)})
        return JSONResponse({"agents": agents.policy(path)})
