"""Coding agents as collaborators: the cell-safe operations every agent adapter calls.

One implementation, over the notebook service, for MCP (stdio and HTTP), REST
and JSON-RPC. An agent addresses cells by id, never by position, and reads each
cell's source with its ``hash``. Every write may name the hash it was based on
and every run must: a cell whose source changed since is refused
(``StaleSource``, with the source it holds now), so an agent never clobbers what
a person typed nor runs a source it did not see. Edits are CRDT edits of the
shared document (a splice of one cell's text, a cell inserted, deleted, moved or
retyped), merged with what people type at the same moment; runs go through the
notebook's one command path. The agent is seen in presence
(``AgentPresence``) and named in the history and in each run record, as
"agent: NAME".

A notebook's ``metadata.interlace.agents`` says what agents may do there:
``run`` (the default: read, edit and run), ``edit`` (read and edit), ``read`` or
``refuse``. It is a courtesy between collaborators, not a security boundary:
anyone with the server's token can run code.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict, get_args

import anyio

from interlace.collab import is_cell_type
from interlace.errors import AgentRefused, BadCommand, NotFound, StaleSource
from interlace.notebooks._agent_presence import RENEW, AgentPresence
from interlace.notebooks._cells import (
    CellRun,
    CellView,
    cell_view,
    output_text,
    run_record,
    source_hash,
    transcript,
)
from interlace.notebooks._commands import Command, RunTarget
from interlace.notebooks._edits import Edit, splices
from interlace.notebooks._files import SERVER_STATE
from interlace.notebooks._runs_watch import RunWatch
from interlace.notebooks._views import CellViews

if TYPE_CHECKING:
    from interlace.collab import NotebookDocument
    from interlace.notebooks._notebook import OpenNotebook
    from interlace.notebooks._service import NotebookService
    from interlace.protocol import JSONDict

__all__ = [
    "AGENT_POLICIES",
    "AgentPolicy",
    "Agents",
    "CellRef",
    "CellRun",
    "NotebookView",
    "OutputsRead",
    "RunResult",
    "agent_name",
]

log = logging.getLogger("interlace.notebooks")

AgentPolicy = Literal["run", "edit", "read", "refuse"]
AGENT_POLICIES: tuple[AgentPolicy, ...] = get_args(AgentPolicy)
_LEVEL: dict[AgentPolicy, int] = {"refuse": 0, "read": 1, "edit": 2, "run": 3}
_REFUSALS: dict[AgentPolicy, str] = {
    "refuse": "does not let agents in",
    "read": "lets agents read it, not edit or run it",
    "edit": "lets agents read and edit it, not run it",
    "run": "",
}

MAX_WAIT = 600.0
"""The longest a run or an output read may wait, in seconds."""

MAX_READ = 100_000
"""Characters of a cell's output text one read returns; the next read goes on from there."""

MAX_LISTED = 1_000
"""Notebooks one listing returns at most."""

NAME_CHARS = 64


def agent_name(name: str | None) -> str:
    """How an agent is shown and recorded: "agent: NAME" (printable, at most 64 characters)."""
    clean = "".join(c for c in (name or "") if c.isprintable()).strip()
    clean = clean.removeprefix("agent:").strip()[:NAME_CHARS] or "agent"
    return f"agent: {clean}"


class CellRef(TypedDict):
    """A cell to run, and the hash of the source the caller saw."""

    id: str
    hash: str


class NotebookView(TypedDict):
    path: str
    agents: AgentPolicy
    kernel: str
    cells: list[CellView]
    notices: list[str]


class RunResult(TypedDict):
    done: bool
    """Whether every cell finished (else read on with ``outputs``)."""
    cells: list[CellRun]


class OutputsRead(TypedDict):
    id: str
    status: str | None
    done: bool
    execution_count: int | None
    text: str
    next: int
    """The offset to read on from."""
    reset: bool
    """The outputs were cleared or rewritten since that offset: ``text`` starts anew."""


class NotebookEntry(TypedDict):
    path: str
    open: bool


def policy_of(document: NotebookDocument) -> AgentPolicy:
    """What the notebook lets agents do (``metadata.interlace.agents``; ``run`` if unset)."""
    metadata: Any = document.meta.get("metadata")
    ours = metadata.get("interlace") if isinstance(metadata, dict) else None
    value = ours.get("agents") if isinstance(ours, dict) else None
    return value if value in AGENT_POLICIES else "run"


def _notices(notebook: OpenNotebook) -> list[str]:
    notices = []
    if notebook.conflict is not None:
        notices.append(
            "the notebook's file changed on disk while it had unsaved changes: your changes "
            "still go to the shared document and nothing is lost, but nothing is saved to "
            "the file until a person chooses which version to keep"
        )
    if notebook.room.storage_problem is not None:
        notices.append(
            "the server's disk refuses writes: changes are held in memory until it takes "
            f"them again ({notebook.room.storage_problem})"
        )
    return notices


def _number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise BadCommand(f"{name} must be a number from {low:g} to {high:g}")
    return float(value)


class Agents:
    """The operations, for agents named by ``agent_name``, on the service's notebooks."""

    def __init__(self, service: NotebookService) -> None:
        self.service = service
        self.presence = AgentPresence(self._room_at)
        self.views = CellViews()

    def _room_at(self, path: str) -> Any:
        notebook = self.service.notebooks.get(path)
        return notebook.room if notebook is not None else None

    async def run_presence(self) -> None:
        """Renew and expire agents' presence, and forget what closed notebooks' cells read
        as, until cancelled (in the server's task group)."""
        while True:
            await anyio.sleep(RENEW)
            self.presence.renew()
            self.views.prune(self.service.notebooks)

    # Opening, with the notebook's agent setting.

    def _open(self, path: Any, agent: str, need: AgentPolicy) -> OpenNotebook:
        if not isinstance(path, str) or not path.strip("/") or "\0" in path:
            raise BadCommand("path must name a notebook, e.g. analysis.ipynb")
        notebook = self.service.open(path)
        policy = policy_of(notebook.room.document)
        if _LEVEL[policy] < _LEVEL[need]:
            log.info("%s: refused %s (%s) to %s", notebook.path, need, policy, agent)
            raise AgentRefused(f"{notebook.path} {_REFUSALS[policy]} (its agents setting)")
        return notebook

    @staticmethod
    def _cell(document: NotebookDocument, cell_id: Any) -> str:
        if not isinstance(cell_id, str) or cell_id not in document.cells:
            raise NotFound(f"no cell {cell_id!r}: read the notebook for its cells' ids")
        return cell_id

    def _based_on(self, document: NotebookDocument, cell_id: str, based_on: Any) -> None:
        """StaleSource unless the cell's source is the one hashed ``based_on`` (if given)."""
        if based_on is None:
            return
        if not isinstance(based_on, str):
            raise BadCommand("hash must be a string, as read with the cell")
        source = document.source(cell_id)
        current = source_hash(source)
        if based_on != current:
            raise StaleSource(cell_id, source, current)

    # Reading.

    def list_notebooks(self, agent: str, directory: str = "") -> list[NotebookEntry]:
        """The notebooks under ``directory`` of the root (hidden ones left out)."""
        hidden = self.service.hidden
        top = hidden.resolve(directory) if directory.strip("/") else hidden.root
        found: list[NotebookEntry] = []
        for folder, folders, files in os.walk(top):
            base = Path(folder)
            folders[:] = sorted(f for f in folders if self._shown(base / f))
            for name in sorted(files):
                if name.endswith(".ipynb") and self._shown(base / name):
                    path = (base / name).relative_to(hidden.root).as_posix()
                    found.append(NotebookEntry(path=path, open=self.service.is_open(path)))
                    if len(found) >= MAX_LISTED:
                        return found
        return found

    def _shown(self, target: Path) -> bool:
        hidden = self.service.hidden
        relative = target.relative_to(hidden.root).as_posix()
        return relative != SERVER_STATE and not hidden.hides(relative, target.resolve())

    def read(
        self, path: str, agent: str, outputs: bool = True, images: bool = False
    ) -> NotebookView:
        """The notebook's cells in order, with hashes, run records and outputs as text."""
        notebook = self._open(path, agent, "read")
        document = notebook.room.document
        self.presence.show(notebook.path, notebook.room, agent)
        return NotebookView(
            path=notebook.path,
            agents=policy_of(document),
            kernel=str(document.kernel.get("state") or "none"),
            cells=self._cells(notebook, outputs, images),
            notices=_notices(notebook),
        )

    def _cells(self, notebook: OpenNotebook, outputs: bool, images: bool) -> list[CellView]:
        document = notebook.room.document
        if images:  # read afresh: images are left out of the views kept
            return [cell_view(document, c, outputs, images) for c in document.cell_ids()]
        return self.views.cells(notebook.path, document, outputs)

    def read_cell(self, path: str, agent: str, cell_id: str, images: bool = False) -> CellView:
        notebook = self._open(path, agent, "read")
        document = notebook.room.document
        cell_id = self._cell(document, cell_id)
        self.presence.show(notebook.path, notebook.room, agent, cell_id)
        return cell_view(document, cell_id, images=images)

    # Writing: CRDT edits of the shared document, attributed to the agent.

    def edit_cell(
        self, path: str, agent: str, cell_id: str, edit: Edit, based_on: str | None = None
    ) -> CellView:
        """Change one cell's source as ``edit`` says (see ``_edits``); StaleSource if it is
        no longer the source hashed ``based_on``."""
        notebook = self._open(path, agent, "edit")
        document = notebook.room.document
        cell_id = self._cell(document, cell_id)
        self._based_on(document, cell_id, based_on)
        changes = splices(document.source(cell_id), edit)
        with notebook.room.edited_by(agent), document.doc.transaction():
            for start, end, text in changes:
                document.edit_source(cell_id, start, end, text)
        end = changes[-1][0] + len(changes[-1][2]) if changes else 0
        self._show_edit(notebook, agent, cell_id, end)
        return cell_view(document, cell_id)

    def _show_edit(self, notebook: OpenNotebook, agent: str, cell_id: str, at: int) -> None:
        document = notebook.room.document
        at = min(at, len(document.source(cell_id)))
        self.presence.show(
            notebook.path, notebook.room, agent, cell_id, document.cursor_at(cell_id, at)
        )

    def _index(self, order: list[str], after: Any, before: Any) -> int:
        if after is not None and before is not None:
            raise BadCommand("give after or before, not both")
        for anchor, offset in ((after, 1), (before, 0)):
            if anchor is not None:
                if anchor not in order:
                    raise NotFound(f"no cell {anchor!r}: read the notebook for its cells' ids")
                return order.index(anchor) + offset
        return len(order)

    def insert_cell(
        self,
        path: str,
        agent: str,
        source: str = "",
        cell_type: str = "code",
        after: str | None = None,
        before: str | None = None,
    ) -> CellView:
        """A new cell after or before a cell (at the end if neither is given)."""
        notebook = self._open(path, agent, "edit")
        document = notebook.room.document
        if not is_cell_type(cell_type):
            raise BadCommand("cell_type must be code, markdown or raw")
        if not isinstance(source, str):
            raise BadCommand("source must be a string")
        index = self._index(document.cell_ids(), after, before)
        with notebook.room.edited_by(agent):
            cell_id = document.insert_cell(index, cell_type, source)
        self._show_edit(notebook, agent, cell_id, len(source))
        return cell_view(document, cell_id)

    def delete_cell(self, path: str, agent: str, cell_id: str, based_on: str | None = None) -> None:
        notebook = self._open(path, agent, "edit")
        document = notebook.room.document
        cell_id = self._cell(document, cell_id)
        self._based_on(document, cell_id, based_on)
        with notebook.room.edited_by(agent):
            document.delete_cell(cell_id)
        self.presence.show(notebook.path, notebook.room, agent)

    def move_cell(
        self,
        path: str,
        agent: str,
        cell_id: str,
        after: str | None = None,
        before: str | None = None,
    ) -> CellView:
        """Move a cell to just after or before another one."""
        notebook = self._open(path, agent, "edit")
        document = notebook.room.document
        cell_id = self._cell(document, cell_id)
        if after is None and before is None:
            raise BadCommand("say where to move the cell: after or before a cell id")
        if cell_id in (after, before):
            raise BadCommand("a cell cannot move next to itself")
        rest = [c for c in document.cell_ids() if c != cell_id]
        index = self._index(rest, after, before)
        with notebook.room.edited_by(agent):
            document.move_cell(cell_id, index)
        self.presence.show(notebook.path, notebook.room, agent, cell_id)
        return cell_view(document, cell_id)

    def set_cell_type(
        self, path: str, agent: str, cell_id: str, cell_type: str, based_on: str | None = None
    ) -> CellView:
        notebook = self._open(path, agent, "edit")
        document = notebook.room.document
        cell_id = self._cell(document, cell_id)
        if not is_cell_type(cell_type):
            raise BadCommand("cell_type must be code, markdown or raw")
        self._based_on(document, cell_id, based_on)
        with notebook.room.edited_by(agent):
            document.set_cell_type(cell_id, cell_type)
        self.presence.show(notebook.path, notebook.room, agent, cell_id)
        return cell_view(document, cell_id)

    # Running.

    def _refs(self, document: NotebookDocument, cells: Any) -> dict[str, str]:
        if not isinstance(cells, list) or not cells:
            raise BadCommand('name the cells to run: [{"id": ..., "hash": ...}], as read')
        refs: dict[str, str] = {}
        for ref in cells:
            if not isinstance(ref, dict) or not isinstance(ref.get("hash"), str):
                raise BadCommand("each cell to run needs its id and the hash of its source")
            refs[self._cell(document, ref.get("id"))] = ref["hash"]
        for cell_id, based_on in refs.items():
            self._based_on(document, cell_id, based_on)
        return refs

    async def run(
        self,
        path: str,
        agent: str,
        cells: list[CellRef],
        wait: bool = True,
        timeout: float = 30.0,
    ) -> RunResult:
        """Run cells, each only if its source is still the one the caller hashed; wait up to
        ``timeout`` seconds for them to finish (or return at once) with their outputs."""
        notebook = self._open(path, agent, "run")
        document = notebook.room.document
        timeout = _number(timeout, "timeout", 0, MAX_WAIT)
        refs = self._refs(document, cells)
        with RunWatch(document, refs) as watch:
            command = Command("execute", agent, RunTarget(cells=list(refs)))
            await self.service.command(notebook.path, command)
            watch.queued()
            self.presence.show(notebook.path, notebook.room, agent, list(refs)[-1])
            if wait:
                await watch.wait(timeout)
            return RunResult(done=watch.all_done(), cells=watch.results())

    async def outputs(
        self, path: str, agent: str, cell_id: str, since: int = 0, wait: float = 0.0
    ) -> OutputsRead:
        """A cell's outputs as text from offset ``since``; with ``wait``, up to that many
        seconds for more (or for its run to finish) first."""
        notebook = self._open(path, agent, "read")
        document = notebook.room.document
        cell_id = self._cell(document, cell_id)
        if isinstance(since, bool) or not isinstance(since, int) or since < 0:
            raise BadCommand("since must be an offset from 0, as a previous read gave")
        wait = _number(wait, "wait", 0, MAX_WAIT)
        if wait and not self._more(document, cell_id, since):
            with RunWatch(document, {}) as watch:
                await watch.until(lambda: self._more(document, cell_id, since), wait)
        return self._outputs(document, cell_id, since)

    def _more(self, document: NotebookDocument, cell_id: str, since: int) -> bool:
        if cell_id not in document.cells:
            return True
        record = run_record(document, cell_id) or {}
        text = transcript(document.shown_outputs(cell_id))
        return len(text) != since or record.get("status") not in ("queued", "running")

    def _outputs(self, document: NotebookDocument, cell_id: str, since: int) -> OutputsRead:
        if cell_id not in document.cells:
            raise NotFound(f"cell {cell_id!r} was deleted")
        cell = document.cell(cell_id)
        text = transcript(document.shown_outputs(cell_id)) if cell["cell_type"] == "code" else ""
        reset = since > len(text)
        start = 0 if reset else since
        chunk = text[start : start + MAX_READ]
        status = (run_record(document, cell_id) or {}).get("status")
        count: Any = cell.get("execution_count")
        return OutputsRead(
            id=cell_id,
            status=status,
            done=status not in ("queued", "running"),
            execution_count=int(count) if isinstance(count, int | float) else None,
            text=chunk,
            next=start + len(chunk),
            reset=reset,
        )

    async def interrupt(self, path: str, agent: str) -> None:
        notebook = self._open(path, agent, "run")
        self.presence.show(notebook.path, notebook.room, agent)
        await self.service.command(notebook.path, Command("interrupt", agent))

    async def restart(self, path: str, agent: str) -> None:
        notebook = self._open(path, agent, "run")
        self.presence.show(notebook.path, notebook.room, agent)
        await self.service.command(notebook.path, Command("restart", agent))

    # The kernel's namespace, through completion and inspection.

    def _code_at(self, code: Any, cursor_pos: Any) -> tuple[str, int]:
        if not isinstance(code, str):
            raise BadCommand("code must be a string")
        if cursor_pos is None:
            return code, len(code)
        if isinstance(cursor_pos, bool) or not isinstance(cursor_pos, int):
            raise BadCommand("cursor_pos must be a whole number")
        if not 0 <= cursor_pos <= len(code):
            raise BadCommand(f"cursor_pos must be from 0 to {len(code)}")
        return code, cursor_pos

    async def complete(
        self, path: str, agent: str, code: str, cursor_pos: int | None = None
    ) -> JSONDict:
        """The kernel's completions at ``cursor_pos`` of ``code`` (its end if not given)."""
        notebook = self._open(path, agent, "run")
        code, cursor = self._code_at(code, cursor_pos)
        self.presence.show(notebook.path, notebook.room, agent)
        reply = await notebook.complete(code, cursor)
        return {
            "matches": list(reply.get("matches", [])),
            "cursor_start": reply.get("cursor_start", cursor),
            "cursor_end": reply.get("cursor_end", cursor),
        }

    async def inspect(
        self, path: str, agent: str, code: str, cursor_pos: int | None = None, detail: int = 0
    ) -> JSONDict:
        """What the kernel knows of the name at ``cursor_pos`` (its value, type, docstring;
        with ``detail`` 1, its source)."""
        notebook = self._open(path, agent, "run")
        code, cursor = self._code_at(code, cursor_pos)
        if detail not in (0, 1):
            raise BadCommand("detail_level must be 0 or 1")
        self.presence.show(notebook.path, notebook.room, agent)
        reply = await notebook.inspect(code, cursor, detail)
        found = bool(reply.get("found"))
        text = output_text({"output_type": "display_data", "data": reply.get("data") or {}})
        return {"found": found, "text": text if found else ""}

    # What the notebook lets agents do: set by people, never through an agent adapter.

    def policy(self, path: str) -> AgentPolicy:
        return policy_of(self.service.open(path).room.document)

    def set_policy(self, path: str, policy: Any, who: str) -> AgentPolicy:
        """Let agents ``run``, ``edit``, ``read`` or ``refuse`` them, as ``who`` chose."""
        chosen = next((p for p in AGENT_POLICIES if p == policy), None)
        if chosen is None:
            raise BadCommand(f"agents must be one of {', '.join(AGENT_POLICIES)}")
        notebook = self.service.open(path)
        document = notebook.room.document
        current: Any = document.meta.get("metadata")
        metadata = dict(current) if isinstance(current, dict) else {}
        ours = metadata.get("interlace")
        metadata["interlace"] = {**(ours if isinstance(ours, dict) else {}), "agents": chosen}
        with notebook.room.edited_by(who):
            document.meta["metadata"] = metadata
        notebook.room.record("agents", who, {"agents": chosen})
        if chosen == "refuse":
            self.presence.leave_notebook(notebook.path)
        return chosen
