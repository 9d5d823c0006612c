"""The server's door: every request is checked here before any endpoint sees it.

In order: the Host must be one of the server's names (``_origin``: DNS
rebinding); a write or websocket must come from the server's own pages or an
allowed origin (``_origin``: cross-site requests, in open mode too); then, for
all but the login page and ``/api``, the request needs credentials (``_auth``),
and a write authenticated by the cookie alone needs the XSRF token. Every
refusal is logged, without the credentials offered.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, RedirectResponse, Response

from interlace.server._pages import login_redirect
from interlace.server._requests import SAFE_METHODS

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from interlace.server._auth import Authenticator
    from interlace.server._origin import Sites

__all__ = ["Guard"]

log = logging.getLogger("interlace.server")

PUBLIC_PATHS = frozenset({"/login", "/api"})

Refusal = tuple[int, str]


def _is_page(scope: Scope) -> bool:
    """A GET a person's browser makes for a page (not the API or an asset)."""
    path = str(scope["path"])
    return (
        scope["type"] == "http"
        and scope.get("method") == "GET"
        and not path.startswith(("/api", "/static/"))
    )


class Guard:
    """ASGI middleware: the site checks on every request, credentials on all but login."""

    def __init__(self, app: ASGIApp, auth: Authenticator, sites: Sites) -> None:
        self.app = app
        self.auth = auth
        self.sites = sites

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        refusal = self._site_refusal(connection)
        if refusal is None and scope["path"] not in PUBLIC_PATHS:
            refusal = self._credentials_refusal(connection, scope)
            if refusal is None and _is_page(scope) and "token" in connection.query_params:
                await self._token_to_cookie(connection)(scope, receive, send)
                return
        if refusal is None:
            await self.app(scope, receive, send)
            return
        await self._refuse(refusal, scope, receive, send)

    async def _refuse(self, refusal: Refusal, scope: Scope, receive: Receive, send: Send) -> None:
        status, reason = refusal
        log.warning("refused %s %s: %s", scope.get("method", "WEBSOCKET"), scope["path"], reason)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": reason})
            return
        if status == 401 and _is_page(scope):
            query = scope.get("query_string", b"").decode("latin-1")
            response: Response = RedirectResponse(login_redirect(scope["path"], query), 303)
        else:
            response = JSONResponse({"message": reason, "reason": reason}, status_code=status)
        await response(scope, receive, send)

    def _token_to_cookie(self, connection: HTTPConnection) -> Response:
        """A page opened with ``?token=`` (the URL the server prints): log in, drop the token."""
        query = urlencode(
            [(k, v) for k, v in connection.query_params.multi_items() if k != "token"]
        )
        response = RedirectResponse(connection.url.path + (f"?{query}" if query else ""), 303)
        cookies = self.auth.cookies
        response.set_cookie(cookies.name, cookies.make(), httponly=True, samesite="lax")
        return response

    def _site_refusal(self, connection: HTTPConnection) -> Refusal | None:
        reason = self.sites.host_refusal(connection) or self.sites.origin_refusal(connection)
        return None if reason is None else (403, reason)

    def _credentials_refusal(self, connection: HTTPConnection, scope: Scope) -> Refusal | None:
        how = self.auth.identify(connection)
        if how is None:
            # A cookie of another server, or from before a logout or a new token, is no
            # credential at all: the person is sent to log in again.
            wrong = bool(self.auth.offered_token(connection))
            return (403, "invalid credentials") if wrong else (401, "authentication required")
        if (
            how == "cookie"
            and scope["type"] == "http"
            and scope["method"] not in SAFE_METHODS
            and not self.auth.xsrf_valid(connection)
        ):
            return 403, "XSRF token missing or wrong"
        return None
