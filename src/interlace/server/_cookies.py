"""Login cookies: signed, bound to one server and its credentials, revocable.

Every server of a user signs with one secret kept in the runtime directory, so
that a browser stays logged in across a restart; yet a cookie works on one
server only:

- its name carries the server's port (a browser sends a host's cookies to
  every port of it), as jupyter_server's ``username-<host>-<port>`` does;
- its signature covers the port and a digest of the server's token and
  password hash: a cookie of another server, or from before the token or the
  password changed, is refused;
- logging out revokes it: its session id is kept, until the cookie would have
  expired anyway, in a file of the runtime directory, so a revoked cookie stays
  refused when replayed, after a restart too. Past ``MAX_REVOKED`` ids the
  server's generation moves on instead, which revokes all its cookies at once.

A value is ``<expiry>.<session>.<signature>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from typing import TYPE_CHECKING

from interlace.store import atomic_write

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["COOKIE_LIFETIME", "LoginCookies", "credentials_digest"]

log = logging.getLogger("interlace.server")

COOKIE_PREFIX = "interlace-auth"
COOKIE_LIFETIME = 30 * 24 * 3600
MAX_REVOKED = 1000


def credentials_digest(token: str, password_hash: str) -> str:
    """What a cookie is bound to: changes whenever the token or the password does."""
    return hashlib.sha256(f"{token}\0{password_hash}".encode()).hexdigest()


class LoginCookies:
    """Makes, checks and revokes the login cookies of the server on ``port``."""

    def __init__(self, secret: bytes, port: int, credentials: str, store: Path) -> None:
        self.name = f"{COOKIE_PREFIX}-{port}"
        self._secret = secret
        self._bound_to = f"{port}|{credentials}"
        self._store = store
        self._generation, self._revoked = self._load()

    def _load(self) -> tuple[int, dict[str, int]]:
        try:
            stored = json.loads(self._store.read_text("utf-8"))
            generation = int(stored["generation"])
            revoked = {str(k): int(v) for k, v in dict(stored["revoked"]).items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return 0, {}
        return generation, revoked

    def _save(self) -> None:
        stored = {"generation": self._generation, "revoked": self._revoked}
        self._store.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self._store, json.dumps(stored).encode(), mode=0o600)

    def _sign(self, expiry: str, session: str) -> str:
        signed = f"{self._bound_to}|{self._generation}|{expiry}|{session}"
        return hmac.new(self._secret, signed.encode(), hashlib.sha256).hexdigest()

    def make(self) -> str:
        expiry, session = str(int(time.time()) + COOKIE_LIFETIME), secrets.token_hex(16)
        return f"{expiry}.{session}.{self._sign(expiry, session)}"

    def _session(self, value: str) -> tuple[str, int] | None:
        """The session id and expiry of a cookie this server signed and has not revoked."""
        parts = value.split(".")
        if len(parts) != 3:
            return None
        expiry, session, signature = parts
        if not expiry.isdigit() or int(expiry) < time.time():
            return None
        if not hmac.compare_digest(signature, self._sign(expiry, session)):
            return None
        return None if session in self._revoked else (session, int(expiry))

    def valid(self, value: str) -> bool:
        return self._session(value) is not None

    def revoke(self, value: str) -> None:
        """Log this cookie out for good (nothing happens to a cookie that is not valid)."""
        found = self._session(value)
        if found is None:
            return
        now = time.time()
        self._revoked = {s: e for s, e in self._revoked.items() if e >= now}
        self._revoked[found[0]] = found[1]
        if len(self._revoked) > MAX_REVOKED:
            self._generation += 1
            self._revoked = {}
            log.warning("too many revoked logins: every login cookie of this server revoked")
        self._save()
