"""/api/mcp: the agent operations as Model Context Protocol tools, over streamable HTTP.

An adapter over ``interlace.notebooks.Agents``, built with the official ``mcp``
SDK. The endpoint sits behind the server's door like every route (Host and
Origin checks, the token or cookie, XSRF, body limits) and grants no CORS; the
SDK's own DNS-rebinding check is off because the door already does it. Each
agent is named by the ``X-Interlace-Agent`` header if it sends one (``interlace
mcp`` does), else by the client name it gave when it connected; it is shown and
recorded as "agent: NAME". Errors of the notebooks layer become tool errors
here, in one place, with what the agent needs to retry (a stale cell's current
source and hash).

Annotations are evaluated at run time (the SDK builds the tools' schemas from
them), so this module does not postpone them.
"""

import contextlib
import json
import logging
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import CallToolResult, ImageContent, TextContent, ToolAnnotations
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.routing import Route

from interlace._version import __version__
from interlace.errors import InterlaceError, StaleSource
from interlace.notebooks import Agents, Edit, agent_name

__all__ = ["AGENT_HEADER", "McpEndpoint", "create_mcp"]

log = logging.getLogger("interlace.server")

AGENT_HEADER = "x-interlace-agent"
"""The header an agent's connection names it by."""

INSTRUCTIONS = """\
interlace notebooks, shared live with people. Address cells by id (never by position).
Read a notebook first (read_notebook): each cell has an id and a hash of its source.
Edit with targeted tools (replace_in_cell, replace_range, replace_lines, set_cell_source)
and pass the hash you read: if someone typed in the cell since, the edit is refused with
the cell's current source, so re-read and retry instead of overwriting their work. Run
cells with run_cells, giving each cell's id and hash; read long outputs with read_outputs.
Everything you do is shown to the people in the notebook and recorded under your name."""

NotebookPath = Annotated[
    str,
    Field(description="The notebook's path under the server's root, e.g. 'analysis.ipynb'."),
]
CellId = Annotated[
    str, Field(description="A cell's id, as read_notebook gives it (never its position).")
]
BasedOn = Annotated[
    str | None,
    Field(
        description="The cell's hash as you read it: the change is refused if the cell's "
        "source changed since (someone typed). Strongly recommended."
    ),
]
CellType = Literal["code", "markdown", "raw"]
Neighbour = Annotated[str | None, Field(description="A cell id to put the cell next to.")]

_READS = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)
_EDITS = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
_REMOVES = ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=False)


class CellToRun(BaseModel):
    """A cell to run, and the hash of the source you saw."""

    id: str = Field(description="The cell's id.")
    hash: str = Field(description="The cell's hash as you read it.")


@contextlib.contextmanager
def _tool_errors() -> Iterator[None]:
    """Our errors as tool errors the agent can act on; nothing else is caught here."""
    try:
        yield
    except StaleSource as exc:
        raise ToolError(f"{exc}\ncurrent hash: {exc.hash}\ncurrent source:\n{exc.source}") from exc
    except InterlaceError as exc:
        raise ToolError(str(exc)) from exc


def _reply(value: Any, images: bool = False) -> CallToolResult:
    """A tool's answer: its JSON as text (once: a 200-cell read is large, and structured
    content would send it twice), and the images it holds as images."""
    found: list[ImageContent] = []
    if images:
        found = [
            ImageContent(type="image", data=i["data"], mime_type=i["mimetype"])
            for i in _pop_images(value)
        ]
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    content: list[TextContent | ImageContent] = [TextContent(type="text", text=text), *found]
    return CallToolResult(content=content)  # type: ignore[arg-type]


def _pop_images(value: Any) -> list[dict[str, str]]:
    """Take the images out of a read (they go as image content), leaving where they were."""
    cells = value.get("cells", [value]) if isinstance(value, dict) else []
    images: list[dict[str, str]] = []
    for cell in cells:
        for output in cell.get("outputs", []):
            for image in output.pop("images", []):
                images.append(image)
                output.setdefault("image_content", []).append(image["mimetype"])
    return images


def agent_of(ctx: Context) -> str:
    """The agent a request comes from: its header, else its client's name."""
    request = ctx.request_context.request
    named = request.headers.get(AGENT_HEADER) if isinstance(request, Request) else None
    if not named:
        params = ctx.request_context.session.client_params
        named = params.client_info.name if params is not None else None
    return agent_name(named)


def create_mcp(agents: Callable[[], Agents]) -> MCPServer:
    """The MCP server of the agent operations (``agents`` gives them once the server runs)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    mcp = MCPServer("interlace", instructions=INSTRUCTIONS, version=__version__)
    root.handlers[:], root.level = handlers, level  # the SDK sets up the root logger: not ours
    _reading_tools(mcp, agents)
    _editing_tools(mcp, agents)
    _running_tools(mcp, agents)
    _resources(mcp, agents)
    return mcp


def _reading_tools(mcp: MCPServer, agents: Callable[[], Agents]) -> None:
    @mcp.tool(annotations=_READS)
    async def list_notebooks(
        ctx: Context,
        directory: Annotated[str, Field(description="A folder under the root; '' for all.")] = "",
    ) -> CallToolResult:
        """List the notebooks (.ipynb) under a folder of the server's root."""
        with _tool_errors():
            return _reply(agents().list_notebooks(agent_of(ctx), directory))

    @mcp.tool(annotations=_READS)
    async def read_notebook(
        ctx: Context,
        path: NotebookPath,
        outputs: Annotated[bool, Field(description="Include outputs, summarized as text.")] = True,
        images: Annotated[bool, Field(description="Also return images the outputs hold.")] = False,
    ) -> CallToolResult:
        """Read a notebook: its cells in order, each with id, type, source, hash (pass it
        to edits and runs), execution count, last run (status, who ran it, when) and
        outputs as text with their mimetypes and sizes; the kernel's state; what the
        notebook lets agents do; and notices (a conflict with the file on disk)."""
        with _tool_errors():
            return _reply(agents().read(path, agent_of(ctx), outputs, images), images)

    @mcp.tool(annotations=_READS)
    async def read_cell(
        ctx: Context,
        path: NotebookPath,
        cell_id: CellId,
        images: Annotated[bool, Field(description="Also return images the outputs hold.")] = False,
    ) -> CallToolResult:
        """Read one cell as read_notebook shows it (its current source and hash)."""
        with _tool_errors():
            return _reply(agents().read_cell(path, agent_of(ctx), cell_id, images), images)


def _editing_tools(mcp: MCPServer, agents: Callable[[], Agents]) -> None:
    def edit(ctx: Context, path: str, cell_id: str, change: Edit, based_on: str | None) -> Any:
        with _tool_errors():
            return _reply(agents().edit_cell(path, agent_of(ctx), cell_id, change, based_on))

    @mcp.tool(annotations=_EDITS)
    async def replace_in_cell(
        ctx: Context,
        path: NotebookPath,
        cell_id: CellId,
        old: Annotated[str, Field(description="Text that occurs exactly once in the source.")],
        new: Annotated[str, Field(description="What replaces it.")],
        hash: BasedOn = None,
    ) -> CallToolResult:
        """Replace an exact piece of one cell's source; the rest of the cell, and whatever
        people type elsewhere in it meanwhile, is kept."""
        return edit(ctx, path, cell_id, Edit(old=old, new=new), hash)  # type: ignore[no-any-return]

    @mcp.tool(annotations=_EDITS)
    async def replace_range(
        ctx: Context,
        path: NotebookPath,
        cell_id: CellId,
        start: Annotated[int, Field(description="First character replaced (from 0).")],
        end: Annotated[int, Field(description="Character after the last one replaced.")],
        text: Annotated[str, Field(description="What replaces them (start == end inserts).")],
        hash: BasedOn = None,
    ) -> CallToolResult:
        """Replace characters start:end of one cell's source (offsets in characters)."""
        change = Edit(start=start, end=end, text=text)
        return edit(ctx, path, cell_id, change, hash)  # type: ignore[no-any-return]

    @mcp.tool(annotations=_EDITS)
    async def replace_lines(
        ctx: Context,
        path: NotebookPath,
        cell_id: CellId,
        first_line: Annotated[int, Field(description="First line replaced (from 1).")],
        last_line: Annotated[
            int, Field(description="Last line replaced; first_line - 1 inserts before it.")
        ],
        text: Annotated[str, Field(description="The new lines.")],
        hash: BasedOn = None,
    ) -> CallToolResult:
        """Replace lines first_line..last_line of one cell's source (numbered from 1)."""
        change = Edit(first_line=first_line, last_line=last_line, text=text)
        return edit(ctx, path, cell_id, change, hash)  # type: ignore[no-any-return]

    @mcp.tool(annotations=_EDITS)
    async def set_cell_source(
        ctx: Context,
        path: NotebookPath,
        cell_id: CellId,
        source: Annotated[str, Field(description="The cell's whole new source.")],
        hash: BasedOn = None,
    ) -> CallToolResult:
        """Give one cell a new source, applied as the smallest line edits (lines you keep
        stay as they are, with whatever people type in them)."""
        return edit(ctx, path, cell_id, Edit(source=source), hash)  # type: ignore[no-any-return]

    @mcp.tool(annotations=_EDITS)
    async def insert_cell(
        ctx: Context,
        path: NotebookPath,
        source: Annotated[str, Field(description="The new cell's source.")] = "",
        cell_type: CellType = "code",
        after: Neighbour = None,
        before: Neighbour = None,
    ) -> CallToolResult:
        """Insert a new cell after or before a cell (at the end if neither is given); answers
        the new cell with its id and hash."""
        with _tool_errors():
            found = agents().insert_cell(path, agent_of(ctx), source, cell_type, after, before)
            return _reply(found)

    @mcp.tool(annotations=_REMOVES)
    async def delete_cell(
        ctx: Context, path: NotebookPath, cell_id: CellId, hash: BasedOn = None
    ) -> CallToolResult:
        """Delete one cell."""
        with _tool_errors():
            agents().delete_cell(path, agent_of(ctx), cell_id, hash)
            return _reply({"deleted": cell_id})

    @mcp.tool(annotations=_EDITS)
    async def move_cell(
        ctx: Context,
        path: NotebookPath,
        cell_id: CellId,
        after: Neighbour = None,
        before: Neighbour = None,
    ) -> CallToolResult:
        """Move one cell to just after or just before another cell."""
        with _tool_errors():
            return _reply(agents().move_cell(path, agent_of(ctx), cell_id, after, before))

    @mcp.tool(annotations=_EDITS)
    async def set_cell_type(
        ctx: Context, path: NotebookPath, cell_id: CellId, cell_type: CellType, hash: BasedOn = None
    ) -> CallToolResult:
        """Make one cell a code, markdown or raw cell, keeping its source."""
        with _tool_errors():
            return _reply(agents().set_cell_type(path, agent_of(ctx), cell_id, cell_type, hash))


def _running_tools(mcp: MCPServer, agents: Callable[[], Agents]) -> None:
    @mcp.tool(annotations=_EDITS)
    async def run_cells(
        ctx: Context,
        path: NotebookPath,
        cells: Annotated[
            list[CellToRun], Field(description="The cells to run, in order, each with its hash.")
        ],
        wait: Annotated[bool, Field(description="Wait for them to finish.")] = True,
        timeout: Annotated[float, Field(description="Seconds to wait at most (up to 600).")] = 30.0,
    ) -> CallToolResult:
        """Run cells in the notebook's kernel, each only if its source is still the one you
        hashed (else nothing runs and the error gives the current source). Answers each
        cell's status, execution count and outputs; "done": false if the wait ran out (go
        on with read_outputs). A failing cell cancels the ones after it, as in Jupyter."""
        refs = [{"id": cell.id, "hash": cell.hash} for cell in cells]
        with _tool_errors():
            found = await agents().run(path, agent_of(ctx), refs, wait, timeout)  # type: ignore[arg-type]
            return _reply(found)

    @mcp.tool(annotations=_READS)
    async def read_outputs(
        ctx: Context,
        path: NotebookPath,
        cell_id: CellId,
        since: Annotated[
            int, Field(description="Offset to read on from: 0, then the 'next' of the last read.")
        ] = 0,
        wait: Annotated[
            float, Field(description="Seconds to wait for more output or the run's end.")
        ] = 0.0,
    ) -> CallToolResult:
        """Read a cell's outputs as text from an offset, as they arrive while it runs:
        answers the text, the offset to read on from ('next'), the run's status and whether
        it is done ('reset' means the outputs were cleared: the text starts anew)."""
        with _tool_errors():
            return _reply(await agents().outputs(path, agent_of(ctx), cell_id, since, wait))

    @mcp.tool(annotations=_EDITS)
    async def interrupt_kernel(ctx: Context, path: NotebookPath) -> CallToolResult:
        """Interrupt the notebook's kernel (the running cell stops, queued cells are dropped)."""
        with _tool_errors():
            await agents().interrupt(path, agent_of(ctx))
            return _reply({"interrupted": True})

    @mcp.tool(annotations=_REMOVES)
    async def restart_kernel(ctx: Context, path: NotebookPath) -> CallToolResult:
        """Restart the notebook's kernel: every variable is lost."""
        with _tool_errors():
            await agents().restart(path, agent_of(ctx))
            return _reply({"restarted": True})

    @mcp.tool(annotations=_READS)
    async def complete(
        ctx: Context,
        path: NotebookPath,
        code: Annotated[str, Field(description="Code to complete, e.g. 'df.' or 'import nu'.")],
        cursor_pos: Annotated[int | None, Field(description="Where (default: the end).")] = None,
    ) -> CallToolResult:
        """Ask the kernel for completions: search its variables, attributes and modules."""
        with _tool_errors():
            return _reply(await agents().complete(path, agent_of(ctx), code, cursor_pos))

    @mcp.tool(annotations=_READS)
    async def inspect(
        ctx: Context,
        path: NotebookPath,
        code: Annotated[str, Field(description="Code naming a variable, e.g. 'df'.")],
        cursor_pos: Annotated[int | None, Field(description="Where (default: the end).")] = None,
        detail_level: Annotated[int, Field(description="0, or 1 for its source.")] = 0,
    ) -> CallToolResult:
        """Ask the kernel about a variable: its type, value and docstring."""
        with _tool_errors():
            found = await agents().inspect(path, agent_of(ctx), code, cursor_pos, detail_level)
            return _reply(found)


def _resources(mcp: MCPServer, agents: Callable[[], Agents]) -> None:
    @contextlib.contextmanager
    def resource_errors() -> Iterator[None]:
        try:
            yield
        except InterlaceError as exc:
            raise ResourceError(str(exc)) from exc

    @mcp.resource("interlace://notebooks", mime_type="application/json")
    async def notebooks() -> str:
        """Every notebook under the server's root."""
        with resource_errors():
            return json.dumps(agents().list_notebooks(agent_name(None)))

    # The cell's template goes first: the notebook's would take a cell's whole URI as a path.
    @mcp.resource("interlace://notebook/{+path}/cells/{cell_id}", mime_type="application/json")
    async def cell(path: str, cell_id: str, ctx: Context) -> str:
        """One cell as read_cell reads it."""
        with resource_errors():
            return json.dumps(agents().read_cell(path, agent_of(ctx), cell_id), ensure_ascii=False)

    @mcp.resource("interlace://notebook/{+path}", mime_type="application/json")
    async def notebook(path: str, ctx: Context) -> str:
        """A notebook as read_notebook reads it."""
        with resource_errors():
            return json.dumps(agents().read(path, agent_of(ctx)), ensure_ascii=False)


class McpEndpoint:
    """The MCP server on ``/api/mcp``; ``running()`` goes in the server's lifespan."""

    path = "/api/mcp"

    def __init__(self, agents: Callable[[], Agents]) -> None:
        self.mcp = create_mcp(agents)
        self.mcp.streamable_http_app(
            streamable_http_path=self.path,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        self._app = StreamableHTTPASGIApp(self.mcp.session_manager)

    def routes(self) -> list[Route]:
        return [Route(self.path, self._app, methods=["GET", "POST", "DELETE"])]

    def running(self) -> contextlib.AbstractAsyncContextManager[None]:
        return self.mcp.session_manager.run()
