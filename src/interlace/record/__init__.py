"""Recording and playback: every notebook's history, and kernel sessions as files."""

from interlace.errors import RecordingError as RecordingError
from interlace.record._notebooks import SNAPSHOT_AT_MOST as SNAPSHOT_AT_MOST
from interlace.record._notebooks import SNAPSHOT_EVERY as SNAPSHOT_EVERY
from interlace.record._notebooks import Event as Event
from interlace.record._notebooks import NotebookRecorder as NotebookRecorder
from interlace.record._notebooks import Recordings as Recordings
from interlace.record._sessions import SESSION_FORMAT as SESSION_FORMAT
from interlace.record._sessions import SessionWriter as SessionWriter
from interlace.record._sessions import play as play
from interlace.record._sessions import read_recording as read_recording

__all__ = [
    "SESSION_FORMAT",
    "SNAPSHOT_AT_MOST",
    "SNAPSHOT_EVERY",
    "Event",
    "NotebookRecorder",
    "RecordingError",
    "Recordings",
    "SessionWriter",
    "play",
    "read_recording",
]
