"""/api/notebooks/{path}/history...: a notebook's recorded past, for playback and forks.

The events (who did what, when), the notebook as it was right after any of
them, a new notebook forked from such a moment, and the whole recording as one
file to take to another server.
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from pycrdt import Doc
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from interlace.collab import NotebookDocument
from interlace.record import RecordingError
from interlace.server._requests import RequestError, json_body, path_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.requests import Request

    from interlace.record import Recordings
    from interlace.server._contents import Contents
    from interlace.server._rooms import Rooms

__all__ = ["HistoryApi", "notebook_at"]

log = logging.getLogger("interlace.server")


def notebook_at(recordings: Recordings, path: str, seq: int) -> dict[str, Any]:
    """The notebook (nbformat 4) right after event ``seq`` of its recording."""
    doc: Doc[Any] = Doc()
    doc.apply_update(recordings.state_at(path, seq))
    return NotebookDocument(doc).to_notebook()


class HistoryApi:
    """The endpoints over the server's recordings (made in its lifespan, with the rooms)."""

    def __init__(self, rooms: Callable[[], Rooms], contents: Contents) -> None:
        self._rooms = rooms
        self.contents = contents

    @property
    def recordings(self) -> Recordings:
        return self._rooms().recordings

    def routes(self) -> list[Route]:
        prefix = "/api/notebooks/{path:path}"
        return [
            Route(f"{prefix}/history", self.events, methods=["GET"]),
            Route(f"{prefix}/history", self.settings, methods=["PUT"]),
            Route(prefix + "/history/{seq:int}", self.moment, methods=["GET"]),
            Route(f"{prefix}/fork", self.fork, methods=["POST"]),
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

    async def fork(self, request: Request) -> Response:
        """A new notebook beside the recorded one, as it was right after event ``seq``."""
        path = path_of(request).strip("/")
        seq = (await json_body(request)).get("seq")
        if not isinstance(seq, int):
            raise RequestError(400, "seq must be an event number")
        try:
            notebook = notebook_at(self.recordings, path, seq)
        except RecordingError as exc:
            raise RequestError(404, str(exc)) from exc
        target = self._free_name(path, seq)
        self.contents.save(target, {"type": "notebook", "format": "json", "content": notebook})
        log.info("forked %s at event %d into %s", path, seq, target)
        return JSONResponse({"path": target}, status_code=201)

    def _free_name(self, path: str, seq: int) -> str:
        original = PurePosixPath(path)
        for number in range(1, 1000):
            suffix = f"-{number}" if number > 1 else ""
            name = f"{original.stem}-at-{seq}{suffix}.ipynb"
            candidate = str(original.with_name(name))
            if not self.contents.resolve(candidate).exists():
                return candidate
        raise RequestError(409, f"no free name to fork {path} into")

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
        if path in self._rooms().rooms:
            raise RequestError(409, f"{path} is open; import its recording under another path")
        text = (await request.body()).decode("utf-8", "replace")
        try:
            count = self.recordings.import_(path, iter(text.splitlines()))
        except RecordingError as exc:
            log.warning("refused a recording for %s: %s", path, exc)
            raise RequestError(400, str(exc)) from exc
        return JSONResponse({"path": path, "events": count}, status_code=201)
