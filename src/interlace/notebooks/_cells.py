"""A notebook's cells as an agent reads them: by id, with a hash of each source, outputs as text.

An agent never sees cell positions as addresses: every cell carries its id and
``hash``, a digest of its source that a later write or run names to say which
source it was based on (``StaleSource`` when the cell holds another one by
then). Outputs are summarized as the text a terminal would show (a stream's
text, a result's ``text/plain``, an error's traceback without colours), with
every mimetype an output carries and its size; images only on request. One
cell's outputs read as one text, ``transcript``, that a caller reads on from
an offset while the cell runs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

if TYPE_CHECKING:
    from interlace.collab import NotebookDocument
    from interlace.protocol import JSONDict

__all__ = [
    "FINISHED",
    "CellRun",
    "CellView",
    "ImageData",
    "OutputView",
    "RunRecord",
    "cell_view",
    "run_record",
    "source_hash",
    "transcript",
]

HASH_CHARS = 16
"""Hex digits of a source's SHA-256 kept as its hash: short to copy, 64 bits to collide."""

OUTPUT_CHARS = 4_000
"""Characters of each output's text a read shows (its head and tail); ``read_outputs`` has
the whole."""

FINISHED = frozenset({"ok", "error", "interrupted", "restarted", "died", "cancelled", "failed"})
"""Run statuses that end a run (``collab``'s run records)."""

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml")

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_TEXT_TYPES = ("text/plain", "text/markdown", "text/latex", "application/json")


class RunRecord(TypedDict, total=False):
    """A cell's last run, as its ``metadata.interlace`` records it."""

    status: str
    by: str
    queued: str
    started: str
    finished: str
    seconds: float
    interrupted: JSONDict
    restarted: JSONDict
    cancelled: str


class MimeSize(TypedDict):
    mimetype: str
    bytes: int


class ImageData(TypedDict):
    mimetype: str
    data: str
    """Base64."""


class OutputView(TypedDict):
    output_type: str
    text: str
    chars: int
    """The length of the whole text (``text`` holds at most ``OUTPUT_CHARS`` of it)."""
    mimetypes: list[MimeSize]
    name: NotRequired[str]
    images: NotRequired[list[ImageData]]


class CellView(TypedDict):
    id: str
    cell_type: str
    source: str
    hash: str
    execution_count: NotRequired[int | None]
    run: NotRequired[RunRecord | None]
    outputs: NotRequired[list[OutputView]]


class CellRun(CellView):
    """A cell an agent ran: as read now, whether its run is done, what the agent should know."""

    done: NotRequired[bool]
    note: NotRequired[str]


def source_hash(source: str) -> str:
    """The hash a write or run names to say which source of a cell it was based on."""
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]


def _joined(value: Any) -> str:
    return "".join(map(str, value)) if isinstance(value, list) else str(value or "")


def _size(value: Any) -> int:
    if isinstance(value, str | list):
        return len(_joined(value).encode("utf-8", "replace"))
    return len(json.dumps(value, default=str))


def output_text(output: JSONDict) -> str:
    """What a terminal shows of an output: stream text, an error's traceback, a result's
    plain text (or its markdown, LaTeX or JSON when it has no plain text)."""
    kind = output.get("output_type")
    if kind == "stream":
        return _joined(output.get("text"))
    if kind == "error":
        traceback = "\n".join(map(str, output.get("traceback") or []))
        head = f"{output.get('ename', '')}: {output.get('evalue', '')}"
        return _ANSI.sub("", traceback or head)
    data = output.get("data")
    if not isinstance(data, dict):
        return ""
    for mimetype in _TEXT_TYPES:
        if mimetype in data:
            value = data[mimetype]
            text = value if isinstance(value, str | list) else json.dumps(value)
            return _ANSI.sub("", _joined(text))
    return ""


def _images(data: JSONDict) -> list[ImageData]:
    images: list[ImageData] = []
    for mimetype in IMAGE_TYPES:
        value = data.get(mimetype)
        if value is None:
            continue
        text = _joined(value)
        if mimetype == "image/svg+xml":
            text = base64.b64encode(text.encode("utf-8")).decode("ascii")
        images.append(ImageData(mimetype=mimetype, data="".join(text.split())))
    return images


def _shortened(text: str) -> str:
    if len(text) <= OUTPUT_CHARS:
        return text
    half = OUTPUT_CHARS // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters left out ...]\n{text[-half:]}"


def output_view(output: JSONDict, images: bool = False) -> OutputView:
    """One output summarized: its text (head and tail when long), mimetypes and sizes."""
    text = output_text(output)
    data = output.get("data")
    bundle: JSONDict = data if isinstance(data, dict) else {}
    mimetypes = [MimeSize(mimetype=str(m), bytes=_size(v)) for m, v in bundle.items()]
    if output.get("output_type") == "stream":
        mimetypes = [MimeSize(mimetype="text/plain", bytes=_size(text))]
    view = OutputView(
        output_type=str(output.get("output_type", "")),
        text=_shortened(text),
        chars=len(text),
        mimetypes=mimetypes,
    )
    if "name" in output:
        view["name"] = str(output["name"])
    if images and (found := _images(bundle)):
        view["images"] = found
    return view


def transcript(outputs: list[JSONDict]) -> str:
    """A cell's outputs as one text, in order, each starting on a line of its own."""
    text = ""
    for output in outputs:
        piece = output_text(output)
        if text and piece and not text.endswith("\n"):
            text += "\n"
        text += piece
    return text


def run_record(document: NotebookDocument, cell_id: str) -> RunRecord | None:
    """The cell's last run record (``metadata.interlace``), or None if it never ran."""
    metadata: Any = document.cell(cell_id).get("metadata")
    record = metadata.get("interlace") if isinstance(metadata, dict) else None
    if not isinstance(record, dict):
        return None
    keys = RunRecord.__annotations__
    return RunRecord(**{k: v for k, v in record.items() if k in keys})  # type: ignore[typeddict-item]


def cell_view(
    document: NotebookDocument, cell_id: str, outputs: bool = True, images: bool = False
) -> CellView:
    """One cell as an agent reads it."""
    cell = document.cell(cell_id)
    source = document.source(cell_id)
    kind = str(cell.get("cell_type"))
    view = CellView(id=cell_id, cell_type=kind, source=source, hash=source_hash(source))
    view["run"] = run_record(document, cell_id)
    if kind == "code":
        count: Any = cell.get("execution_count")
        view["execution_count"] = int(count) if isinstance(count, int | float) else None
        if outputs:
            shown = document.shown_outputs(cell_id)
            view["outputs"] = [output_view(output, images) for output in shown]
    return view
