"""Server settings: a plain dataclass, and the stored password hash."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from interlace.store import atomic_write

__all__ = ["ServerConfig", "config_dir", "load_password_hash", "store_password_hash"]

CONFIG_FILE = "interlace_server.json"


@dataclass(frozen=True)
class ServerConfig:
    """How a server listens and whom it lets in.

    With neither a token nor a password hash the server would be open; the
    command line never starts it that way unless asked with ``--token ''``.
    """

    ip: str = "127.0.0.1"
    port: int = 8888
    token: str = ""
    password_hash: str = ""
    root_dir: Path = field(default_factory=Path.cwd)
    allow_origins: tuple[str, ...] = ()
    default_kernel: str = "interlace"


def config_dir() -> Path:
    """Jupyter's configuration directory: $JUPYTER_CONFIG_DIR or ~/.jupyter."""
    configured = os.environ.get("JUPYTER_CONFIG_DIR")
    return Path(configured) if configured else Path.home() / ".jupyter"


def store_password_hash(password_hash: str) -> Path:
    """Save the hash (never the password) where ``interlace server --password`` finds it."""
    directory = config_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / CONFIG_FILE
    atomic_write(path, json.dumps({"password": password_hash}).encode(), mode=0o600)
    return path


def load_password_hash() -> str:
    path = config_dir() / CONFIG_FILE
    try:
        stored = json.loads(path.read_text("utf-8")).get("password", "")
    except (OSError, ValueError, AttributeError):
        return ""
    return stored if isinstance(stored, str) else ""
