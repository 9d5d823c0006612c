"""Who may use the server: tokens, a password login with a signed cookie, XSRF, origins.

The server is closed by default. A request is authenticated by a token (the
``Authorization: token T`` header, a ``?token=T`` query, or the login cookie). A
write authenticated only by the cookie must also carry the XSRF token, and a
websocket's Origin must be this server's own unless configured otherwise.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection

__all__ = ["Authenticator", "hash_password", "verify_password"]

COOKIE = "interlace-auth"
XSRF_COOKIE = "_xsrf"
XSRF_HEADER = "x-xsrftoken"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
COOKIE_LIFETIME = 30 * 24 * 3600
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
    """Checks credentials; holds the token, password hash and cookie secret."""

    token: str = ""
    password_hash: str = ""
    allowed_origins: tuple[str, ...] = ()
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    # Cookies: "<expiry>.<signature>", signed with the secret.

    def make_cookie(self) -> str:
        expiry = str(int(time.time()) + COOKIE_LIFETIME)
        return f"{expiry}.{self._sign(expiry)}"

    def _sign(self, value: str) -> str:
        return hmac.new(self.secret, value.encode(), hashlib.sha256).hexdigest()

    def _cookie_valid(self, cookie: str) -> bool:
        expiry, _, signature = cookie.partition(".")
        if not expiry.isdigit() or int(expiry) < time.time():
            return False
        return hmac.compare_digest(signature, self._sign(expiry))

    def _token_valid(self, offered: str) -> bool:
        return bool(self.token) and hmac.compare_digest(offered.encode(), self.token.encode())

    def check_password(self, password: str) -> bool:
        if self.password_hash:
            return verify_password(password, self.password_hash)
        return self._token_valid(password)

    # Requests.

    def offered_token(self, connection: HTTPConnection) -> str:
        header = connection.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() in ("token", "bearer") and value:
            return value.strip()
        return connection.query_params.get("token", "")

    def identify(self, connection: HTTPConnection) -> str | None:
        """'token' or 'cookie' when the request carries valid credentials, else None."""
        if not self.token and not self.password_hash:
            return "open"
        offered = self.offered_token(connection)
        if offered and self._token_valid(offered):
            return "token"
        cookie = connection.cookies.get(COOKIE, "")
        if cookie and self._cookie_valid(cookie):
            return "cookie"
        return None

    def xsrf_valid(self, connection: HTTPConnection) -> bool:
        """Double submit: the header (or form field) must repeat the _xsrf cookie."""
        cookie = connection.cookies.get(XSRF_COOKIE, "")
        offered = connection.headers.get(XSRF_HEADER, "") or connection.query_params.get(
            "_xsrf", ""
        )
        return bool(cookie) and hmac.compare_digest(cookie, offered)

    def origin_allowed(self, connection: HTTPConnection) -> bool:
        """A browser's websocket must come from a page of this server (or a configured origin)."""
        origin = connection.headers.get("origin")
        if origin is None:
            return True
        if "*" in self.allowed_origins or origin in self.allowed_origins:
            return True
        host = connection.headers.get("host", "")
        return origin.split("://", 1)[-1] == host
