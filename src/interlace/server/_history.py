"""/api/notebooks/{path}/history...: a notebook's recorded past, for playback and forks.

The events (who did what, when), the notebook as it was right after any of
them, a new notebook forked from such a moment, and the whole recording as one
file to take to another server.
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from interlace.errors import RecordingError
from interlace.notebooks import fork, notebook_at
from interlace.server._requests import RequestError, json_body, path_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.requests import Request

    from interlace.notebooks import NotebookService
    from interlace.record import Recordings

__all__ = ["HistoryApi"]

log = logging.getLogger("interlace.server")


class HistoryApi:
    """The endpoints over the notebook service's recordings (made in the server's lifespan)."""

    def __init__(self, service: Callable[[], NotebookService]) -> None:
        self._service = service

    @property
    def recordings(self) -> Recordings:
        return self._service().recordings

    def routes(self) -> list[Route]:
        prefix = "/api/notebooks/{path:path}"
        return [
            Route(f"{prefix}/history", self.events, methods=["GET"]),
            Route(f"{prefix}/history", self.settings, methods=["PUT"]),
            Route(prefix + "/history/{seq:int}", self.moment, methods=["GET"]),
            Route(f"{prefix}/fork", self.fork_at, methods=["POST"]),
            Route(f"{prefix}/recording", self.export, methods=["GET"]),
            Route(f"{prefix}/recording", self.import_, methods=["PUT"]),
        ]

    async def events(self, request: Request) -> Response:
        path = path_of(request).strip("/")
        events = [event.summary() for event in self.recordings.events(path)]
        return JSONResponse({"enabled": self.recordings.enabled(path), "events": events})

    async def settings(self, request: Request) -> Response:
        enabled = (await json_body(request)).get("enabled")
        if not isinstance(enabled, bool):
            raise RequestError(400, "enabled must be true or false")
        path = path_of(request).strip("/")
        self.recordings.set_enabled(path, enabled)
        log.info("recording of %s turned %s", path, "on" if enabled else "off")
        return JSONResponse({"enabled": enabled})

    async def moment(self, request: Request) -> Response:
        path, seq = path_of(request).strip("/"), int(request.path_params["seq"])
        try:
            event = self.recordings.event(path, seq)
            notebook = notebook_at(self.recordings, path, seq)
        except RecordingError as exc:
            raise RequestError(404, str(exc)) from exc
        present = self.recordings.present_at(path, seq)
        body = {"seq": seq, "at": event.at, "notebook": notebook, "present": present}
        return JSONResponse(body)

    async def fork_at(self, request: Request) -> Response:
        """A new notebook beside the recorded one, as it was right after event ``seq``."""
        path = path_of(request).strip("/")
        seq = (await json_body(request)).get("seq")
        if not isinstance(seq, int):
            raise RequestError(400, "seq must be an event number")
        try:
            target = fork(self._service().root, self.recordings, path, seq)
        except RecordingError as exc:
            raise RequestError(404, str(exc)) from exc
        return JSONResponse({"path": target}, status_code=201)

    async def export(self, request: Request) -> Response:
        path = path_of(request).strip("/")
        try:
            lines = self.recordings.export(path)
            first = next(lines)
        except RecordingError as exc:
            raise RequestError(404, str(exc)) from exc
        name = PurePosixPath(path).stem + ".interlace-recording.jsonl"

        def everything() -> Any:
            yield first
            yield from lines

        return StreamingResponse(
            everything(),
            media_type="application/x-ndjson",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )

    async def import_(self, request: Request) -> Response:
        path = path_of(request).strip("/")
        if self._service().is_open(path):
            raise RequestError(409, f"{path} is open; import its recording under another path")
        text = (await request.body()).decode("utf-8", "replace")
        try:
            count = self.recordings.import_(path, iter(text.splitlines()))
        except RecordingError as exc:
            log.warning("refused a recording for %s: %s", path, exc)
            raise RequestError(400, str(exc)) from exc
        return JSONResponse({"path": path, "events": count}, status_code=201)
