"""Bytes on disk: atomic files (more to come: SQLite history and update logs)."""

from interlace.store._files import atomic_write as atomic_write

__all__ = ["atomic_write"]
