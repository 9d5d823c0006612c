"""kernel_info_reply content, built without importing IPython so it can be answered at once."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from interlace._version import __version__
from interlace.protocol import PROTOCOL_VERSION

if TYPE_CHECKING:
    from interlace.protocol import KernelInfoReplyContent

__all__ = ["kernel_info"]


def _ipython() -> str:
    """IPython's version once it is loaded; kernel_info may be answered before that."""
    version = getattr(sys.modules.get("IPython"), "__version__", None)
    return f", IPython {version}" if version else ""


def kernel_info() -> KernelInfoReplyContent:
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return {
        "status": "ok",
        "protocol_version": PROTOCOL_VERSION,
        "implementation": "interlace",
        "implementation_version": __version__,
        "language_info": {
            "name": "python",
            "version": sys.version.split()[0],
            "mimetype": "text/x-python",
            "codemirror_mode": {"name": "ipython", "version": 3},
            "pygments_lexer": "ipython3",
            "nbconvert_exporter": "python",
            "file_extension": ".py",
        },
        "banner": (
            f"Python {sys.version}\n"
            f"interlace {__version__} kernel{_ipython()}"
            " -- an enhanced interactive Python. Type '?' for help.\n"
        ),
        "help_links": [
            {"text": "Python Reference", "url": f"https://docs.python.org/{python}"},
            {"text": "IPython Reference", "url": "https://ipython.readthedocs.io/en/stable/"},
        ],
        "debugger": False,
    }
