"""/api/notebooks/{path}/...: a server-owned notebook's commands and questions over REST.

Running cells, interrupting, restarting and saving go to the notebook
service's one command path, as they do from the notebook's websocket; also
completion and inspection from the notebook's kernel, answering ``input()``,
trusting a notebook (its content is signed with the user's secret, and its
HTML is then shown unsanitized), and a conflict with a file changed on disk:
what differs (``conflict``) and which version to keep (``resolve``). Edits
themselves go over ``/api/collab``.
"""

from __future__ import annotations

import json
import logging
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from interlace.errors import InterlaceError
from interlace.notebooks import parse_command, to_percent
from interlace.server._requests import RequestError, json_body, path_of

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from starlette.requests import Request

    from interlace.notebooks import Action, NotebookService

__all__ = ["NotebookApi"]

log = logging.getLogger("interlace.server")

_Reply = TypeVar("_Reply")

_EXPORTS = {"ipynb": ("application/x-ipynb+json", ".ipynb"), "py": ("text/x-python", ".py")}
"""Export formats: media type and file suffix."""


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
    """The endpoints, over the server's notebook service (made in the server's lifespan)."""

    def __init__(self, service: Callable[[], NotebookService]) -> None:
        self._service = service

    def routes(self) -> list[Route]:
        prefix = "/api/notebooks/{path:path}"
        return [
            Route(f"{prefix}/execute", self.execute, methods=["POST"]),
            Route(f"{prefix}/interrupt", self._command("interrupt"), methods=["POST"]),
            Route(f"{prefix}/restart", self._command("restart"), methods=["POST"]),
            Route(f"{prefix}/change_kernel", self._command("change_kernel"), methods=["POST"]),
            Route(f"{prefix}/save", self._command("save"), methods=["POST"]),
            Route(f"{prefix}/resolve", self.resolve, methods=["POST"]),
            Route(f"{prefix}/conflict", self.conflict, methods=["GET"]),
            Route(f"{prefix}/states", self.states, methods=["GET"]),
            Route(f"{prefix}/complete", self.complete, methods=["POST"]),
            Route(f"{prefix}/inspect", self.inspect, methods=["POST"]),
            Route(f"{prefix}/input", self.input, methods=["POST"]),
            Route(f"{prefix}/trust", self.trust, methods=["GET", "POST"]),
            Route(f"{prefix}/export", self.export, methods=["GET"]),
        ]

    async def execute(self, request: Request) -> Response:
        command = parse_command(await json_body(request), who="rest", action="execute")
        reply = await self._service().command(path_of(request), command)
        return JSONResponse(reply, status_code=202)

    def _command(self, action: Action) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            command = parse_command(await json_body(request), who="rest", action=action)
            await self._service().command(path_of(request), command)
            return Response(status_code=204)

        return endpoint

    async def resolve(self, request: Request) -> Response:
        """``{"keep": "file" | "shared"}``: end a conflict with the file changed on disk."""
        command = parse_command(await json_body(request), who="rest", action="resolve")
        return JSONResponse(await self._service().command(path_of(request), command))

    async def states(self, request: Request) -> Response:
        """Whether each code cell's outputs still match its source and the kernel:
        ``{"session", "cells": [{"id", "state", "stale_because", "reads", ...}]}``."""
        runs = self._service().open(path_of(request)).room.runs
        return JSONResponse({"session": runs.session, "cells": runs.states()})

    async def export(self, request: Request) -> Response:
        """The notebook as it is now (edits not yet saved included), to download:
        ``?format=ipynb`` (the default) or ``py`` (a percent-format script)."""
        path = path_of(request)
        kind = request.query_params.get("format", "ipynb")
        if kind not in _EXPORTS:
            raise RequestError(400, f"format must be one of: {', '.join(_EXPORTS)}")
        notebook = self._service().open(path).room.document.to_notebook()
        media_type, suffix = _EXPORTS[kind]
        body = to_percent(notebook) if kind == "py" else json.dumps(notebook, indent=1) + "\n"
        name = PurePosixPath(path).with_suffix(suffix).name
        disposition = f"attachment; filename*=UTF-8''{quote(name)}"
        return Response(body, media_type=media_type, headers={"content-disposition": disposition})

    async def conflict(self, request: Request) -> Response:
        """What differs between the notebook and its file changed on disk, cell by cell;
        ``{"conflict": null}`` when they do not conflict."""
        notebook = self._service().open(path_of(request))
        found = notebook.differences()
        if found is None:
            return JSONResponse({"conflict": None})
        return JSONResponse({"conflict": {"since": notebook.conflict, **found}})

    async def complete(self, request: Request) -> Response:
        code, cursor = _code_at(await json_body(request))
        notebook = self._service().open(path_of(request))
        return JSONResponse(await self._ask_kernel(notebook.complete(code, cursor)))

    async def inspect(self, request: Request) -> Response:
        body = await json_body(request)
        code, cursor = _code_at(body)
        detail = 1 if body.get("detail_level") == 1 else 0
        notebook = self._service().open(path_of(request))
        return JSONResponse(await self._ask_kernel(notebook.inspect(code, cursor, detail)))

    async def _ask_kernel(self, asking: Awaitable[_Reply]) -> _Reply:
        try:
            return await asking
        except InterlaceError as exc:
            log.warning("a notebook's kernel did not answer: %s", exc)
            raise RequestError(503, f"the kernel did not answer: {exc}") from exc

    async def input(self, request: Request) -> Response:
        value = (await json_body(request)).get("value")
        if not isinstance(value, str):
            raise RequestError(400, "value must be a string")
        self._service().open(path_of(request)).answer_input(value)
        return Response(status_code=204)

    async def trust(self, request: Request) -> Response:
        """GET: whether the notebook's content is trusted; POST ``{"trusted": bool}``:
        trust (sign) its content as it is now, or stop trusting it."""
        notebook = self._service().open(path_of(request))
        if request.method == "POST":
            trusted = (await json_body(request)).get("trusted")
            if not isinstance(trusted, bool):
                raise RequestError(400, "trusted must be true or false")
            notebook.set_trusted(trusted)
        return JSONResponse({"trusted": notebook.trusted})
