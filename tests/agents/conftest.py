"""Agents against a real server: the ``mcp`` SDK's own client over HTTP and over stdio.

One server serves a test module; each test gets a notebook of its own under its
root (and so a kernel of its own), made from ``tests.notebooks.ypeer.NOTEBOOK``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from typing import TYPE_CHECKING, Any

import anyio.from_thread
import pytest
from mcp import Client, StdioServerParameters
from mcp.types import Implementation

from tests.notebooks.ypeer import NOTEBOOK
from tests.server.conftest import INTERLACE, TOKEN, RunningServer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from anyio.from_thread import BlockingPortal
    from mcp.types import CallToolResult

_numbers = itertools.count()

CALL_TIMEOUT = 120.0
"""Seconds one call may take: a kernel starting on a loaded machine takes a few."""


@pytest.fixture(scope="module")
def agents_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = RunningServer(tmp_path_factory.mktemp("agents"), "--token", TOKEN)
    yield running
    running.stop()


@pytest.fixture
def notebook_path(agents_server: RunningServer) -> str:
    """A new notebook for this test (cells "first": ``x = 20``, "second": prints and adds)."""
    path = f"nb{next(_numbers)}.ipynb"
    (agents_server.root / path).write_text(json.dumps(NOTEBOOK))
    return path


class McpSession:
    """An MCP session of the SDK's own client, driven from a synchronous test."""

    def __init__(self, portal: BlockingPortal, client: Client) -> None:
        self.portal = portal
        self.client = client

    def call(self, tool: str, **arguments: Any) -> CallToolResult:
        return self.portal.call(self.client.call_tool, tool, arguments)

    def ok(self, tool: str, **arguments: Any) -> Any:
        """The tool's answer, decoded; the test fails if the tool refused."""
        result = self.call(tool, **arguments)
        text = result.content[0].text  # type: ignore[union-attr]
        assert not result.is_error, text
        return json.loads(text)

    def error(self, tool: str, **arguments: Any) -> str:
        """The tool's error text; the test fails if the tool did not refuse."""
        result = self.call(tool, **arguments)
        text: str = result.content[0].text  # type: ignore[union-attr]
        assert result.is_error, text
        return text


@contextlib.contextmanager
def mcp_session(target: str | StdioServerParameters, name: str) -> Iterator[McpSession]:
    """A connected session, over HTTP (a URL) or stdio (a command), as client ``name``."""
    client = Client(
        target,
        client_info=Implementation(name=name, version="1"),
        read_timeout_seconds=CALL_TIMEOUT,
    )
    with (
        anyio.from_thread.start_blocking_portal() as portal,
        portal.wrap_async_context_manager(client) as entered,
    ):
        yield McpSession(portal, entered)


def over_http(
    server: RunningServer, name: str = "tester"
) -> contextlib.AbstractContextManager[McpSession]:
    """The server's own MCP endpoint, with the token in the URL."""
    return mcp_session(f"{server.url}/api/mcp?token={TOKEN}", name)


def bridge(server: RunningServer, *options: str) -> StdioServerParameters:
    """``interlace mcp`` to ``server``, started by the SDK as agents start it."""
    env = {**os.environ, "INTERLACE_TOKEN": TOKEN}
    return StdioServerParameters(
        command=INTERLACE, args=["mcp", "--url", server.url, *options], env=env
    )


def over_stdio(
    server: RunningServer, *options: str, name: str = "host"
) -> contextlib.AbstractContextManager[McpSession]:
    return mcp_session(bridge(server, *options), name)


def hashes(view: dict[str, Any]) -> dict[str, str]:
    """Each cell's hash in a read notebook, by id."""
    return {cell["id"]: cell["hash"] for cell in view["cells"]}


def history(server: RunningServer, path: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = server.http.get(f"/api/notebooks/{path}/history").json()[
        "events"
    ]
    return events
