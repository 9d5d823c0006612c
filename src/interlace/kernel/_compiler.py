"""Cells compiled under the file names ipykernel gives them.

Warnings and tracebacks print a cell's file name (``/tmp/ipykernel_4242/1633352047.py:3:
UserWarning``), and libraries key caches by it (joblib's Memory recognises the
``ipykernel_<pid>`` folder and drops the pid, so a cache survives a restart). The
name is a MurmurHash2 of the cell's source in a per-process folder, as ipykernel
makes it, so the same cell gets the same name on either kernel.
"""

from __future__ import annotations

import os
import tempfile

from IPython.core.compilerop import CachingCompiler

__all__ = ["CellCompiler", "cell_file_name", "murmur2"]

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


class CellCompiler(CachingCompiler):
    """IPython's caching compiler (tracebacks show ``Cell In[n]``), naming cells as above."""

    def get_code_name(self, raw_code: str, transformed_code: str, number: int) -> str:
        return cell_file_name(raw_code)
