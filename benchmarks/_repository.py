"""The repository's ``tests`` package, for benchmarks run as ``python benchmarks/<name>.py``:
the crash torture's harness lives in ``tests/torture``, where its short mode runs in CI,
and its long mode (``crashes.py``) runs the same code."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.torture import harness  # noqa: E402  (importable only once the root is on the path)

__all__ = ["ROOT", "harness"]
