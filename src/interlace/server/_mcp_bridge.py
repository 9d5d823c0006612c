"""``interlace mcp``: a running server's MCP tools over stdio, for agents that start tools as
processes.

The bridge serves MCP on stdin and stdout and forwards every request to the
server's ``/api/mcp`` endpoint (its token in the ``Authorization`` header), so
the tools, their descriptions and their answers are the server's own: one
implementation. The agent is named by ``--name`` or else by the client name its
host gave when it connected ("agent: NAME" in presence and history); the
connection to the server is made on the first request, once that name is
known, and made again if the server went away meanwhile. A server that cannot
be reached is a clear tool error, never a hang: every request has a timeout.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

import anyio
import httpx2
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INTERNAL_ERROR,
    CallToolRequestParams,
    CallToolResult,
    ListResourcesResult,
    ListResourceTemplatesResult,
    ListToolsResult,
    PaginatedRequestParams,
    ReadResourceRequestParams,
    ReadResourceResult,
    TextContent,
)

from interlace._version import __version__
from interlace.server._mcp import AGENT_HEADER, INSTRUCTIONS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from anyio.abc import TaskGroup, TaskStatus
    from mcp.server.context import ServerRequestContext

__all__ = ["run_bridge"]

log = logging.getLogger("interlace.mcp")

CALL_TIMEOUT = 660.0
"""Seconds one forwarded request may take: the longest wait a tool allows, and a minute."""

CONNECT_TIMEOUT = 30.0


class Upstream:
    """The bridge's one MCP client of the server, made on first need and held in its own task."""

    def __init__(self, url: str, token: str, name: str | None) -> None:
        self.url = url.rstrip("/") + "/api/mcp"
        self.token = token
        self.name = name
        self._client: Client | None = None
        self._lock = anyio.Lock()
        self._tasks: TaskGroup | None = None
        self._closing = anyio.Event()

    @contextlib.asynccontextmanager
    async def lifespan(self, server: Server[Any]) -> AsyncIterator[Upstream]:
        async with anyio.create_task_group() as tasks:
            self._tasks = tasks
            yield self
            self._closing.set()

    async def client(self, ctx: ServerRequestContext[Any]) -> Client:
        """The client of the server, connected now if it is not (as the agent's name)."""
        async with self._lock:
            if self._client is None:
                assert self._tasks is not None
                self._client = await self._tasks.start(self._hold, self._agent(ctx))
            return self._client

    def _agent(self, ctx: ServerRequestContext[Any]) -> str:
        if self.name:
            return self.name
        params = ctx.session.client_params
        return params.client_info.name if params is not None else "mcp"

    async def _hold(self, agent: str, *, task_status: TaskStatus[Client]) -> None:
        headers = {"Authorization": f"token {self.token}", AGENT_HEADER: agent}
        timeout = httpx2.Timeout(CONNECT_TIMEOUT, read=CALL_TIMEOUT)
        http = create_mcp_http_client(headers=headers, timeout=timeout)
        started = False
        try:
            async with (
                http,
                Client(
                    streamable_http_client(self.url, http_client=http),
                    read_timeout_seconds=CALL_TIMEOUT,
                    cache=None,
                ) as client,
            ):
                task_status.started(client)
                started = True
                await self._closing.wait()
        except Exception as exc:
            if not started:
                raise
            log.warning("the connection to %s ended: %s", self.url, exc)
        finally:
            self._client = None


def _unreachable(url: str, exc: BaseException) -> str:
    reason = exc.exceptions[0] if isinstance(exc, BaseExceptionGroup) and exc.exceptions else exc
    return f"cannot reach the interlace server at {url}: {reason!r}"


def _bridge(upstream: Upstream) -> Server[Upstream]:
    """A stdio MCP server whose every answer is the interlace server's."""

    @contextlib.asynccontextmanager
    async def forwarding(ctx: ServerRequestContext[Any]) -> AsyncIterator[Client]:
        try:
            yield await upstream.client(ctx)
        except MCPError:
            raise
        except Exception as exc:
            message = _unreachable(upstream.url, exc)
            log.warning("%s", message)
            raise MCPError(code=INTERNAL_ERROR, message=message) from exc

    async def list_tools(
        ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        async with forwarding(ctx) as client:
            found = await client.list_tools(cursor=params.cursor if params else None)
        return ListToolsResult(tools=found.tools, next_cursor=found.next_cursor)

    async def call_tool(
        ctx: ServerRequestContext[Any], params: CallToolRequestParams
    ) -> CallToolResult:
        try:
            async with forwarding(ctx) as client:
                return await client.call_tool(params.name, params.arguments or {})
        except MCPError as exc:
            content = [TextContent(type="text", text=exc.message)]
            return CallToolResult(content=content, is_error=True)  # type: ignore[arg-type]

    async def list_resources(
        ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
    ) -> ListResourcesResult:
        async with forwarding(ctx) as client:
            found = await client.list_resources(cursor=params.cursor if params else None)
        return ListResourcesResult(resources=found.resources, next_cursor=found.next_cursor)

    async def list_templates(
        ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
    ) -> ListResourceTemplatesResult:
        async with forwarding(ctx) as client:
            found = await client.list_resource_templates(cursor=params.cursor if params else None)
        return ListResourceTemplatesResult(
            resource_templates=found.resource_templates, next_cursor=found.next_cursor
        )

    async def read_resource(
        ctx: ServerRequestContext[Any], params: ReadResourceRequestParams
    ) -> ReadResourceResult:
        async with forwarding(ctx) as client:
            found = await client.read_resource(str(params.uri))
        return ReadResourceResult(contents=found.contents)

    return Server(
        "interlace",
        version=__version__,
        instructions=INSTRUCTIONS,
        lifespan=upstream.lifespan,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_read_resource=read_resource,
    )


async def run_bridge(url: str, token: str, name: str | None = None) -> None:
    """Serve the server at ``url``'s MCP tools on stdin and stdout until stdin closes."""
    server = _bridge(Upstream(url, token, name))
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())
