"""Starting a kernel: from a connection file, with a new one, or embedded in a program."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interlace.kernel._kernel import Kernel
from interlace.protocol import (
    ConnectionInfo,
    new_connection_file,
    new_connection_info,
    read_connection_file,
    runtime_dir,
    write_connection_file,
)

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["embed_kernel", "main", "run_kernel"]

log = logging.getLogger("interlace.kernel")

MATPLOTLIB_INLINE = "module://matplotlib_inline.backend_inline"


def _prepare(connection_file: Path | None) -> tuple[ConnectionInfo, Path, bool]:
    """The info to bind, the file that holds it, and whether we wrote that file."""
    if connection_file is not None and connection_file.exists():
        return read_connection_file(connection_file), connection_file, False
    path = connection_file or new_connection_file()
    return new_connection_info(kernel_name="interlace"), path, True


def run_kernel(
    connection_file: Path | None = None,
    *,
    namespace: dict[str, Any] | None = None,
    module: ModuleType | None = None,
    announce: bool = True,
) -> None:
    """Run a kernel until it is shut down, on the calling thread.

    ``announce`` prints the ``--existing`` line for people; a kernel started by
    a manager with ``-f`` stays quiet.
    """
    os.environ.setdefault("MPLBACKEND", MATPLOTLIB_INLINE)
    info, path, created = _prepare(connection_file)
    kernel = Kernel(info, namespace=namespace, module=module, connection_file=path)
    bound = kernel.start()
    if created or bound != info:
        write_connection_file(bound, path)
    if announce:
        print(
            f"interlace kernel ready. To connect another client to this kernel, use:\n"
            f"    --existing {path.name if path.parent == runtime_dir() else path}",
            file=sys.__stderr__,
            flush=True,
        )
    try:
        kernel.serve()
    finally:
        if created:
            path.unlink(missing_ok=True)


def embed_kernel(namespace: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """Start a kernel inside this program, sharing its namespace; returns when it is shut down.

    By default the kernel sees the caller's local variables (and its module's
    globals); clients join with the ``--existing kernel-<id>.json`` line printed.
    """
    caller = sys._getframe(1)
    if namespace is None:
        namespace = caller.f_locals
    module = sys.modules.get(caller.f_globals.get("__name__", ""))
    main = sys.modules.get("__main__")
    try:
        run_kernel(namespace=namespace, module=module, **kwargs)
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def main(argv: list[str] | None = None) -> None:
    """``python -m interlace.kernel -f CONNECTION_FILE``: what kernelspecs run."""
    parser = argparse.ArgumentParser(
        prog="interlace kernel", description="Run an interlace kernel."
    )
    parser.add_argument("-f", "--connection-file", type=Path, help="connection file to use")
    args = parser.parse_args(argv)
    log_to_stderr()
    run_kernel(args.connection_file, announce=args.connection_file is None)


def log_to_stderr(level: int = logging.WARNING) -> None:
    """The kernel's own log lines go to the process's stderr, through its own logger.

    The root logger is left alone, so a notebook's ``logging.basicConfig(...)``
    takes effect and user code's records reach the cell, as on ipykernel. The
    handler writes to a copy of descriptor 2 taken now, before the kernel turns
    descriptor 2 into the cell's stderr.
    """
    stream = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("[interlace kernel] %(levelname)s %(message)s"))
    logger = logging.getLogger("interlace")
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
