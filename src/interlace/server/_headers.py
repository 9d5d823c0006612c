"""Headers on every response: no content sniffing, and a Content-Security-Policy.

As jupyter_server's ``AuthenticatedHandler.set_default_headers``: every answer
says ``X-Content-Type-Options: nosniff`` and may be framed only by the server's
own pages (``frame-ancestors 'self'``); API answers load nothing
(``default-src 'none'``); files of the root are sandboxed
(``sandbox allow-scripts``: their scripts run in an opaque origin of their own,
with no access to the server's cookies or API). A response that sets its own
policy keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["API_CSP", "FILES_CSP", "PAGE_CSP", "SecurityHeaders"]

PAGE_CSP = "frame-ancestors 'self'"
API_CSP = f"{PAGE_CSP}; default-src 'none'"
FILES_CSP = f"{PAGE_CSP}; sandbox allow-scripts"


@dataclass(frozen=True)
class SecurityHeaders:
    """ASGI middleware: adds the headers to every HTTP response."""

    app: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = API_CSP if str(scope["path"]).startswith("/api") else PAGE_CSP

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", policy.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)
