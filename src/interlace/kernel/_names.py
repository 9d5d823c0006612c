"""What each execution read and assigned in the user's namespace, for the execute_reply.

Three sources, each cheap, so that tracking costs a cell next to nothing:

- the code objects IPython compiled for the cell (``CellCompiler`` keeps them):
  a scan of their instructions gives, in the order they run, the global names
  loaded before the cell stored them (reads) and those it stored or deleted;
- the cell's tree, statements only (never its expressions): a store into an
  object, ``x[0] = 1`` or ``x.a = 1``, assigns ``x``;
- the namespace before and after: what ``exec``, ``globals()[...]`` and star
  imports changed.

The reply's metadata carries the result under ``interlace`` (see
``interlace.protocol.CellNames``), which is how the server tells which outputs
went stale. ``INTERLACE_TRACK_NAMES=0`` turns it off, also from a cell (``%env``).
"""

from __future__ import annotations

import ast
import builtins
import dis
import os
import re
from itertools import compress
from operator import ne
from types import CodeType
from typing import TYPE_CHECKING

from interlace.kernel._compiler import CellCompiler

if TYPE_CHECKING:
    from collections.abc import Iterator

    from interlace.kernel._shell import ZMQInteractiveShell
    from interlace.protocol import CellNames

__all__ = ["NameTracker"]

_IPYTHON_NAMES = re.compile(r"_+|_i+|_i?\d+|_(?:oh|ih|dh)")
"""Names IPython itself keeps in the namespace: outputs, inputs, their history."""

_BUILTINS = frozenset(dir(builtins))

_LOAD_NAME = dis.opmap["LOAD_NAME"]
_LOAD_GLOBAL = dis.opmap["LOAD_GLOBAL"]
_STORES = frozenset(dis.opmap[name] for name in ("STORE_NAME", "DELETE_NAME"))
_GLOBAL_STORES = frozenset(dis.opmap[name] for name in ("STORE_GLOBAL", "DELETE_GLOBAL"))
_EXTENDED_ARG = dis.opmap["EXTENDED_ARG"]
_GLOBAL_SHIFT = 1
"""LOAD_GLOBAL's argument carries a flag in its lowest bit (Python 3.11 and later)."""


_WANTED = re.compile(
    b"[" + re.escape(bytes(sorted({_LOAD_NAME, _LOAD_GLOBAL, *_STORES, *_GLOBAL_STORES}))) + b"]"
)
"""The opcodes that name a global, found by the regular expression engine, not a loop."""


def _instructions(code: CodeType) -> Iterator[tuple[int, int]]:
    """(opcode, argument) of each instruction that loads, stores or deletes a global."""
    raw = code.co_code
    ops, args = raw[0::2], raw[1::2]
    for found in _WANTED.finditer(ops):
        at = found.start()
        arg, back = args[at], at - 1
        while back >= 0 and ops[back] == _EXTENDED_ARG:
            arg |= args[back] << (8 * (at - back))
            back -= 1
        yield ops[at], arg


_READ, _STORE, _READ_ANYTIME, _STORE_GLOBAL = range(4)
"""What an instruction does with a name: read it (in order), store it, read it whenever
a function runs, or store it from inside a function (``global``)."""

Events = tuple[tuple[int, str], ...]

_EVENTS_CACHED = 10_000
_events_of: dict[tuple[bytes, tuple[str, ...], tuple[object, ...]], Events] = {}
"""Each compiled statement's events, by its instructions and names: a cell run again
compiles to the same (its constants aside, which name nothing) and costs a lookup."""


def _events(code: CodeType, module: bool) -> Events:
    nested = [c for c in code.co_consts if type(c) is CodeType]
    nested_events = [_events(c, module=False) for c in nested]
    key = (code.co_code, code.co_names, (module, *nested_events))
    found = _events_of.get(key)
    if found is None:
        found = _scan(code, module) + tuple(e for events in nested_events for e in events)
        if len(_events_of) >= _EVENTS_CACHED:
            _events_of.clear()
        _events_of[key] = found
    return found


def _scan(code: CodeType, module: bool) -> Events:
    """The global names one code object's own instructions read and store, in order. In a
    function or class body every read is ``_READ_ANYTIME``; a class body's own names stay
    its own."""
    names, own, events = code.co_names, set(), []
    for op, arg in _instructions(code):
        if op == _LOAD_NAME:
            if module:
                events.append((_READ, names[arg]))
            elif names[arg] not in own:
                events.append((_READ_ANYTIME, names[arg]))
        elif op == _LOAD_GLOBAL:
            events.append((_READ_ANYTIME, names[arg >> _GLOBAL_SHIFT]))
        elif op in _STORES:
            if module:
                events.append((_STORE, names[arg]))
            else:
                own.add(names[arg])
        elif op in _GLOBAL_STORES:
            events.append((_STORE_GLOBAL, names[arg]))
    return tuple(events)


class _Cell:
    """What one execution's code reads and assigns, gathered as it is parsed and compiled."""

    def __init__(self) -> None:
        self.reads: set[str] = set()
        self.stored: set[str] = set()
        self.stored_into: set[str] = set()
        """Names whose objects were stored into: assigned, but read too (kept apart, so
        that a load of them is still a read)."""

    def parsed(self, tree: ast.Module) -> None:
        self.stored_into.update(_stored_into(tree.body))

    def compiled(self, code: CodeType) -> None:
        reads, stored = self.reads, self.stored
        for kind, name in _events(code, module=True):
            if kind == _READ:
                if name not in stored:
                    reads.add(name)
            elif kind == _READ_ANYTIME:
                reads.add(name)
            else:
                stored.add(name)

    def names(self) -> CellNames:
        writes = self.stored | self.stored_into
        return {"reads": sorted(self.reads - _BUILTINS), "writes": sorted(writes)}


def _stored_into(statements: list[ast.stmt]) -> Iterator[str]:
    """Names whose objects the statements store into (``x[0] = 1``, ``del x.a``)."""
    for statement in statements:
        kind = type(statement)
        if kind is ast.Expr:
            continue
        if kind is ast.Assign or kind is ast.Delete:
            for target in statement.targets:  # type: ignore[attr-defined]
                if type(target) is not ast.Name:
                    yield from _base(target)
        elif kind is ast.AugAssign or kind is ast.AnnAssign:
            yield from _base(statement.target)  # type: ignore[attr-defined]
        else:
            for block in _blocks(statement):
                yield from _stored_into(block)


def _blocks(statement: ast.stmt) -> Iterator[list[ast.stmt]]:
    """The statement lists a compound statement runs at global scope (not a def's body)."""
    if isinstance(statement, ast.For | ast.AsyncFor | ast.While | ast.If):
        yield statement.body
        yield statement.orelse
    elif isinstance(statement, ast.With | ast.AsyncWith):
        yield statement.body
    elif isinstance(statement, ast.Try | ast.TryStar):
        yield from (statement.body, statement.orelse, statement.finalbody)
        for handler in statement.handlers:
            yield handler.body


def _base(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _base(element)
        return
    stored_into = isinstance(target, ast.Attribute | ast.Subscript)
    while isinstance(target, ast.Attribute | ast.Subscript):
        target = target.value
    if stored_into and isinstance(target, ast.Name):
        yield target.id


class NameTracker:
    """Watches each execution and reports what it read and changed in the namespace."""

    def __init__(self, shell: ZMQInteractiveShell) -> None:
        self.shell = shell
        compiler = shell.compile
        assert isinstance(compiler, CellCompiler)
        self._compiler = compiler
        self._before: tuple[list[str], list[int]] = ([], [])
        self._ignored: dict[str, bool] = {}

    @property
    def enabled(self) -> bool:
        """Read at each execution: ``%env INTERLACE_TRACK_NAMES=0`` turns it off in a
        running kernel."""
        return os.environ.get("INTERLACE_TRACK_NAMES", "1") != "0"

    def before(self) -> None:
        """The execution starts: remember what each user name is bound to."""
        if self.enabled:
            self._compiler.watcher = _Cell()
            self._before = _bindings(self.shell.user_ns)

    def after(self) -> CellNames | None:
        """What the execution read and assigned (None when tracking is off)."""
        cell, self._compiler.watcher = self._compiler.watcher, None
        if not isinstance(cell, _Cell):  # tracking was off when the execution began
            return None
        namespace = self.shell.user_ns
        changed = _changed(self._before, _bindings(namespace))
        self._before = ([], [])
        names = cell.names()
        # A store the cell never reached (it failed first) changed nothing.
        stores = {n for n in names["writes"] if n in namespace} | changed
        return {"reads": self._users(names["reads"]), "writes": self._users(stores)}

    def _users(self, names: list[str] | set[str]) -> list[str]:
        return sorted(name for name in names if not self._is_ignored(name))

    def _is_ignored(self, name: str) -> bool:
        ignored = self._ignored.get(name)
        if ignored is None:
            ignored = name in self.shell.user_ns_hidden or bool(_IPYTHON_NAMES.fullmatch(name))
            if len(self._ignored) < 100_000:
                self._ignored[name] = ignored
        return ignored


def _bindings(namespace: dict[str, object]) -> tuple[list[str], list[int]]:
    """The namespace's names and what each is bound to (ids: nothing is kept alive), in
    its order; built by C loops, so that a namespace of thousands costs microseconds."""
    return list(namespace), list(map(id, namespace.values()))


def _changed(before: tuple[list[str], list[int]], after: tuple[list[str], list[int]]) -> set[str]:
    """Names bound, rebound or deleted between the two snapshots."""
    (old_names, old_ids), (names, ids) = before, after
    kept = len(old_names)
    if names[:kept] == old_names:  # nothing deleted: new names come last
        rebound = compress(names, map(ne, ids[:kept], old_ids))
        return {*rebound, *names[kept:]}
    old, new = dict(zip(old_names, old_ids, strict=True)), dict(zip(names, ids, strict=True))
    return {name for name, _ in new.items() - old.items()} | (old.keys() - new.keys())
