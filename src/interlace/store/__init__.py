"""Bytes on disk: atomic files, and the SQLite log of document updates."""

from interlace.store._files import atomic_write as atomic_write
from interlace.store._updates import UpdateLog as UpdateLog

__all__ = ["UpdateLog", "atomic_write"]
