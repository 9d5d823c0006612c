"""The notebook service: every notebook the server has open, and the one way to act on them.

A notebook opens on first use and stays open while the server runs, so its
cells keep running and writing outputs with no browser connected. Adapters
(the collaboration websocket, REST, JSON-RPC) reach notebooks only through
this service: ``command`` for runs, interrupts, restarts and saves, ``serve``
for a peer of the shared document, and the few requests that answer at once
(completion, inspection, ``input()``).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread

from interlace.notebooks._files import (
    SERVER_STATE,
    FileSpill,
    NotebookFile,
    remove_stale_temporaries,
    sweep_temporaries,
)
from interlace.notebooks._hidden import HiddenFiles
from interlace.notebooks._migrate import migrate_update_log
from interlace.notebooks._notebook import OpenNotebook
from interlace.notebooks._peers import serve_peer
from interlace.notebooks._trust import Notary, data_dir
from interlace.record import Recordings

if TYPE_CHECKING:
    from pathlib import Path

    from anyio.abc import TaskGroup

    from interlace.notebooks._commands import Command, CommandReply
    from interlace.notebooks._peers import CommandPeer
    from interlace.notebooks._sessions import Sessions

__all__ = ["NotebookService"]

log = logging.getLogger("interlace.notebooks")


def _key(path: str) -> str:
    return path.strip("/")


class NotebookService:
    """Open notebooks by path, with their kernels from ``sessions``; run in ``tasks``.

    Trust (the user's secret and signatures) is kept in ``trust_dir``, by default the
    user's data directory: never under ``root``.
    """

    def __init__(
        self,
        root: Path,
        sessions: Sessions,
        tasks: TaskGroup,
        keep_history_days: float | None = None,
        trust_dir: Path | None = None,
        allow_hidden: bool = False,
        autosave_delay: float = 1.0,
    ) -> None:
        self.root = root.resolve()
        self.hidden = HiddenFiles(self.root, allow_hidden)
        self.sessions = sessions
        self.tasks = tasks
        state = self.root / SERVER_STATE
        self.recordings = Recordings(state / "recordings.sqlite")
        migrate_update_log(state / "collab.sqlite", self.recordings)
        self.notary = Notary(data_dir() if trust_dir is None else trust_dir)
        self.keep_history_days = keep_history_days
        if keep_history_days is not None:
            forgotten = self.recordings.forget_all_before(self._cutoff())
            log.info("forgot %d recorded events older than %s days", forgotten, keep_history_days)
        self.autosave_delay = autosave_delay
        self.notebooks: dict[str, OpenNotebook] = {}
        tasks.start_soon(self._sweep)

    async def _sweep(self) -> None:
        """Remove what interrupted saves left under the root, off the event loop."""
        removed = await anyio.to_thread.run_sync(sweep_temporaries, self.root)
        if removed:
            log.info("removed %d temporary files left by interrupted saves", removed)

    def _cutoff(self) -> float:
        assert self.keep_history_days is not None
        return time.time() - self.keep_history_days * 86400

    def open(self, path: str) -> OpenNotebook:
        """The open notebook on ``path``, opened now if it was not; NotFound, InvalidNotebook."""
        path = _key(path)
        notebook = self.notebooks.get(path)
        if notebook is None:
            file = NotebookFile(self.hidden.resolve(path), path, self.recordings)
            remove_stale_temporaries(file.target.parent)
            if self.keep_history_days is not None:
                self.recordings.forget_before(path, self._cutoff())
            spill = FileSpill(self.root, path)
            notebook = OpenNotebook(path, file, self.recordings, spill, self.sessions, self.notary)
            notebook.room.autosave_delay = self.autosave_delay
            self.notebooks[path] = notebook
            self.tasks.start_soon(self._run, notebook)
        return notebook

    async def _run(self, notebook: OpenNotebook) -> None:
        """Run one notebook in its own failure domain: a fault there closes it alone.

        The next request for it opens it anew, from its log.
        """
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(notebook.watch_file)
                await notebook.room.run()
                tasks.cancel_scope.cancel()
        except Exception:
            log.exception("%s failed and was closed; it reopens on next use", notebook.path)
            if self.notebooks.get(notebook.path) is notebook:
                del self.notebooks[notebook.path]
            try:
                notebook.close()
            except Exception:
                log.exception("%s could not be closed cleanly", notebook.path)

    def is_open(self, path: str) -> bool:
        return _key(path) in self.notebooks

    async def command(self, path: str, command: Command) -> CommandReply:
        """Carry out ``command`` on the notebook at ``path``: the one entry point for actions."""
        return await self.open(path).command(command)

    async def serve(self, path: str, peer: CommandPeer) -> None:
        """Serve one peer of the notebook's shared document until it goes."""
        await serve_peer(self.open(path), peer)

    def forget(self, path: str) -> None:
        """Close, without saving, the open notebooks at ``path`` or under it: their file is
        being deleted or moved (their peers are let go; the log keeps their history)."""
        prefix = _key(path)
        for key in [
            k for k in self.notebooks if not prefix or k == prefix or k.startswith(f"{prefix}/")
        ]:
            log.info("%s is deleted or moved: closing it", key)
            self.notebooks.pop(key).close(save=False)

    def close(self) -> None:
        for notebook in self.notebooks.values():
            notebook.close()
        self.recordings.close()
        self.notary.close()
