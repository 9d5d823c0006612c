"""One open notebook: its shared document (a room), its file, and its kernel session.

``OpenNotebook`` is the one owner of the notebook's kernel: it starts it on
first need (registered as the notebook's session, so ``/api/sessions`` shows
it as JupyterLab expects), replaces a dead one, interrupts and restarts it, and
is the only writer of the kernel's state into the document. It also keeps
the notebook's trust (``NotebookTrust``): what it saves of a trusted notebook
is signed as it is saved.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import anyio

from interlace.collab import Room
from interlace.errors import BadCommand, InterlaceError, NotFound
from interlace.notebooks._commands import CommandReply, cells_to_run
from interlace.notebooks._peers import notice_message
from interlace.notebooks._trust import NotebookTrust

if TYPE_CHECKING:
    from interlace.collab import RunningCell
    from interlace.notebooks._commands import Command, RunTarget
    from interlace.notebooks._files import FileSpill, NotebookFile
    from interlace.notebooks._kernels import ServedKernel
    from interlace.notebooks._sessions import Sessions
    from interlace.notebooks._trust import Notary
    from interlace.protocol import CompleteReplyContent, InspectReplyContent, JSONDict
    from interlace.record import Recordings

__all__ = ["REPLY_TIMEOUT", "OpenNotebook"]

log = logging.getLogger("interlace.notebooks")

REPLY_TIMEOUT = 10.0
"""Seconds a notebook's completion or inspection waits for its kernel."""

FILE_POLL = 2.0
"""Seconds between looks at whether the notebook's file changed on disk."""


class OpenNotebook:
    """A notebook the server has open, and the commands it takes."""

    def __init__(
        self,
        path: str,
        file: NotebookFile,
        recordings: Recordings,
        spill: FileSpill,
        sessions: Sessions,
        notary: Notary,
    ) -> None:
        self.path = path
        self.file = file
        self.sessions = sessions
        if not file.target.is_file():  # deleted while the server was down: never resurrected
            raise NotFound(f"no notebook {path}")
        self.room = Room.open(
            path, file.load, recordings, self._save, spill, kernel_state=self._set_kernel_state
        )
        self.room.notice = notice_message
        self.room.keep_copy = file.keep_copy
        if self.room.from_log and file.changed_elsewhere():
            log.warning("%s changed on disk while it was closed; loading the file", path)
            self.room.load_changed_file(file.load())
        self.trust = NotebookTrust(notary, file, self.room.document.to_notebook())
        self._restarting: anyio.Event | None = None
        self._set_kernel_state("none")

    async def watch_file(self) -> None:
        """Load the file into the shared document when another program changes it while
        the notebook is open (a ``git pull``), if nobody has changed the document since it
        was saved. If somebody has, the next save keeps the shared version beside the file
        (``<name>.interlace-conflict.ipynb``) and the file is loaded after it: both kept."""
        while True:
            await anyio.sleep(FILE_POLL)
            if self.file.seen_changed() and not self.room.dirty and self.file.changed_elsewhere():
                log.warning("%s changed on disk; loading it for everyone", self.path)
                self.room.load_changed_file(self.file.load())
                self.trust.withdraw()  # what another program wrote was never signed

    def _save(self, notebook: JSONDict) -> None:
        self.file.save(notebook)
        self.trust.saved(notebook)

    def _set_kernel_state(self, state: str) -> None:
        self.room.document.set_kernel_state(state)

    # Commands.

    async def command(self, command: Command) -> CommandReply:
        """Carry out ``command``; what it answers."""
        if command.action == "execute":
            return CommandReply(queued=await self.execute(command.target, command.who))
        if command.action == "interrupt":
            await self.interrupt(command.who)
        elif command.action == "restart":
            await self.restart(command.who)
        elif command.action == "save":
            self.save()
        else:
            raise BadCommand(f"unknown action {command.action!r}")
        return CommandReply()

    async def execute(self, target: RunTarget, who: str) -> list[str]:
        """Queue the cells ``target`` names; their ids."""
        runs, document = self.room.runs, self.room.document
        cell_ids = cells_to_run(document, target)
        if all(document.cell(c)["cell_type"] != "code" for c in cell_ids):
            runs.render(cell_ids, who)
            return cell_ids
        try:
            kernel = await self.kernel()
        except InterlaceError as exc:
            log.error("%s: the kernel could not start: %s", self.path, exc)
            runs.could_not_start(cell_ids, who, exc)
            raise

        async def start(code: str) -> RunningCell:
            return await kernel.client.execute(code, stdin=runs.ask, keep_outputs=False)

        runs.execute(cell_ids, start, who, kernel.id)
        return cell_ids

    async def interrupt(self, who: str) -> None:
        """Interrupt the kernel; the running cell records it, queued cells drop."""
        self.room.runs.interrupt(who)
        kernel = self.sessions.kernel_of(self.path)
        if kernel is not None and kernel.client.death is None:
            await kernel.interrupt()

    async def restart(self, who: str) -> None:
        """Restart the kernel; the running cell records it, queued cells drop."""
        self.room.runs.restart(who)
        kernel = self.sessions.kernel_of(self.path)
        if kernel is None:
            return
        self._set_kernel_state("restarting")
        self._restarting = done = anyio.Event()
        try:
            await kernel.manager.restart()
        finally:
            self._set_kernel_state("idle" if kernel.manager.alive else "dead")
            self._restarting = None
            done.set()

    def save(self) -> None:
        self.room.save()

    @property
    def trusted(self) -> bool:
        """Whether the page may run the notebook's HTML and scripts (see ``NotebookTrust``)."""
        return self.trust.trusted

    def set_trusted(self, trusted: bool) -> None:
        """Trust the notebook's content as it is now, or stop trusting it."""
        self.trust.set(self.room.document.to_notebook(), trusted)

    # The kernel.

    async def kernel(self) -> ServedKernel:
        """The notebook's kernel, started on first need; a dead one is replaced."""
        if self._restarting is not None:
            await self._restarting.wait()
        kernel = self.sessions.kernel_of(self.path)
        if kernel is not None and kernel.client.death is None:
            return kernel
        self._set_kernel_state("starting")
        try:
            kernel = await self.sessions.start_notebook_kernel(self.path)
        except InterlaceError:
            self._set_kernel_state("none")
            raise
        self._set_kernel_state("idle")
        return kernel

    async def complete(self, code: str, cursor_pos: int) -> CompleteReplyContent:
        """The kernel's complete_reply content."""
        kernel = await self.kernel()
        return await kernel.client.complete(code, cursor_pos, timeout=REPLY_TIMEOUT)

    async def inspect(self, code: str, cursor_pos: int, detail_level: int) -> InspectReplyContent:
        """The kernel's inspect_reply content."""
        kernel = await self.kernel()
        return await kernel.client.inspect(code, cursor_pos, detail_level, timeout=REPLY_TIMEOUT)

    def answer_input(self, value: str) -> None:
        """Answer the running cell's ``input()``; NotWaiting if it is not asking."""
        self.room.runs.answer(value)

    def close(self, save: bool = True) -> None:
        self.room.close(save)
