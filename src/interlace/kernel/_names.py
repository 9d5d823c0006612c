"""What each execution read and assigned in the user's namespace, for the execute_reply.

Three sources, each cheap, so that tracking costs a cell next to nothing:

- the code objects IPython compiled for the cell (``CellCompiler`` keeps them):
  a scan of their instructions gives, in the order they run, the global names
  loaded before the cell stored them (reads) and those it stored or deleted;
- the cell's tree, statements only (never its expressions): a store into an
  object, ``x[0] = 1`` or ``x.a = 1``, assigns ``x``;
- the namespace before and after, for a cell whose code can change names it
  does not show: one that calls ``exec``, ``eval``, ``globals``, ``vars``,
  ``locals``, ``get_ipython`` (magics) or ``__import__``, imports ``*``, or
  calls a function of the namespace that assigns globals (``global x``).
  Comparing the namespace costs time in proportion to its size (IPython adds
  ``_i<n>`` at every execution), so an ordinary cell costs only its own code.
  A library that writes into ``__main__`` itself (``dill.load_session``), or a
  method that assigns a global, is not seen unless the cell is one of these.

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
from dataclasses import dataclass
from itertools import compress
from operator import ne
from types import CodeType, FunctionType
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
_STORE_NAME = dis.opmap["STORE_NAME"]
_DELETE_NAME = dis.opmap["DELETE_NAME"]
_STORES = frozenset((_STORE_NAME, _DELETE_NAME))
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


_READ, _STORE, _DELETE, _READ_ANYTIME, _STORE_GLOBAL, _DYNAMIC = range(6)
"""What an instruction does with a name: read it (in order), store or delete it, read it
whenever a function runs, or store it from inside a function (``global``); ``_DYNAMIC``:
the code names something that can assign names its instructions do not show."""

_DYNAMIC_NAMES = frozenset(
    {"exec", "eval", "globals", "vars", "locals", "get_ipython", "__import__", "__main__"}
)

Events = tuple[tuple[int, str], ...]

_EVENTS_CACHED = 10_000
_events_of: dict[tuple[bytes, tuple[str, ...], tuple[object, ...]], Events] = {}
"""Each compiled statement's events, by its instructions and names: a cell run again
compiles to the same (its constants aside, which name nothing) and costs a lookup."""


def _events(code: CodeType, module: bool) -> Events:
    consts = code.co_consts
    nested_events: tuple[Events, ...] = ()
    if CodeType in map(type, consts):  # most statements define no function
        nested_events = tuple(_events(c, module=False) for c in consts if type(c) is CodeType)
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
    if not _DYNAMIC_NAMES.isdisjoint(names):
        events.append((_DYNAMIC, ""))
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
                events.append((_STORE if op == _STORE_NAME else _DELETE, names[arg]))
            else:
                own.add(names[arg])
        elif op in _GLOBAL_STORES:
            events.append((_STORE_GLOBAL, names[arg]))
    return tuple(events)


Bindings = tuple[list[str], list[int]]
"""A namespace's names and what each is bound to (ids: nothing is kept alive)."""


@dataclass(frozen=True)
class _Known:
    """A cell's source seen run to its end before: what each statement's code does, and
    what the whole cell read, stored and deleted (a cell run again costs a lookup)."""

    statements: tuple[Events, ...]
    stored_into: frozenset[str]
    star: bool
    dynamic: bool
    reads: frozenset[str]
    stored: frozenset[str]
    deleted: frozenset[str]


_KNOWN_CHARACTERS = 8 << 20
_known: dict[str, _Known] = {}
"""By the source IPython parsed; forgotten all at once past 8 Mi characters of source."""
_known_characters = 0


def _remember(source: str, known: _Known) -> None:
    global _known_characters
    if _known_characters + len(source) > _KNOWN_CHARACTERS:
        _known.clear()
        _known_characters = 0
    _known[source] = known
    _known_characters += len(source)


class _Cell:
    """What one execution's code reads and assigns, gathered as it is parsed and compiled
    (IPython compiles each statement just before running it)."""

    def __init__(self, namespace: dict[str, object]) -> None:
        self.namespace = namespace
        self.reads: set[str] = set()
        self.stored: set[str] = set()
        self.deleted: set[str] = set()
        self.stored_into: set[str] = set()
        """Names whose objects were stored into: assigned, but read too (kept apart, so
        that a load of them is still a read)."""
        self.before: Bindings | None = None
        """The namespace as it was before the first statement that can change names its
        code does not show (None: no such statement ran)."""
        self.source: str | None = None
        self.known: _Known | None = None
        self.expected = 0
        """How many statements the cell has: IPython compiles each on its own."""
        self.star = self.dynamic = False
        self.statements: list[Events] = []
        """Each compiled statement's events (the known ones are not looked at again)."""

    def parsed(self, tree: ast.Module, source: str) -> None:
        if self.source is not None:  # parsed once more: only the cell's own parse counts
            return
        self.source, known = source, _known.get(source)
        self.known, self.expected = known, len(tree.body)
        if known is not None:
            self.stored_into.update(known.stored_into)
            if known.star or known.dynamic or any(map(self._calls_assigner, known.reads)):
                self._watch_namespace()
            return
        self.stored_into.update(_stored_into(tree.body))
        if _STAR in self.stored_into:
            self.stored_into.discard(_STAR)
            self.star = True
            self._watch_namespace()

    def compiled(self, code: CodeType) -> None:
        known, count = self.known, len(self.statements)
        if known is not None and count < len(known.statements):
            self.statements.append(known.statements[count])
            return
        events = _events(code, module=True)
        self.statements.append(events)
        self._take(events, check=True)

    def _take(self, events: Events, check: bool) -> None:
        reads, stored = self.reads, self.stored
        for kind, name in events:
            if kind == _READ:
                if name not in stored and name not in reads:
                    reads.add(name)
                    if check and self._calls_assigner(name):
                        self._watch_namespace()
            elif kind == _READ_ANYTIME:
                if name not in reads:
                    reads.add(name)
                    if check and self._calls_assigner(name):
                        self._watch_namespace()
            elif kind == _DYNAMIC:
                self.dynamic = True
                self._watch_namespace()
            elif kind == _DELETE:
                self.deleted.add(name)
            else:
                stored.add(name)

    def _calls_assigner(self, name: str) -> bool:
        """Whether ``name`` is a function of the namespace that assigns globals (calling it
        changes names the cell does not show)."""
        if self.before is not None:
            return False
        function = self.namespace.get(name)
        return type(function) is FunctionType and _assigns_globals(function.__code__)

    def _watch_namespace(self) -> None:
        if self.before is None:
            self.before = _bindings(self.namespace)

    def ended(self) -> None:
        """The execution ended: a cell known before is read from what was kept (all of it
        if every statement ran); a new one that ran to its end is kept."""
        known = self.known
        if known is not None:
            if len(self.statements) == len(known.statements):
                self.reads.update(known.reads)
                self.stored.update(known.stored)
                self.deleted.update(known.deleted)
            else:
                for events in self.statements:
                    self._take(events, check=False)
        elif self.source is not None and len(self.statements) == self.expected:
            _remember(self.source, _Known(
                tuple(self.statements), frozenset(self.stored_into), self.star, self.dynamic,
                frozenset(self.reads), frozenset(self.stored), frozenset(self.deleted),
            ))  # fmt: skip


_STAR = "*"
"""Stands, among the names stored into, for a star import: names known once it ran."""


def _stored_into(statements: list[ast.stmt]) -> Iterator[str]:
    """Names whose objects the statements store into (``x[0] = 1``, ``del x.a``), and
    ``_STAR`` for an ``import *`` (only a module's own statements can have one)."""
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
        elif kind is ast.ImportFrom:
            if any(alias.name == "*" for alias in statement.names):  # type: ignore[attr-defined]
                yield _STAR
        else:
            for block in _blocks(statement):
                yield from _stored_into(block)


def _assigns_globals(code: CodeType) -> bool:
    return any(kind == _STORE_GLOBAL for kind, _ in _events(code, module=False))


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
        self._ignored: dict[str, bool] = {}

    @property
    def enabled(self) -> bool:
        """Read at each execution: ``%env INTERLACE_TRACK_NAMES=0`` turns it off in a
        running kernel."""
        return os.environ.get("INTERLACE_TRACK_NAMES", "1") != "0"

    def before(self) -> None:
        """The execution starts: watch what it parses and compiles."""
        if self.enabled:
            self._compiler.watcher = _Cell(self.shell.user_ns)

    def after(self) -> CellNames | None:
        """What the execution read and assigned (None when tracking is off)."""
        cell, self._compiler.watcher = self._compiler.watcher, None
        if not isinstance(cell, _Cell):  # tracking was off when the execution began
            return None
        cell.ended()
        bound = self.shell.user_ns.keys()
        # A store the cell never reached (it failed first) changed nothing; a deletion
        # it reached left the name unbound.
        writes = (cell.stored | cell.stored_into) & bound
        writes |= cell.deleted - bound
        if cell.before is not None:
            writes |= _changed(cell.before, _bindings(self.shell.user_ns))
        return {"reads": self._users(cell.reads - _BUILTINS), "writes": self._users(writes)}

    def _users(self, names: set[str]) -> list[str]:
        """The names that are the user's, in order: not IPython's nor hidden ones."""
        ignored, wanted = self._ignored, []
        for name in names:
            flag = ignored.get(name)
            if flag is None:
                flag = name in self.shell.user_ns_hidden or bool(_IPYTHON_NAMES.fullmatch(name))
                if len(ignored) < 100_000:
                    ignored[name] = flag
            if not flag:
                wanted.append(name)
        return sorted(wanted)


def _bindings(namespace: dict[str, object]) -> Bindings:
    """The namespace's names and what each is bound to, in its order; built by C loops
    (a namespace of 5,000 names takes about 0.2 ms)."""
    return list(namespace), list(map(id, namespace.values()))


def _changed(before: Bindings, after: Bindings) -> set[str]:
    """Names bound, rebound or deleted between the two snapshots."""
    (old_names, old_ids), (names, ids) = before, after
    kept = len(old_names)
    if names[:kept] == old_names:  # nothing deleted: new names come last
        rebound = compress(names, map(ne, ids[:kept], old_ids))
        return {*rebound, *names[kept:]}
    old, new = dict(zip(old_names, old_ids, strict=True)), dict(zip(names, ids, strict=True))
    return {name for name, _ in new.items() - old.items()} | (old.keys() - new.keys())
