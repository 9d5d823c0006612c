"""What each execution read and assigned in the user's namespace, for the execute_reply.

The names a cell's code reads and stores come from its tree (IPython hands every
tree it runs to ``ast_transformers``: this one only looks); the names it really
changed come from the namespace before and after, so ``exec``,
``globals()[...]`` and star imports count too. The reply's metadata carries
both under ``interlace`` (see ``interlace.protocol.CellNames``), which is how
the server tells which outputs went stale. ``INTERLACE_TRACK_NAMES=0`` turns it off.
"""

from __future__ import annotations

import ast
import os
import re
from typing import TYPE_CHECKING

from interlace.protocol import names_of_tree

if TYPE_CHECKING:
    from interlace.kernel._shell import ZMQInteractiveShell
    from interlace.protocol import CellNames

__all__ = ["NameTracker"]

_IPYTHON_NAMES = re.compile(r"_+|_i+|_i?\d+|_(?:oh|ih|dh)")
"""Names IPython itself keeps in the namespace: outputs, inputs, their history."""


class _Looker(ast.NodeTransformer):
    """An AST 'transformer' that keeps each tree it is shown and changes nothing."""

    def __init__(self) -> None:
        self.trees: list[ast.Module] = []

    def visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.Module):
            self.trees.append(node)
        return node


class NameTracker:
    """Snapshots the namespace around each execution and reports what it read and changed."""

    def __init__(self, shell: ZMQInteractiveShell) -> None:
        self.shell = shell
        self.enabled = os.environ.get("INTERLACE_TRACK_NAMES", "1") != "0"
        self._looker = _Looker()
        self._before: dict[str, int] = {}
        if self.enabled:
            shell.ast_transformers.append(self._looker)

    def before(self) -> None:
        """The execution starts: remember what each user name is bound to."""
        if self.enabled:
            self._looker.trees.clear()
            self._before = self._bindings()

    def after(self) -> CellNames | None:
        """What the execution read and assigned (None when tracking is off)."""
        if not self.enabled:
            return None
        before, after = self._before, self._bindings()
        changed = {name for name, bound in after.items() if before.get(name) != bound}
        changed |= before.keys() - after.keys()
        reads: set[str] = set()
        stores: set[str] = set()
        for tree in self._looker.trees:
            names = names_of_tree(tree)
            reads.update(names["reads"])
            stores.update(names["writes"])
        self._looker.trees.clear()
        self._before = {}
        # A store the cell never reached (it failed first) changed nothing.
        return {"reads": self._users(reads), "writes": self._users(changed | stores & after.keys())}

    def _users(self, names: set[str]) -> list[str]:
        hidden = self.shell.user_ns_hidden
        return sorted(n for n in names if n not in hidden and not _IPYTHON_NAMES.fullmatch(n))

    def _bindings(self) -> dict[str, int]:
        hidden = self.shell.user_ns_hidden
        return {
            name: id(value)
            for name, value in self.shell.user_ns.items()
            if name not in hidden and not _IPYTHON_NAMES.fullmatch(name)
        }
