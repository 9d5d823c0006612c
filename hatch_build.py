"""Build the notebook app (frontend/, TypeScript and Vite) into the package when it is installed.

The bundle goes to src/interlace/server/static/, which is not committed: every
install, editable or not, makes it with the machine's Node.js and npm. Set
INTERLACE_SKIP_FRONTEND=1 to install without it (the server then says the app
is not built, and the rest works).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCES = ("src", "index.html", "package.json", "package-lock.json", "vite.config.ts")


def _newest(frontend: Path) -> float:
    """The latest modification time among the app's sources."""
    times = [0.0]
    for name in SOURCES:
        path = frontend / name
        files = path.rglob("*") if path.is_dir() else [path]
        times.extend(f.stat().st_mtime for f in files if f.is_file())
    return max(times)


class FrontendBuild(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        frontend = Path(self.root) / "frontend"
        built = Path(self.root) / "src" / "interlace" / "server" / "static" / "index.html"
        if os.environ.get("INTERLACE_SKIP_FRONTEND") or not frontend.is_dir():
            return
        if built.is_file() and built.stat().st_mtime >= _newest(frontend):
            return
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(
                "building the notebook app needs Node.js 20+ and npm on the PATH "
                "(or set INTERLACE_SKIP_FRONTEND=1 to install without it)"
            )
        lock = frontend / "package-lock.json"
        installed = frontend / "node_modules" / ".package-lock.json"
        if not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime:
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=frontend, check=True)
        subprocess.run([npm, "run", "build"], cwd=frontend, check=True)
