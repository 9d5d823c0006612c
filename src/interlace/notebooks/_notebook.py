"""One open notebook: its shared document (a room), its file, and its kernel session.

``OpenNotebook`` is the one owner of the notebook's kernel: it starts it on
first need (registered as the notebook's session, so ``/api/sessions`` shows
it as JupyterLab expects), replaces a dead one, interrupts and restarts it, and
is the only writer of the kernel's state into the document. It also keeps
the notebook's trust (``NotebookTrust``): what it saves of a trusted notebook
is signed as it is saved.

And it watches the file: a file another program changed is loaded for
everyone when the document has nothing unsaved; when it has, the notebook
holds a conflict (the document's ``room.conflict`` notice, ``differences``)
and saves nothing until someone chooses which version to keep (``resolve``).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import anyio

from interlace.client import get_kernelspec
from interlace.collab import Room
from interlace.errors import BadCommand, FileConflict, InterlaceError, KernelSpecError, NotFound
from interlace.notebooks._commands import CommandReply, cells_to_run
from interlace.notebooks._conflict import Differences, differences
from interlace.notebooks._peers import notice_message
from interlace.notebooks._trust import NotebookTrust
from interlace.protocol import new_id

if TYPE_CHECKING:
    from interlace.collab import RunningCell
    from interlace.notebooks._commands import Command, Keep, RunTarget
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
        self.conflict: str | None = None
        """Since when the file and the document both changed, while neither is chosen."""
        self.trust = NotebookTrust(notary, file, self.room.document.to_notebook())
        if self.room.from_log and file.changed_elsewhere():
            self._file_changed(unsaved=not file.saved_as(self.room.document.to_notebook()))
        self._restarting: anyio.Event | None = None
        self._set_kernel_state("none")

    async def watch_file(self) -> None:
        """Notice, every ``FILE_POLL`` seconds, another program changing the file while the
        notebook is open (a ``git pull``)."""
        while True:
            await anyio.sleep(FILE_POLL)
            if not self.file.seen_changed():
                continue
            if self.file.changed_elsewhere():
                self._file_changed(unsaved=self.room.dirty)
            elif self.conflict is not None:  # the file is back to what was saved
                self._conflict_over("the file is back to its last saved version")
                self.room.save()

    def _file_changed(self, unsaved: bool) -> None:
        """The file holds what another program wrote: load it for everyone, or, if the
        document has unsaved changes too, hold both as a conflict."""
        if unsaved or self.conflict is not None:
            self._conflict_found()
            return
        log.warning("%s changed on disk; loading it for everyone", self.path)
        self._load_file()

    def _load_file(self) -> None:
        self.room.load_changed_file(self.file.load())
        self.room.dirty = False
        self.trust.withdraw()  # what another program wrote was never signed

    def _conflict_found(self) -> None:
        if self.conflict is not None:
            return
        self.conflict = datetime.now(UTC).isoformat()
        log.warning("%s changed on disk while it had unsaved changes: both kept", self.path)
        self.room.record("conflict", "disk")
        self.room.document.set_notice("conflict", {"since": self.conflict})

    def _conflict_over(self, how: str) -> None:
        log.warning("%s: the conflict with its file is over: %s", self.path, how)
        self.conflict = None
        self.room.document.set_notice("conflict", None)

    def differences(self) -> Differences | None:
        """What differs between the document and the file, cell by cell, while they
        conflict (None when they do not)."""
        if self.conflict is None:
            return None
        return differences(self.room.document.to_notebook(), self.file.load())

    def _save(self, notebook: JSONDict) -> None:
        if self.conflict is not None:
            raise FileConflict(f"{self.path} changed on disk: choose which version to keep")
        try:
            self.file.save(notebook)
        except FileConflict:
            self._conflict_found()
            raise
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
        elif command.action == "change_kernel":
            await self.change_kernel(command.kernel_name, command.who)
        elif command.action == "save":
            self.save()
        elif command.action == "resolve":
            return self.resolve(command.keep, command.who)
        else:
            raise BadCommand(f"unknown action {command.action!r}")
        return CommandReply()

    async def execute(self, target: RunTarget, who: str) -> list[str]:
        """Queue the cells ``target`` names; their ids."""
        runs, document = self.room.runs, self.room.document
        cell_ids = runs.stale_cells() if target.get("stale") else cells_to_run(document, target)
        if not cell_ids:
            return []
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
            self.room.runs.start_session(new_id())
            self._set_kernel_state("idle" if kernel.manager.alive else "dead")
            self._restarting = None
            done.set()

    async def change_kernel(self, name: str, who: str) -> None:
        """Run the notebook on kernelspec ``name`` from now on, for everyone: its metadata
        names it (an edit by ``who``), and a kernel it had is replaced at once, the
        running cell recording it as a restart and the queue dropping."""
        try:
            spec = get_kernelspec(name)
        except KernelSpecError as exc:
            raise BadCommand(str(exc)) from exc
        document = self.room.document
        had_kernel = self.sessions.kernel_of(self.path) is not None
        self.room.runs.restart(who)
        with self.room.edited_by(who):
            document.set_kernelspec(spec.name, spec.display_name, spec.language)
        document.set_notice("kernel", None)
        self.room.record("kernel_changed", who, {"kernel_name": spec.name})
        if had_kernel:
            await self.kernel()

    def save(self) -> None:
        """Save now; FileConflict while the file and the document conflict."""
        if self.conflict is not None:
            raise FileConflict(f"{self.path} changed on disk: choose which version to keep")
        self.room.save()

    def resolve(self, keep: Keep, who: str) -> CommandReply:
        """End a conflict: keep the file's version (the document's stays in its history)
        or the document's (the file's is kept beside it, as ``<name>.on-disk-<time>``)."""
        if self.conflict is None:
            raise BadCommand(f"{self.path} has no conflict with its file")
        reply = CommandReply()
        if keep == "file":
            self._load_file()
        else:
            with contextlib.suppress(FileNotFoundError):  # gone meanwhile: nothing to keep
                on_disk = self.file.target.read_bytes()
                reply["kept_copy"] = self.file.keep_copy(on_disk, "on-disk")
            notebook = self.room.document.to_notebook()
            self.file.save(notebook, over_changes=True)
            self.room.dirty = False
            self.trust.saved(notebook)
        self.room.record("resolved", who, {"keep": keep, **reply})
        self._conflict_over(f"{who} kept the {'file' if keep == 'file' else 'shared'} version")
        return reply

    @property
    def trusted(self) -> bool:
        """Whether the page may run the notebook's HTML and scripts (see ``NotebookTrust``)."""
        return self.trust.trusted

    def set_trusted(self, trusted: bool) -> None:
        """Trust the notebook's content as it is now, or stop trusting it."""
        self.trust.set(self.room.document.to_notebook(), trusted)

    # The kernel.

    async def kernel(self) -> ServedKernel:
        """The notebook's kernel, started on first need, of the kernelspec its metadata
        names; a dead one, or one of another kernelspec, is replaced."""
        if self._restarting is not None:
            await self._restarting.wait()
        kernel = self.sessions.kernel_of(self.path)
        alive = kernel is not None and kernel.client.death is None
        if alive and kernel is not None and kernel.name == self._named_kernel():
            return kernel
        name = self.kernel_name()
        if alive and kernel is not None and kernel.name == name:
            return kernel
        self._set_kernel_state("starting")
        try:
            kernel = await self.sessions.start_notebook_kernel(self.path, name)
        except InterlaceError:
            self._set_kernel_state("none")
            raise
        self.room.runs.start_session(new_id())
        self._set_kernel_state("idle")
        return kernel

    def _named_kernel(self) -> str:
        """The kernelspec name the metadata gives, or the default; installed or not."""
        named = self.room.document.kernelspec().get("name")
        return str(named).lower() if named else self.sessions.kernels.default_kernel

    def kernel_name(self) -> str:
        """The kernelspec the notebook's metadata names if it is installed, else the
        server's default (and a notice says so to everyone on the notebook)."""
        document, default = self.room.document, self.sessions.kernels.default_kernel
        wanted = str(document.kernelspec().get("name") or "")
        try:
            name = get_kernelspec(wanted).name if wanted else default
        except KernelSpecError:
            log.warning("%s: kernel %r is not installed; running on %r", self.path, wanted, default)
            document.set_notice("kernel", {"wanted": wanted, "using": default})
            return default
        document.set_notice("kernel", None)
        return name

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
