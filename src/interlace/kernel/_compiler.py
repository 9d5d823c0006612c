"""Cells compiled under the file names ipykernel gives them.

Warnings and tracebacks print a cell's file name (``/tmp/ipykernel_4242/1633352047.py:3:
UserWarning``), and libraries key caches by it (joblib's Memory recognises the
``ipykernel_<pid>`` folder and drops the pid, so a cache survives a restart). The
name is a MurmurHash2 of the cell's source in a per-process folder, as ipykernel
makes it, so the same cell gets the same name on either kernel.
"""

from __future__ import annotations

import ast
import os
import tempfile
from typing import TYPE_CHECKING, Any, Protocol

from IPython.core.compilerop import CachingCompiler

if TYPE_CHECKING:
    from types import CodeType

__all__ = ["CellCompiler", "CompileWatcher", "cell_file_name", "murmur2"]

HASH_SEED = 0xC70F6907
"""The seed ipykernel hashes cells with."""

NAME_VARIABLE = "IPYKERNEL_CELL_NAME"
"""Set by a frontend, it names every cell (ipykernel honours it too)."""

_MULTIPLIER = 0x5BD1E995
_MASK = 0xFFFFFFFF


def murmur2(data: bytes, seed: int) -> int:
    """MurmurHash2, 32 bits, little-endian blocks (Austin Appleby's reference algorithm)."""
    h = (seed ^ len(data)) & _MASK
    body = len(data) & ~3
    for start in range(0, body, 4):
        k = int.from_bytes(data[start : start + 4], "little")
        k = (k * _MULTIPLIER) & _MASK
        k ^= k >> 24
        k = (k * _MULTIPLIER) & _MASK
        h = ((h * _MULTIPLIER) & _MASK) ^ k
    tail = data[body:]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * _MULTIPLIER) & _MASK
    h ^= h >> 13
    h = (h * _MULTIPLIER) & _MASK
    return h ^ (h >> 15)


def cell_file_name(code: str) -> str:
    """``<tmp>/ipykernel_<pid>/<hash>.py``, or what ``IPYKERNEL_CELL_NAME`` says."""
    name = os.environ.get(NAME_VARIABLE)
    if name is not None:
        return name
    folder = os.path.join(tempfile.gettempdir(), f"ipykernel_{os.getpid()}")
    return os.path.join(folder, f"{murmur2(code.encode('utf-8'), HASH_SEED)}.py")


class CompileWatcher(Protocol):
    """Told of what the compiler parses and compiles."""

    def parsed(self, tree: ast.Module, source: str) -> None: ...

    def compiled(self, code: CodeType) -> None: ...


class CellCompiler(CachingCompiler):
    """IPython's caching compiler (tracebacks show ``Cell In[n]``), naming cells as above.

    A ``watcher`` sees every tree it parses and every code object it compiles
    (``NameTracker`` learns what a cell uses from them, as they pass).
    """

    watcher: CompileWatcher | None = None

    def ast_parse(self, source: str, filename: str = "<unknown>", symbol: str = "exec") -> ast.AST:
        tree = super().ast_parse(source, filename, symbol)
        if self.watcher is not None and isinstance(tree, ast.Module):
            self.watcher.parsed(tree, source)
        return tree

    def __call__(self, source: Any, filename: str, symbol: str, **options: Any) -> CodeType:
        code: CodeType = super().__call__(source, filename, symbol, **options)
        if self.watcher is not None:
            self.watcher.compiled(code)
        return code

    def get_code_name(self, raw_code: str, transformed_code: str, number: int) -> str:
        return cell_file_name(raw_code)
