"""The crash torture: clients editing one shared notebook while its server is SIGKILLed.

Each client is a Yjs peer of its own (the y-websocket protocol) that types
unique tokens (``[c3:17]``) into cells and inserts, moves and deletes cells, a
few dozen times a second, with others doing the same. At a random moment (or
the moment the server starts writing the notebook file) the server is frozen
and killed. What each client had then received from the others is what the
server had accepted: an edit is *delivered* once another client has it. The
server is started again and a fresh client reads the notebook from it:

- no delivered edit is lost (a token in a cell nobody deleted is there);
- nothing is duplicated (no token, no cell id twice) or resurrected (a cell
  whose delete was delivered stays deleted);
- the file is a valid notebook right after the kill, and once the server has
  saved, it holds what the document holds;
- a notebook nobody edited is untouched.

The same clients drive any server with a ``Target`` (ours here; JupyterLab's
jupyter-collaboration in ``benchmarks/crashes.py``), each with its own document
shape (``Model``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pycrdt import (
    Doc,
    YMessageType,
    YSyncMessageType,
    create_sync_message,
    create_update_message,
    handle_sync_message,
)
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from interlace.collab import NotebookDocument
from tests.server.conftest import TOKEN as TOKEN_VALUE
from tests.server.conftest import RunningServer, free_port

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from websockets.asyncio.client import ClientConnection

__all__ = [
    "InterlaceModel",
    "InterlaceTarget",
    "Model",
    "Outcome",
    "Target",
    "Torture",
    "notebook_file",
]

TOKEN = re.compile(r"\[r\d+c\d+:\d+\]")


def notebook_file(cells: int) -> dict[str, Any]:
    """A notebook of ``cells`` empty code cells with ids s0, s1, ..."""
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "id": f"s{number}",
                "cell_type": "code",
                "metadata": {},
                "source": "",
                "outputs": [],
                "execution_count": None,
            }
            for number in range(cells)
        ],
    }


class Model(Protocol):
    """A notebook document as one server shapes it, edited as a page would."""

    doc: Doc[Any]

    def cells(self) -> list[tuple[str, str]]:
        """(cell id, source) in order; a cell the document holds twice is listed twice."""

    def ids(self) -> list[str]:
        """The cells' ids, cheaply (in no particular order)."""

    def type_into(self, cell_id: str, text: str) -> None: ...

    def insert_cell(self, index: int, cell_id: str) -> None: ...

    def move_cell(self, cell_id: str, index: int) -> None: ...

    def delete_cell(self, cell_id: str) -> None: ...


class InterlaceModel:
    """Ours: cells in a map keyed by id, each with a position."""

    def __init__(self, doc: Doc[Any]) -> None:
        self.doc = doc
        self.document = NotebookDocument(doc)

    def cells(self) -> list[tuple[str, str]]:
        return [(cid, self.document.source(cid)) for cid in self.document.cell_ids()]

    def ids(self) -> list[str]:
        return list(self.document.cells.keys())

    def type_into(self, cell_id: str, text: str) -> None:
        source = self.document.cell(cell_id)["source"]
        source.insert(len(source), text)

    def insert_cell(self, index: int, cell_id: str) -> None:
        self.document.insert_cell(index, cell_id=cell_id)

    def move_cell(self, cell_id: str, index: int) -> None:
        self.document.move_cell(cell_id, index)

    def delete_cell(self, cell_id: str) -> None:
        self.document.delete_cell(cell_id)


class Target(Protocol):
    """A notebook server the torture can start, kill and reach."""

    name: str
    root: Path

    def start(self) -> None: ...

    def pid(self) -> int: ...

    def stop(self) -> None: ...

    def saving_marker(self, notebook: str) -> str:
        """A glob, in ``root``, of files that exist only while the server writes ``notebook``."""

    async def socket_url(self, notebook: str) -> str: ...

    def model(self, doc: Doc[Any]) -> Model: ...

    async def settle(self, notebook: str) -> None:
        """Have the server write the notebook file (or wait for it to)."""


@dataclass
class Ledger:
    """What the clients did, and what reached another client (so the server had it)."""

    authors: dict[str, str] = field(default_factory=dict)
    """token or created cell id -> the client that made it"""
    token_cells: dict[str, str] = field(default_factory=dict)
    deleted: dict[str, set[str]] = field(default_factory=dict)
    """cell id -> the clients that deleted it (delivered or not: the server may have it)"""
    delivered_tokens: set[str] = field(default_factory=set)
    delivered_cells: set[str] = field(default_factory=set)
    delivered_deletes: set[str] = field(default_factory=set)
    lost_tokens: set[str] = field(default_factory=set)
    lost_cells: set[str] = field(default_factory=set)


@dataclass
class Outcome:
    """One server's figures over a torture run."""

    server: str
    rounds: int = 0
    kills_mid_save: int = 0
    edits_delivered: int = 0
    edits_lost: int = 0
    cells_delivered: int = 0
    cells_lost: int = 0
    duplicated: int = 0
    resurrected: int = 0
    invalid_files: int = 0
    files_unlike_document: int = 0
    bystanders_changed: int = 0
    unconverged: int = 0
    """Clients whose document differed from the server's once everyone stopped typing."""
    problems: list[str] = field(default_factory=list)

    def clean(self) -> bool:
        return not (
            self.edits_lost
            or self.cells_lost
            or self.duplicated
            or self.resurrected
            or self.invalid_files
            or self.files_unlike_document
            or self.bystanders_changed
            or self.unconverged
        )


class Client:
    """One Yjs peer over a websocket, editing as fast as a quick typist and then some."""

    def __init__(self, name: str, model: Model, rng: random.Random, ledger: Ledger) -> None:
        self.name, self.model, self.rng, self.ledger = name, model, rng, ledger
        self.synced = asyncio.Event()
        self.frozen = False
        self.seen_cells: set[str] = set()
        self._applying = False
        self._count = 0
        self._socket: ClientConnection | None = None
        self.quiet = False
        """Stops editing (and goes on receiving)."""
        model.doc.observe(self._send)

    def _send(self, event: Any) -> None:
        if self._applying or self.frozen or self._socket is None:
            return
        message = create_update_message(event.update)
        task = asyncio.get_running_loop().create_task(self._socket.send(message))
        task.add_done_callback(lambda done: done.exception())

    async def run(self, url: str, stop: asyncio.Event) -> None:
        with contextlib.suppress(ConnectionClosed, OSError, InvalidHandshake):
            async with connect(url, max_size=None, open_timeout=30) as socket:
                self._socket = socket
                await socket.send(create_sync_message(self.model.doc))
                receiving = asyncio.create_task(self._receive(socket))
                try:
                    await self._act(stop)
                finally:
                    receiving.cancel()
                    with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                        await receiving

    async def _receive(self, socket: ClientConnection) -> None:
        async for message in socket:
            if self.frozen or not isinstance(message, bytes) or not message:
                continue
            if message[0] != YMessageType.SYNC:
                continue
            self._applying = True
            try:
                reply = handle_sync_message(message[1:], self.model.doc)
            finally:
                self._applying = False
            if reply is not None:
                await socket.send(reply)
            if message[1] == YSyncMessageType.SYNC_STEP2:
                self.synced.set()
            self.seen_cells.update(self.model.ids())

    async def _act(self, stop: asyncio.Event) -> None:
        await self.synced.wait()
        while not stop.is_set() and not self.frozen:
            if not self.quiet:
                self._edit()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.rng.uniform(0.01, 0.05))

    def _edit(self) -> None:
        cells = self.model.ids()
        self._count += 1
        roll = self.rng.random()
        if not cells or roll < 0.04:
            cell = f"{self.name}n{self._count}"
            self.ledger.authors[cell] = self.name
            self.model.insert_cell(self.rng.randint(0, len(cells)), cell)
        elif roll < 0.08:
            self.model.move_cell(self.rng.choice(cells), self.rng.randint(0, len(cells) - 1))
        elif roll < 0.11 and len(cells) > 4:
            cell = self.rng.choice(cells)
            self.ledger.deleted.setdefault(cell, set()).add(self.name)
            self.model.delete_cell(cell)
        else:
            cell = self.rng.choice(cells)
            token = f"[{self.name}:{self._count}]"
            self.ledger.authors[token] = self.name
            self.ledger.token_cells[token] = cell
            self.model.type_into(cell, f"{token} = load(path, rows={self._count})\n")

    def freeze(self) -> None:
        """Stop at once: what the document holds now is what it had when the server died."""
        self.frozen = True


_WATCHER = """
import fnmatch, os, signal, sys, time
pid, folder, pattern, deadline = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
while time.monotonic() < deadline:
    if any(fnmatch.fnmatch(entry.name, pattern) for entry in os.scandir(folder)):
        os.kill(pid, signal.SIGSTOP)
        if any(fnmatch.fnmatch(entry.name, pattern) for entry in os.scandir(folder)):
            sys.exit(0)
        os.kill(pid, signal.SIGCONT)
    time.sleep(0.0001)
sys.exit(1)
"""


async def freeze_when_saving(pid: int, folder: Path, pattern: str, timeout: float) -> bool:
    """Freeze ``pid`` (SIGSTOP) the moment a file matching ``pattern`` is in ``folder`` (a
    save under way); whether it was caught saving within ``timeout`` seconds. The watching
    is a process of its own, so this busy one cannot make it miss a save of milliseconds."""
    deadline = time.monotonic() + timeout  # CLOCK_MONOTONIC: the same clock in both processes
    watcher = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _WATCHER, str(pid), str(folder), pattern, str(deadline)
    )
    return await watcher.wait() == 0


async def _until(condition: Callable[[], bool], timeout: float) -> None:
    """Wait until ``condition`` holds (checked five times a second), at most ``timeout``:
    what it reads is in another process, which has no event to wait on."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.2)


def _tokens(cells: list[tuple[str, str]]) -> list[str]:
    return [token for _, source in cells for token in TOKEN.findall(source)]


def note_deliveries(ledger: Ledger, clients: list[Client]) -> None:
    """Every edit a client has that another made: the server had accepted it."""
    for client in clients:
        cells = client.model.cells()
        here = {cell for cell, _ in cells}
        for token in _tokens(cells):
            if ledger.authors.get(token) not in (None, client.name):
                ledger.delivered_tokens.add(token)
        for cell in here:
            if ledger.authors.get(cell) not in (None, client.name):
                ledger.delivered_cells.add(cell)
        for cell in client.seen_cells - here:  # gone from a document that had it, by another
            if client.name not in ledger.deleted.get(cell, {client.name}):
                ledger.delivered_deletes.add(cell)


def check(ledger: Ledger, cells: list[tuple[str, str]], outcome: Outcome) -> None:
    """Count what the server's document lost, doubled or brought back."""
    tokens = _tokens(cells)
    present = set(tokens)
    ids = [cell for cell, _ in cells]
    kept = {t for t in ledger.delivered_tokens if ledger.token_cells[t] not in ledger.deleted}
    lost = kept - present - ledger.lost_tokens
    ledger.lost_tokens |= lost
    outcome.edits_lost += len(lost)
    lost_cells = ledger.delivered_cells - set(ledger.deleted) - set(ids) - ledger.lost_cells
    ledger.lost_cells |= lost_cells
    outcome.cells_lost += len(lost_cells)
    outcome.duplicated += (len(tokens) - len(present)) + (len(ids) - len(set(ids)))
    outcome.resurrected += len(ledger.delivered_deletes & set(ids))
    if lost:
        outcome.problems.append(f"lost {sorted(lost)[:5]}")


def valid_notebook(path: Path) -> bool:
    try:
        notebook = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(notebook, dict) and isinstance(notebook.get("cells"), list)


def file_cells(path: Path) -> list[tuple[str, str]]:
    notebook = json.loads(path.read_text())
    return [
        (
            str(cell.get("id")),
            "".join(cell["source"]) if isinstance(cell["source"], list) else str(cell["source"]),
        )
        for cell in notebook["cells"]
    ]


class Torture:
    """Rounds of editing and killing against one ``target``."""

    def __init__(
        self,
        target: Target,
        clients: int = 10,
        seed: int = 0,
        notebook: str = "shared.ipynb",
        bystander: str = "bystander.ipynb",
    ) -> None:
        self.target = target
        self.clients = clients
        self.rng = random.Random(seed)
        self.notebook, self.bystander = notebook, bystander
        self.ledger = Ledger()
        self.outcome = Outcome(target.name)

    def prepare(self) -> None:
        shared = notebook_file(8)
        # Output, as notebooks have: a save takes a moment to write.
        output = {"output_type": "stream", "name": "stdout", "text": "0123456789abcde\n" * 8192}
        shared["cells"][0]["outputs"] = [output]
        (self.target.root / self.notebook).write_text(json.dumps(shared))
        (self.target.root / self.bystander).write_text(json.dumps(notebook_file(3)))
        self._bystander_bytes = (self.target.root / self.bystander).read_bytes()

    async def run(
        self,
        rounds: int,
        freeze_mid_save: Callable[[int], bool],
        long_every: int = 4,
        compactions: Callable[[], int] | None = None,
    ) -> Outcome:
        """``rounds`` of editing then a kill, each ``long_every``-th long enough for the log
        to be compacted (a thousand changes and more), half frozen mid-save if asked.

        With ``compactions`` (how often the target's log was compacted so far), a long
        round goes on editing until it grew, however slow a loaded machine makes it."""
        self.prepare()
        self.target.start()
        try:
            for number in range(rounds):
                long = number % long_every == long_every - 1
                editing = (6.0, 8.0) if long else (0.3, 1.2)
                until = compactions if long else None
                await self.round(number, freeze_mid_save(number), editing, until)
            await self.converge(rounds)
        finally:
            self.target.stop()
        return self.outcome

    async def _connect(
        self, number: int, stop: asyncio.Event
    ) -> tuple[list[Client], list[asyncio.Task[None]]]:
        """Round ``number``'s clients, each a new document, connected until ``stop``."""
        url = await self.target.socket_url(self.notebook)
        clients = [
            Client(f"r{number}c{index}", self.target.model(Doc()), self.rng, self.ledger)
            for index in range(self.clients)
        ]
        return clients, [asyncio.create_task(client.run(url, stop)) for client in clients]

    async def round(
        self,
        number: int,
        mid_save: bool,
        editing: tuple[float, float],
        compactions: Callable[[], int] | None = None,
    ) -> None:
        stop = asyncio.Event()
        clients, running = await self._connect(number, stop)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(client.synced.wait() for client in clients)), 30
            )
        saving = await self._editing_until_killed(mid_save, editing, clients, compactions)
        for client in clients:
            client.freeze()
        stop.set()
        await asyncio.gather(*running, return_exceptions=True)
        note_deliveries(self.ledger, clients)
        self._after_kill(saving)
        self.target.start()
        await self._verify()
        self.outcome.rounds += 1

    async def _editing_until_killed(
        self,
        mid_save: bool,
        editing: tuple[float, float],
        clients: list[Client],
        compactions: Callable[[], int] | None,
    ) -> bool:
        """Edit for a random while (and, given ``compactions``, until the log compacted),
        then kill; or, ``mid_save``, stop typing (a server may wait for a pause to save)
        and kill the moment the save starts. Whether it was saving."""
        before = compactions() if compactions is not None else 0
        await asyncio.sleep(self.rng.uniform(*editing))
        if compactions is not None:
            await _until(lambda: compactions() > before, timeout=120)
        pid = self.target.pid()
        saving = False
        if mid_save:
            for client in clients:
                client.quiet = True
            saving = await freeze_when_saving(
                pid, self.target.root, self.target.saving_marker(self.notebook), timeout=8
            )
        os.kill(pid, signal.SIGSTOP)  # frozen where it stands (if not already), then killed
        os.kill(pid, signal.SIGKILL)
        self.target.stop()
        return saving

    def _after_kill(self, saving: bool) -> None:
        self.outcome.kills_mid_save += saving
        for name in (self.notebook, self.bystander):
            if not valid_notebook(self.target.root / name):
                self.outcome.invalid_files += 1
                self.outcome.problems.append(f"{name} invalid after a kill")
        if (self.target.root / self.bystander).read_bytes() != self._bystander_bytes:
            self.outcome.bystanders_changed += 1

    async def converge(self, number: int, editing: float = 1.0, quiet: float = 2.0) -> None:
        """Clients edit, then stop: each one's document must be the server's."""
        stop = asyncio.Event()
        clients, running = await self._connect(number, stop)
        await asyncio.sleep(editing)
        for client in clients:
            client.quiet = True
        await asyncio.sleep(quiet)
        cells = await self._read()
        self.outcome.unconverged += sum(client.model.cells() != cells for client in clients)
        stop.set()
        await asyncio.gather(*running, return_exceptions=True)

    async def _read(self) -> list[tuple[str, str]]:
        """The notebook as a fresh client gets it from the server."""
        reader = Client("reader", self.target.model(Doc()), self.rng, self.ledger)
        reader.quiet = True
        stop = asyncio.Event()
        reading = asyncio.create_task(reader.run(await self.target.socket_url(self.notebook), stop))
        try:
            await asyncio.wait_for(reader.synced.wait(), 60)
        except TimeoutError:
            self.outcome.problems.append("the server never synced a client")
        finally:
            reader.freeze()
            stop.set()
            await reading
        return reader.model.cells()

    async def _verify(self) -> None:
        """A fresh client's view of the notebook, after the restart, checked."""
        cells = await self._read()
        check(self.ledger, cells, self.outcome)
        self.outcome.edits_delivered = len(self.ledger.delivered_tokens)
        self.outcome.cells_delivered = len(self.ledger.delivered_cells)
        await self.target.settle(self.notebook)
        path = self.target.root / self.notebook
        if not valid_notebook(path) or file_cells(path) != cells:
            self.outcome.files_unlike_document += 1
            self.outcome.problems.append("the file is not what the document holds")


class InterlaceTarget:
    """Our server, on one port across restarts."""

    name = "interlace"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.server: RunningServer | None = None

    def start(self) -> None:
        self.server = RunningServer(self.root, "--token", TOKEN_VALUE, "--port", str(self.port))

    def pid(self) -> int:
        assert self.server is not None
        return self.server.process.pid

    def stop(self) -> None:
        if self.server is not None:
            self.server.kill()

    def saving_marker(self, notebook: str) -> str:
        return f".{notebook}.*.tmp"

    async def socket_url(self, notebook: str) -> str:
        return f"ws://127.0.0.1:{self.port}/api/collab/{notebook}?token={TOKEN_VALUE}"

    def model(self, doc: Doc[Any]) -> Model:
        return InterlaceModel(doc)

    async def settle(self, notebook: str) -> None:
        assert self.server is not None
        response = self.server.http.post(f"/api/notebooks/{notebook}/save")
        response.raise_for_status()

    def compactions(self, notebook: str) -> int:
        """How many times the log was compacted: a snapshot of the whole notebook stored
        because enough changed (not the one each opening stores)."""
        with contextlib.closing(
            sqlite3.connect(self.root / ".interlace" / "recordings.sqlite")
        ) as database:
            row = database.execute(
                "SELECT COUNT(*) FROM snapshots JOIN events USING (path, seq)"
                " WHERE path = ? AND kind NOT IN ('opened', 'resumed')",
                (notebook,),
            ).fetchone()
        return int(row[0])
