"""Server-owned collaborative notebooks: the shared document, rooms, execution into it."""

from interlace.collab._document import NotebookDocument as NotebookDocument
from interlace.collab._lines import Peer as Peer
from interlace.collab._nbformat import fit_output as fit_output
from interlace.collab._outputs import as_output as as_output
from interlace.collab._room import RESYNC as RESYNC
from interlace.collab._room import Room as Room
from interlace.collab._runs import CellRuns as CellRuns
from interlace.collab._runs import OutputSpill as OutputSpill
from interlace.collab._runs import RunningCell as RunningCell
from interlace.collab._runs import Start as Start
from interlace.collab._schema import CELL_ID as CELL_ID
from interlace.collab._schema import CELL_TYPES as CELL_TYPES
from interlace.collab._schema import OUTPUT_TYPES as OUTPUT_TYPES
from interlace.collab._schema import is_cell_type as is_cell_type
from interlace.collab._schema import is_count as is_count
from interlace.collab._schema import is_output_type as is_output_type
from interlace.collab._streams import MAX_STREAM_CHARS as MAX_STREAM_CHARS
from interlace.collab._streams import bounded as bounded
from interlace.collab._streams import merge_stream as merge_stream

__all__ = [
    "CELL_ID",
    "CELL_TYPES",
    "MAX_STREAM_CHARS",
    "OUTPUT_TYPES",
    "RESYNC",
    "CellRuns",
    "NotebookDocument",
    "OutputSpill",
    "Peer",
    "Room",
    "RunningCell",
    "Start",
    "as_output",
    "bounded",
    "fit_output",
    "is_cell_type",
    "is_count",
    "is_output_type",
    "merge_stream",
]
