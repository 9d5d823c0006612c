"""Bytes on disk that are never half-written: write to a temporary file, then rename."""

from __future__ import annotations

import contextlib
import errno
import os
from typing import TYPE_CHECKING

from interlace.errors import StorageError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["REFUSED", "atomic_write"]

REFUSED = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG})
"""What the disk answers when it cannot take a write at all (full, read-only, failing)."""


def atomic_write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` in one step: readers see the old file or the new one.

    The data is flushed to disk before the rename, so a crash cannot leave a
    0-byte or truncated file in place of a good one. A disk that cannot take the
    write (``REFUSED``) raises StorageError, and the old file stays as it was.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        if isinstance(exc, OSError) and exc.errno in REFUSED:
            raise StorageError(f"could not write {path}: {exc.strerror}") from exc
        raise
