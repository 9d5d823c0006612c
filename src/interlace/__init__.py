"""interlace: a fast Jupyter-compatible kernel and the frontends that share it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from interlace._version import __version__

__all__ = ["__version__", "connect", "embed_kernel"]

if TYPE_CHECKING:
    from interlace.client import connect
    from interlace.kernel import embed_kernel


def __getattr__(name: str) -> Any:
    """Entry points load on first use, so ``import interlace`` stays light."""
    if name == "embed_kernel":
        from interlace.kernel import embed_kernel

        return embed_kernel
    if name == "connect":
        from interlace.client import connect

        return connect
    raise AttributeError(f"module 'interlace' has no attribute {name!r}")
