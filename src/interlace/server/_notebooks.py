"""/api/notebooks/{path}/...: what the notebook page asks of a server-owned notebook.

Running cells, interrupting, restarting, saving, completion and inspection from
the notebook's kernel, answering ``input()``, and trusting a notebook (its HTML
is then shown unsanitized). Edits themselves go over ``/api/collab``.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from interlace.errors import InterlaceError
from interlace.server._requests import RequestError, json_body, path_of
from interlace.store import atomic_write

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    from starlette.requests import Request

    from interlace.protocol import JSONDict
    from interlace.server._rooms import Rooms

__all__ = ["NotebookApi", "TrustedNotebooks"]

log = logging.getLogger("interlace.server")


class TrustedNotebooks:
    """The notebooks whose owner said their HTML and scripts may run, kept in one JSON file."""

    def __init__(self, file: Path) -> None:
        self.file = file
        try:
            stored = json.loads(file.read_text("utf-8"))
        except (OSError, ValueError):
            stored = []
        self.paths = {str(p) for p in stored} if isinstance(stored, list) else set()

    def __contains__(self, path: str) -> bool:
        return path.strip("/") in self.paths

    def set(self, path: str, trusted: bool) -> None:
        if trusted:
            self.paths.add(path.strip("/"))
        else:
            self.paths.discard(path.strip("/"))
        self.file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.file, json.dumps(sorted(self.paths)).encode())


def _who(body: dict[str, Any]) -> str:
    return str(body.get("who") or "rest")


def _code_at(body: dict[str, Any]) -> tuple[str, int]:
    code, cursor = body.get("code"), body.get("cursor_pos")
    if not isinstance(code, str):
        raise RequestError(400, "code must be a string")
    if cursor is None:
        cursor = len(code)
    if not isinstance(cursor, int) or not 0 <= cursor <= len(code):
        raise RequestError(400, "cursor_pos must be a position in code")
    return code, cursor


class NotebookApi:
    """The endpoints, over the server's rooms (created in the server's lifespan)."""

    def __init__(self, rooms: Callable[[], Rooms], trusted: TrustedNotebooks) -> None:
        self._rooms = rooms
        self.trusted = trusted

    def routes(self) -> list[Route]:
        prefix = "/api/notebooks/{path:path}"
        return [
            Route(f"{prefix}/execute", self.execute, methods=["POST"]),
            Route(f"{prefix}/interrupt", self.interrupt, methods=["POST"]),
            Route(f"{prefix}/restart", self.restart, methods=["POST"]),
            Route(f"{prefix}/save", self.save, methods=["POST"]),
            Route(f"{prefix}/complete", self.complete, methods=["POST"]),
            Route(f"{prefix}/inspect", self.inspect, methods=["POST"]),
            Route(f"{prefix}/input", self.input, methods=["POST"]),
            Route(f"{prefix}/trust", self.trust, methods=["GET", "POST"]),
        ]

    async def execute(self, request: Request) -> Response:
        body = await json_body(request)
        try:
            cells = await self._rooms().execute(path_of(request), body, _who(body))
        except ValueError as exc:
            raise RequestError(400, str(exc)) from exc
        except KeyError as exc:
            raise RequestError(404, str(exc.args[0])) from exc
        return JSONResponse({"queued": cells}, status_code=202)

    async def interrupt(self, request: Request) -> Response:
        await self._rooms().interrupt(path_of(request), _who(await json_body(request)))
        return Response(status_code=204)

    async def restart(self, request: Request) -> Response:
        await self._rooms().restart(path_of(request), _who(await json_body(request)))
        return Response(status_code=204)

    async def save(self, request: Request) -> Response:
        self._rooms().open(path_of(request)).save()
        return Response(status_code=204)

    async def complete(self, request: Request) -> Response:
        code, cursor = _code_at(await json_body(request))
        return JSONResponse(
            await self._ask_kernel(self._rooms().complete(path_of(request), code, cursor))
        )

    async def inspect(self, request: Request) -> Response:
        body = await json_body(request)
        code, cursor = _code_at(body)
        detail = 1 if body.get("detail_level") == 1 else 0
        asked = self._rooms().inspect(path_of(request), code, cursor, detail)
        return JSONResponse(await self._ask_kernel(asked))

    async def _ask_kernel(self, asking: Awaitable[JSONDict]) -> JSONDict:
        try:
            return await asking
        except InterlaceError as exc:
            log.warning("a notebook's kernel did not answer: %s", exc)
            raise RequestError(503, f"the kernel did not answer: {exc}") from exc

    async def input(self, request: Request) -> Response:
        value = (await json_body(request)).get("value")
        if not isinstance(value, str):
            raise RequestError(400, "value must be a string")
        try:
            self._rooms().answer_input(path_of(request), value)
        except LookupError as exc:
            raise RequestError(409, str(exc)) from exc
        return Response(status_code=204)

    async def trust(self, request: Request) -> Response:
        path = path_of(request)
        self._rooms().open(path)
        if request.method == "POST":
            self.trusted.set(path, (await json_body(request)).get("trusted") is True)
        return JSONResponse({"trusted": path in self.trusted})
