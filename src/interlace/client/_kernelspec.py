"""Jupyter kernelspecs: find the kernels installed on this machine, and install ours.

A kernelspec is a directory ``kernels/<name>/`` holding ``kernel.json`` (argv,
display name, language, interrupt mode), searched along Jupyter's data path.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from interlace.errors import KernelSpecError
from interlace.protocol import JSONDict, data_dir

__all__ = [
    "KernelSpec",
    "find_kernelspecs",
    "get_kernelspec",
    "install_kernelspec",
    "kernelspec_dirs",
]

InterruptMode = Literal["signal", "message"]
SYSTEM_PATHS = (Path("/usr/local/share/jupyter"), Path("/usr/share/jupyter"))
NATIVE_KERNEL = "interlace"
DEFAULT_DISPLAY_NAME = "Python 3 (interlace)"


@dataclass(frozen=True)
class KernelSpec:
    """What ``kernel.json`` says about one installed kernel."""

    name: str
    resource_dir: Path
    argv: list[str]
    display_name: str
    language: str
    interrupt_mode: InterruptMode = "signal"
    env: dict[str, str] = field(default_factory=dict)
    metadata: JSONDict = field(default_factory=dict)

    @classmethod
    def from_dir(cls, directory: Path) -> KernelSpec:
        path = directory / "kernel.json"
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise KernelSpecError(f"cannot read kernelspec {path}: {exc}") from exc
        argv = data.get("argv")
        if not isinstance(data, dict) or not isinstance(argv, list) or not argv:
            raise KernelSpecError(f"kernelspec {path} has no argv")
        mode = data.get("interrupt_mode", "signal")
        return cls(
            name=directory.name.lower(),
            resource_dir=directory,
            argv=[str(arg) for arg in argv],
            display_name=str(data.get("display_name", directory.name)),
            language=str(data.get("language", "")),
            interrupt_mode="message" if mode == "message" else "signal",
            env={str(k): str(v) for k, v in (data.get("env") or {}).items()},
            metadata=dict(data.get("metadata") or {}),
        )


def kernelspec_dirs() -> list[Path]:
    """Where Jupyter looks for ``kernels/``: $JUPYTER_PATH, the user's, the env's, the system's."""
    extra = [Path(p) for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    env = Path(sys.prefix, "share", "jupyter")
    roots = [*extra, data_dir(), env, *SYSTEM_PATHS]
    unique = list(dict.fromkeys(roots))
    return [root / "kernels" for root in unique]


def find_kernelspecs() -> dict[str, Path]:
    """Every installed kernelspec by name; the first found along the path wins."""
    found: dict[str, Path] = {}
    for folder in kernelspec_dirs():
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            if (entry / "kernel.json").is_file():
                found.setdefault(entry.name.lower(), entry)
    return found


def get_kernelspec(name: str) -> KernelSpec:
    """The installed kernelspec ``name``; ours is known even when not installed."""
    directory = find_kernelspecs().get(name.lower())
    if directory is not None:
        return KernelSpec.from_dir(directory)
    if name.lower() == NATIVE_KERNEL:
        return native_kernelspec()
    raise KernelSpecError(f"no kernelspec named {name!r}; see `interlace kernelspec list`")


def native_kernelspec() -> KernelSpec:
    """The interlace kernel in this very Python environment."""
    spec = _spec_json(DEFAULT_DISPLAY_NAME)
    return KernelSpec(
        name=NATIVE_KERNEL,
        resource_dir=Path(sys.prefix),
        argv=spec["argv"],
        display_name=DEFAULT_DISPLAY_NAME,
        language="python",
    )


def _spec_json(display_name: str) -> dict[str, Any]:
    return {
        "argv": [sys.executable, "-m", "interlace.kernel", "-f", "{connection_file}"],
        "display_name": display_name,
        "language": "python",
        "interrupt_mode": "signal",
        "metadata": {"debugger": False},
    }


def install_kernelspec(
    *,
    name: str = NATIVE_KERNEL,
    display_name: str = DEFAULT_DISPLAY_NAME,
    scope: Literal["user", "sys-prefix", "system"] = "user",
    prefix: Path | None = None,
) -> Path:
    """Install the interlace kernel's spec; returns its directory.

    ``prefix`` installs under ``<prefix>/share/jupyter/kernels``, like jupyter's
    ``--prefix``; otherwise ``scope`` picks the user's, this environment's, or
    the system's data directory.
    """
    if prefix is not None:
        root = prefix / "share" / "jupyter"
    elif scope == "user":
        root = data_dir()
    elif scope == "sys-prefix":
        root = Path(sys.prefix, "share", "jupyter")
    else:
        root = SYSTEM_PATHS[0]
    directory = root / "kernels" / name
    spec = _spec_json(display_name)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "kernel.json").write_text(json.dumps(spec, indent=2) + "\n", "utf-8")
    except OSError as exc:
        hint = " (try --user)" if scope == "system" else ""
        raise KernelSpecError(f"cannot install the kernelspec in {directory}: {exc}{hint}") from exc
    return directory
