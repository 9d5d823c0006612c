"""Bytes on disk: files that are never half-written."""

from interlace.store._files import atomic_write as atomic_write

__all__ = ["atomic_write"]
