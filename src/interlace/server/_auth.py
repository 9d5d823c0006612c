"""Who may use the server: tokens, a password login with a signed cookie, XSRF.

The server is closed by default. A request is authenticated by a token (the
``Authorization: token T`` header, a ``?token=T`` query), or the login cookie
(``interlace.server._cookies``). A write authenticated only by the cookie must
also carry the XSRF token. Passwords are checked by scrypt in worker threads,
two at a time, so that guessing cannot stall the event loop everyone shares.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import anyio
import anyio.to_thread

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection

    from interlace.server._cookies import LoginCookies

__all__ = ["Authenticator", "hash_password", "verify_password"]

XSRF_COOKIE = "_xsrf"
XSRF_HEADER = "x-xsrftoken"
KDF_THREADS = 2
"""Password checks at once; the others wait their turn (scrypt takes ~50 ms of a core)."""

How = Literal["open", "token", "cookie"]
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    """'scrypt:<salt>:<hash>' for storing; the password itself is never kept."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt:{base64.b64encode(salt).decode()}:{base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt, expected = stored.split(":")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), **_SCRYPT)
    except ValueError:
        return False
    return hmac.compare_digest(digest, base64.b64decode(expected))


@dataclass
class Authenticator:
    """Checks credentials; holds the token, the password hash and the login cookies."""

    token: str
    password_hash: str
    cookies: LoginCookies
    _kdf: anyio.CapacityLimiter = field(default_factory=lambda: anyio.CapacityLimiter(KDF_THREADS))

    @property
    def is_open(self) -> bool:
        """No token and no password: anyone who reaches the server may use it."""
        return not self.token and not self.password_hash

    def _token_valid(self, offered: str) -> bool:
        return bool(self.token) and hmac.compare_digest(offered.encode(), self.token.encode())

    async def check_password(self, password: str) -> bool:
        """The login form's password: the stored password's, or else the token."""
        if not self.password_hash:
            return self._token_valid(password)
        return await anyio.to_thread.run_sync(
            verify_password, password, self.password_hash, limiter=self._kdf
        )

    @property
    def checks_waiting(self) -> int:
        """Password checks waiting for a thread."""
        return self._kdf.statistics().tasks_waiting

    # Requests.

    def offered_token(self, connection: HTTPConnection) -> str:
        header = connection.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() in ("token", "bearer") and value:
            return value.strip()
        return connection.query_params.get("token", "")

    def identify(self, connection: HTTPConnection) -> How | None:
        """How the request is authenticated, or None when it carries no valid credentials."""
        if self.is_open:
            return "open"
        offered = self.offered_token(connection)
        if offered and self._token_valid(offered):
            return "token"
        cookie = connection.cookies.get(self.cookies.name, "")
        if cookie and self.cookies.valid(cookie):
            return "cookie"
        return None

    def xsrf_valid(self, connection: HTTPConnection) -> bool:
        """Double submit: the header (or form field) must repeat the _xsrf cookie."""
        cookie = connection.cookies.get(XSRF_COOKIE, "")
        offered = connection.headers.get(XSRF_HEADER, "") or connection.query_params.get(
            "_xsrf", ""
        )
        return bool(cookie) and hmac.compare_digest(cookie, offered)
