"""The web server: Jupyter Server's REST and WebSocket kernel API, with authentication."""

from interlace.server._app import create_app as create_app
from interlace.server._auth import hash_password as hash_password
from interlace.server._config import ServerConfig as ServerConfig
from interlace.server._config import load_password_hash as load_password_hash
from interlace.server._config import store_password_hash as store_password_hash
from interlace.server._run import serve as serve

__all__ = [
    "ServerConfig",
    "create_app",
    "hash_password",
    "load_password_hash",
    "serve",
    "store_password_hash",
]
