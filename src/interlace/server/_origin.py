"""Which sites may talk to the server: the Host a request names, and the Origin it comes from.

The Host check defeats DNS rebinding: a page of ``evil.example`` whose name is
made to resolve to 127.0.0.1 reaches the server with ``Host: evil.example``
and is refused. As jupyter_server's ``JupyterHandler.check_host``: any loopback
address is local, a name is local if listed (``local_hostnames``, by default
``localhost``; here also the name the server binds to when it is local), and
the check is off with ``allow_remote_access``, which is on by itself when the
server listens on an address that is not loopback.

The Origin check defeats cross-site requests: a write (any method but GET,
HEAD, OPTIONS) or a websocket from a page of another site is refused, as
jupyter_server's ``check_origin`` refuses them; with no Origin the Referer's
origin is checked instead (``check_referer``), and a request with neither (a
script, not a browser) goes through. Unlike jupyter_server, token-authenticated
requests are checked too, and ``Origin: null`` (a sandboxed page, such as a
file served from ``/files/``) is refused even when every origin is allowed.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from interlace.server._requests import SAFE_METHODS

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection

    from interlace.server._config import ServerConfig

__all__ = ["Sites", "binds_remotely"]

_HOST_PORT = re.compile(r"^(.*?)(:\d+)?$")


def _is_ip(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def binds_remotely(ip: str) -> bool:
    """Whether listening on ``ip`` serves other machines (jupyter_server's default for
    ``allow_remote_access``): an address that is not loopback, or a name resolving to one."""
    if ip in ("", "*"):
        return True
    try:
        return not ipaddress.ip_address(ip).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(ip, None, 0, socket.SOCK_STREAM)
    except OSError:
        return True
    return not all(_is_loopback(str(info[4][0])) for info in found)


def _host_name(host: str) -> str:
    """``host`` of a Host header without its port and IPv6 brackets, in lower case."""
    match = _HOST_PORT.match(host.strip())
    name = (match.group(1) if match else host).lower()
    return name[1:-1] if name.startswith("[") and name.endswith("]") else name


def _origin_of(url: str) -> str:
    """``scheme://host:port`` of a URL (a Referer carries a path and maybe a token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.netloc else "null"


@dataclass(frozen=True)
class Sites:
    """The Host names the server answers to, and the origins it takes requests from."""

    allowed_origins: tuple[str, ...] = ()
    local_hostnames: tuple[str, ...] = ("localhost",)
    allow_remote_access: bool = False

    @classmethod
    def of(cls, config: ServerConfig) -> Sites:
        remote = config.allow_remote_access
        if remote is None:
            remote = binds_remotely(config.ip)
        names = tuple(name.lower() for name in config.local_hostnames)
        if not remote and config.ip and not _is_ip(config.ip):
            names += (config.ip.lower(),)  # the name it binds to, which is local
        origins = tuple(origin.rstrip("/").lower() for origin in config.allow_origins)
        return cls(origins, names, remote)

    def host_refusal(self, connection: HTTPConnection) -> str | None:
        """Why the Host header is not one of ours (DNS rebinding), or None."""
        host = connection.headers.get("host")
        if self.allow_remote_access or host is None:
            return None
        name = _host_name(host)
        try:
            local = ipaddress.ip_address(name).is_loopback
        except ValueError:
            local = name in self.local_hostnames
        if local:
            return None
        return f"non-local Host {host[:100]!r} (see --allow-remote-access, --local-hostnames)"

    def origin_refusal(self, connection: HTTPConnection) -> str | None:
        """Why a write or websocket comes from another site, or None."""
        if connection.scope["type"] == "http" and connection.scope["method"] in SAFE_METHODS:
            return None
        origin = connection.headers.get("origin")
        if origin is None:
            referer = connection.headers.get("referer")
            if referer is None:
                return None  # not a browser: browsers send one on every cross-site write
            origin = _origin_of(referer)
        origin = origin.strip().rstrip("/").lower()
        if self._origin_allowed(origin, connection.headers.get("host", "").lower()):
            return None
        return f"cross-origin request from {origin[:100]!r}"

    def _origin_allowed(self, origin: str, host: str) -> bool:
        if origin in self.allowed_origins:
            return True
        if origin == "null":  # an opaque origin: a sandboxed page, even with "*"
            return False
        return "*" in self.allowed_origins or urlsplit(origin).netloc == host
