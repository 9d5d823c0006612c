"""/api/notebooks/{path}/outputs/{file}: the whole text of a long stream output, read-only.

A stream output too long to keep whole in the notebook keeps its tail there and
names, in its metadata, the file with all of it (``interlace.notebooks.FileSpill``,
in the server's state under ``.interlace/outputs/``). The server's state is
never served through the contents API or ``/files/``; this route reads those
files alone, and only for a notebook path the server shows (``_hidden``).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from starlette.responses import FileResponse
from starlette.routing import Route

from interlace.errors import NotFound
from interlace.notebooks import SERVER_STATE, FileSpill, resolve
from interlace.server._requests import path_of

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from interlace.server._hidden import HiddenFiles

__all__ = ["OutputFiles"]

log = logging.getLogger("interlace.server")

SPILLED = re.compile(r"[0-9a-f]{24}-(stdout|stderr)\.txt")
"""``<hash of the cell id>-<stream name>.txt``, as FileSpill names them."""


class OutputFiles:
    """The route over the spilled outputs of the notebooks under ``hidden.root``."""

    def __init__(self, hidden: HiddenFiles) -> None:
        self.hidden = hidden

    def routes(self) -> list[Route]:
        return [Route("/api/notebooks/{path:path}/outputs/{file}", self.get, methods=["GET"])]

    async def get(self, request: Request) -> Response:
        notebook, name = path_of(request).strip("/"), str(request.path_params["file"])
        root = self.hidden.root
        if self.hidden.hides(notebook, root / notebook) or not SPILLED.fullmatch(name):
            raise NotFound(f"no output {name} of {notebook}")
        outputs = (root / SERVER_STATE / "outputs").resolve()
        target = resolve(root, f"{FileSpill(root, notebook).folder}/{name}")
        if outputs not in target.parents or not target.is_file():
            raise NotFound(f"no output {name} of {notebook}")
        return FileResponse(target, media_type="text/plain; charset=utf-8")
