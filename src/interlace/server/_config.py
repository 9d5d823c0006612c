"""Server settings: a plain dataclass, and the stored password hash."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from interlace.protocol import runtime_dir
from interlace.server._limits import DEFAULT_MAX_BODY_SIZE
from interlace.store import atomic_write

__all__ = [
    "ServerConfig",
    "config_dir",
    "cookie_secret",
    "load_password_hash",
    "logins_file",
    "store_password_hash",
]

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
    """Other sites whose pages may write and open websockets ("*": any)."""
    default_kernel: str = "interlace"
    keep_history_days: float | None = None
    """Notebook history older than this is forgotten; None keeps all of it."""
    allow_hidden: bool = False
    """Show dotfiles through the contents API and /files/ (never the server's own state)."""
    allow_remote_access: bool | None = None
    """Answer any Host name; None: only when listening on an address that is not loopback."""
    local_hostnames: tuple[str, ...] = ("localhost",)
    """Host names answered besides loopback addresses while remote access is off."""
    max_body_size: int = DEFAULT_MAX_BODY_SIZE
    """The largest request body, in bytes (the login form's is 1 MiB)."""
    autosave_delay: float = 1.0
    """Seconds of quiet after a change before a notebook's file is written (its log has
    every change at once)."""


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


def logins_file(port: int) -> Path:
    """Where the server on ``port`` keeps its revoked logins (the user's alone)."""
    return runtime_dir() / f"interlace-server-{port}-logins.json"


def cookie_secret() -> bytes:
    """The key login cookies are signed with, kept across restarts as Jupyter keeps its own.

    A browser logged in before a server restart stays logged in, so its pages
    reconnect by themselves; a cookie is valid on one server only (``_cookies``).
    The file is the user's alone (mode 600).
    """
    path = runtime_dir() / "interlace_cookie_secret"
    try:
        secret = path.read_bytes()
    except OSError:
        secret = b""
    if len(secret) < 32:
        secret = os.urandom(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, secret, mode=0o600)
    return secret
