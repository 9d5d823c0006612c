"""Which global names a cell reads and which it assigns, from its Python source.

Our kernel reports, in each execute_reply's metadata under ``interlace``, the
names the cell read and the names it assigned (``CellNames``): this pass over
the cell's tree, joined with what the execution actually changed in the
namespace. For other kernels the server makes the same pass over the source
alone. Pure functions over ``ast``: no execution, no I/O.

A name counts as read when a top-level statement loads it before any earlier
statement of the cell assigned it (``x = x + 1`` reads x; ``x = 1; print(x)``
does not), including globals loaded inside functions and lambdas the cell
defines, builtins aside. A name counts as assigned when the cell binds, deletes or imports it,
or stores into it (``x[0] = 1``, ``x.a = 1``). Calls that mutate an object
(``x.append(1)``) are not seen: no analysis can tell them from ``x.copy()``.
"""

from __future__ import annotations

import ast
import builtins
import re
from typing import TypedDict

__all__ = ["CellNames", "names_of_source"]


class CellNames(TypedDict):
    """The global names one execution read and assigned, sorted."""

    reads: list[str]
    writes: list[str]


_MAGIC = re.compile(r"^\s*[%!]")

_BUILTINS = frozenset(dir(builtins))
"""Names every cell can read without another cell defining them: never a dependency."""


def names_of_source(source: str) -> CellNames:
    """The names a Python cell reads and assigns; IPython's ``%``/``!`` lines are
    skipped, and a cell that does not parse (or is a cell magic) has none."""
    if source.lstrip().startswith("%%"):
        return {"reads": [], "writes": []}
    lines = ["" if _MAGIC.match(line) else line for line in source.splitlines()]
    try:
        tree = ast.parse("\n".join(lines))
    except (SyntaxError, ValueError):
        return {"reads": [], "writes": []}
    return _names_of_tree(tree)


def _names_of_tree(tree: ast.Module) -> CellNames:
    """The names the module ``tree`` reads and assigns at global scope."""
    names = _Sequence()
    names.run(tree.body)
    return {"reads": sorted(names.reads - _BUILTINS), "writes": sorted(names.writes)}


class _Sequence:
    """Global-scope code in the order it runs: a load counts as a read unless an
    earlier part of the cell stored the name (a loop's target before its body)."""

    def __init__(self) -> None:
        self.reads: set[str] = set()
        self.writes: set[str] = set()

    def part(self, node: ast.AST | None) -> None:
        if node is None:
            return
        scope = _Scope()
        scope.visit(node)
        self.reads |= scope.loads - self.writes
        self.writes |= scope.stores

    def run(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        match node:
            case ast.For() | ast.AsyncFor():
                self.part(node.iter)
                self.part(node.target)
                self.run(node.body)
                self.run(node.orelse)
            case ast.If() | ast.While():
                self.part(node.test)
                self.run(node.body)
                self.run(node.orelse)
            case ast.With() | ast.AsyncWith():
                for item in node.items:
                    self.part(item.context_expr)
                    self.part(item.optional_vars)
                self.run(node.body)
            case ast.Try() | ast.TryStar():
                self.run(node.body)
                for handler in node.handlers:
                    self.part(handler.type)
                    if handler.name:
                        self.writes.add(handler.name)
                    self.run(handler.body)
                self.run(node.orelse)
                self.run(node.finalbody)
            case _:
                self.part(node)


class _Scope(ast.NodeVisitor):
    """Loads and stores of names in one scope; nested scopes give up the names they
    leave free (loads not bound in them) and those they declare ``global``."""

    def __init__(self) -> None:
        self.loads: set[str] = set()
        self.stores: set[str] = set()
        self.declared_global: set[str] = set()

    # Names.

    def visit_Name(self, node: ast.Name) -> None:
        (self.loads if isinstance(node.ctx, ast.Load) else self.stores).add(node.id)

    def _store_into(self, node: ast.Attribute | ast.Subscript) -> None:
        if not isinstance(node.ctx, ast.Load):
            base = node.value
            while isinstance(base, ast.Attribute | ast.Subscript):
                base = base.value
            if isinstance(base, ast.Name):
                self.stores.add(base.id)
        self.generic_visit(node)

    visit_Attribute = _store_into
    visit_Subscript = _store_into

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            self.loads.add(node.target.id)
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.stores.add(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self.stores.add(alias.asname or alias.name)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.stores.add(node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.stores.add(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.stores.add(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.stores.add(node.rest)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        self.declared_global.update(node.names)

    # Nested scopes.

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for outer in (*node.decorator_list, *node.args.defaults, *node.args.kw_defaults):
            if outer is not None:
                self.visit(outer)
        if node.returns is not None:
            self.visit(node.returns)
        self.stores.add(node.name)
        self._nested(node.body, _parameters(node.args))

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for outer in (*node.args.defaults, *node.args.kw_defaults):
            if outer is not None:
                self.visit(outer)
        self._nested([node.body], _parameters(node.args))

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for outer in (*node.decorator_list, *node.bases, *node.keywords):
            self.visit(outer)
        self.stores.add(node.name)
        self._nested(node.body, set())

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> None:
        first, *rest = node.generators
        self.visit(first.iter)  # evaluated in the enclosing scope
        inner = _Scope()
        for generator in node.generators:
            inner.visit(generator.target)
            for condition in generator.ifs:
                inner.visit(condition)
        for generator in rest:
            inner.visit(generator.iter)
        for part in (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,):
            inner.visit(part)
        self.loads |= inner.loads - inner.stores

    visit_ListComp = _comprehension
    visit_SetComp = _comprehension
    visit_GeneratorExp = _comprehension
    visit_DictComp = _comprehension

    def _nested(self, body: list[ast.stmt] | list[ast.expr], parameters: set[str]) -> None:
        inner = _Scope()
        for statement in body:
            inner.visit(statement)
        local = (inner.stores | parameters) - inner.declared_global
        self.loads |= inner.loads - local
        self.stores |= inner.stores & inner.declared_global


def _parameters(arguments: ast.arguments) -> set[str]:
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return {argument.arg for argument in every}
