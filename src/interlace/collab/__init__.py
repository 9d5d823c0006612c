"""Server-owned collaborative notebooks: the shared document (more to come: rooms, execution)."""

from interlace.collab._document import NotebookDocument as NotebookDocument
from interlace.collab._streams import MAX_STREAM_CHARS as MAX_STREAM_CHARS
from interlace.collab._streams import bounded as bounded
from interlace.collab._streams import merge_stream as merge_stream

__all__ = ["MAX_STREAM_CHARS", "NotebookDocument", "bounded", "merge_stream"]
