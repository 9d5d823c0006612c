"""What a browser sees: the login page, the notebook app's pages and assets, raw files.

The app (built from ``frontend/`` into ``static/`` when the package is
installed) is one page: ``/tree/...`` shows the file browser, ``/notebooks/...``
a notebook. ``/files/...`` serves files of the root as they are, but sandboxed
as jupyter_server's ``AuthenticatedFileHandler`` does: an HTML or SVG file's
scripts run in an origin of their own, which can neither read the server's
cookies nor call its API.

The login form checks at most two passwords at a time off the event loop
(``_auth``) and answers 429 to a client that keeps failing (``_throttle``).
"""

from __future__ import annotations

import html
import logging
import math
import secrets
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote

from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from interlace.server._auth import XSRF_COOKIE
from interlace.server._headers import FILES_CSP
from interlace.server._requests import RequestError, path_of
from interlace.server._throttle import LoginThrottle

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute

    from interlace.server._auth import Authenticator
    from interlace.server._contents import Contents

__all__ = ["AppPages", "LoginPages", "login_redirect", "safe_next"]

log = logging.getLogger("interlace.server")

STATIC = Path(__file__).parent / "static"
"""The built frontend (not in the repository: made by the build from ``frontend/``)."""

MAX_CHECKS_WAITING = 32
"""Password checks queued for a thread past which a login is told to come back later."""

_COLOURS = ("#e66100", "#5d3a9b", "#1a85ff", "#d41159", "#40b0a6", "#994f00", "#0c7bdc")
_STYLE = (
    "<style>body{font:15px system-ui,sans-serif;display:grid;place-items:center;"
    "min-height:90vh;background:#f6f7f9;color:#1f2328}form{background:#fff;padding:2em;"
    "border:1px solid #d0d7de;border-radius:8px;display:grid;gap:1em;min-width:18em}"
    "input{font:inherit;padding:.4em;width:100%;box-sizing:border-box}"
    "button{font:inherit;padding:.4em 1em}[role=alert]{color:#cf222e;margin:0}</style>"
)


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this server, never another site."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/tree/"


class LoginPages:
    """The password login: a form, a signed cookie, and the XSRF cookie with it."""

    def __init__(self, auth: Authenticator, throttle: LoginThrottle | None = None) -> None:
        self.auth = auth
        self.throttle = throttle or LoginThrottle()

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/login", self.login_page, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", self.logout),
        ]

    def _form(self, xsrf: str, then: str, error: str = "", status: int = 200) -> Response:
        message = f"<p role='alert'>{html.escape(error)}</p>" if error else ""
        page = (
            f"<!doctype html><meta charset='utf-8'><title>interlace login</title>{_STYLE}"
            f"<form method='post' action='/login'><strong>interlace</strong>{message}"
            "<label>Password or token <input type='password' name='password' autofocus></label>"
            f"<input type='hidden' name='_xsrf' value='{html.escape(xsrf)}'>"
            f"<input type='hidden' name='next' value='{html.escape(then)}'>"
            "<button type='submit'>Log in</button></form>"
        )
        response = HTMLResponse(page, status_code=status)
        response.set_cookie(XSRF_COOKIE, xsrf, samesite="strict")
        return response

    def _later(self, xsrf: str, then: str, wait: float) -> Response:
        seconds = max(1, math.ceil(wait))
        response = self._form(xsrf, then, f"Too many attempts; try again in {seconds} s.", 429)
        response.headers["retry-after"] = str(seconds)
        return response

    async def login_page(self, request: Request) -> Response:
        xsrf = request.cookies.get(XSRF_COOKIE) or secrets.token_urlsafe(24)
        return self._form(xsrf, safe_next(request.query_params.get("next")))

    async def login(self, request: Request) -> Response:
        fields = {
            k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()
        }
        then = safe_next(fields.get("next"))
        xsrf = request.cookies.get(XSRF_COOKIE, "")
        if not xsrf or not secrets.compare_digest(xsrf, fields.get("_xsrf", "")):
            log.warning("login refused: missing or wrong XSRF token")
            fresh = secrets.token_urlsafe(24)
            return self._form(fresh, then, "Your session expired; try again.", 403)
        client = request.client.host if request.client else ""
        wait = self.throttle.retry_after(client)
        if wait or self.auth.checks_waiting >= MAX_CHECKS_WAITING:
            log.warning("login refused: too many attempts (client %s)", client)
            return self._later(xsrf, then, wait)
        self.throttle.charge(client)
        if not await self.auth.check_password(fields.get("password", "")):
            log.warning("login refused: wrong password (client %s)", client)
            return self._form(xsrf, then, "Wrong password.", 401)
        self.throttle.forgive(client)
        response = RedirectResponse(then, status_code=303)
        cookies = self.auth.cookies
        response.set_cookie(cookies.name, cookies.make(), httponly=True, samesite="lax")
        return response

    async def logout(self, request: Request) -> Response:
        """Log out for good: the cookie is revoked, so a copy of it is refused too."""
        cookies = self.auth.cookies
        cookies.revoke(request.cookies.get(cookies.name, ""))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(cookies.name)
        return response


class AppPages:
    """The notebook app's page for every route it handles, its assets, and raw files."""

    def __init__(self, contents: Contents, static: Path = STATIC) -> None:
        self.contents = contents
        self.static = static

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self.home),
            Route("/tree", self.app),
            Route("/tree/{path:path}", self.app),
            Route("/notebooks/{path:path}", self.app),
            Route("/files/{path:path}", self.file),
            Route("/api/me", self.me),
            Mount("/static", StaticFiles(directory=self.static, check_dir=False), name="static"),
        ]

    async def home(self, request: Request) -> Response:
        return RedirectResponse("/tree/", status_code=302)

    async def app(self, request: Request) -> Response:
        index = self.static / "index.html"
        if not index.is_file():
            log.error("the notebook app is not built: %s is missing", index)
            return HTMLResponse(
                "<!doctype html><title>interlace</title><h1>The notebook app is not built</h1>"
                "<p>Install interlace with Node.js on the PATH (<code>pip install .</code>); "
                "the build makes it from <code>frontend/</code>. The Jupyter Server API at "
                "<code>/api</code> works without it.</p>",
                status_code=503,
            )
        response = FileResponse(index, media_type="text/html")
        response.headers["cache-control"] = "no-cache"
        if XSRF_COOKIE not in request.cookies:
            response.set_cookie(XSRF_COOKIE, secrets.token_urlsafe(24), samesite="strict")
        return response

    async def file(self, request: Request) -> Response:
        """A file as it is, sandboxed; a notebook or ``?download=1`` as an attachment."""
        path = path_of(request)
        target = self.contents.resolve(path)
        if not target.is_file():
            raise RequestError(404, f"no file {path}")
        download = request.query_params.get("download") in ("1", "true")
        attach = download or target.suffix == ".ipynb"
        return FileResponse(
            target,
            headers={"content-security-policy": FILES_CSP},
            media_type="application/x-ipynb+json" if target.suffix == ".ipynb" else None,
            filename=target.name if attach else None,
            content_disposition_type="attachment" if attach else "inline",
        )

    async def me(self, request: Request) -> Response:
        """A name and colour to start with; people rename themselves in the page."""
        number = secrets.randbelow(9000) + 1000
        return JSONResponse({"name": f"Guest {number}", "color": secrets.choice(_COLOURS)})


def login_redirect(path: str, query: str) -> str:
    """The login page, sending the person back to ``path`` afterwards."""
    target = path + (f"?{query}" if query else "")
    return "/login?next=" + quote(target, safe="")
