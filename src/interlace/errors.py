"""The one exception tree of interlace.

Every error interlace raises on purpose is an ``InterlaceError``; exceptions of
the libraries underneath (zmq, orjson, the OS) are translated into this tree
at the boundary where they occur, so callers catch interlace's names only::

    InterlaceError
    ├── ProtocolError             a message or a connection file is not acceptable
    │   ├── MalformedMessage      frames or JSON that cannot be a Jupyter message
    │   ├── InvalidSignature      unsigned, or signed with another key
    │   ├── ReplayedMessage       a valid signature that was already seen
    │   ├── UnsupportedVersion    a header whose protocol version is not 5.x
    │   ├── UnsupportedSignatureScheme
    │   ├── ConnectionFileError   unreadable or incomplete connection file
    │   └── MalformedUpdate       a Yjs sync or awareness message that cannot be applied
    ├── ConnectionFileNotFound    ``--existing`` lookup found nothing
    ├── ChannelError              a socket could not be bound, connected or used
    │   ├── ChannelClosed         the channel was closed while in use
    │   ├── KernelDied            the kernel stopped answering or its process ended
    │   └── ReplyTimeout          no reply within the time asked for
    ├── KernelSpecError           a kernelspec that cannot be found, read or installed
    ├── KernelStartError          a kernel process that did not start or never answered
    ├── NotebookError             a request about a notebook that cannot be served
    │   ├── NotFound              no such notebook, cell, session, kernel or file
    │   ├── InvalidNotebook       not an nbformat 4 notebook
    │   ├── BadCommand            a command or request that is malformed or names nothing
    │   ├── NotWaiting            an answer to an ``input()`` no cell is asking
    │   ├── FileConflict          the file changed on disk while the notebook had unsaved
    │   │                         changes: both are kept until someone chooses
    │   ├── StaleSource           a cell's source is no longer the one a write or run was
    │   │                         based on (its hash differs): read it again
    │   └── AgentRefused          the notebook does not let agents do that (or anything)
    ├── RecordingError            a recording that cannot be read, or a moment it lacks
    └── StorageError              the disk refused a write (full, read-only, failing)

Adapters (HTTP, websockets, JSON-RPC) turn these into their own answers at one
place each: a ``NotFound`` is a 404, an ``InvalidNotebook`` or ``BadCommand`` a
400, ``NotWaiting``, ``FileConflict`` and ``StaleSource`` a 409, ``AgentRefused`` a
403, a ``StorageError`` a 507.
"""

from __future__ import annotations

__all__ = [
    "AgentRefused",
    "BadCommand",
    "ChannelClosed",
    "ChannelError",
    "ConnectionFileError",
    "ConnectionFileNotFound",
    "FileConflict",
    "InterlaceError",
    "InvalidNotebook",
    "InvalidSignature",
    "KernelDied",
    "KernelSpecError",
    "KernelStartError",
    "MalformedMessage",
    "MalformedUpdate",
    "NotFound",
    "NotWaiting",
    "NotebookError",
    "ProtocolError",
    "RecordingError",
    "ReplayedMessage",
    "ReplyTimeout",
    "StaleSource",
    "StorageError",
    "UnsupportedSignatureScheme",
    "UnsupportedVersion",
]


class InterlaceError(Exception):
    """Base of every error interlace raises on purpose."""


class ProtocolError(InterlaceError):
    """Input that does not follow the Jupyter messaging protocol."""


class MalformedMessage(ProtocolError):
    """Frames that cannot be decoded into a message, or content that cannot be encoded."""


class InvalidSignature(ProtocolError):
    """A message that is unsigned or whose HMAC does not match the session key."""


class ReplayedMessage(ProtocolError):
    """A correctly signed message whose signature was seen before: a replay."""


class UnsupportedVersion(ProtocolError):
    """A header whose protocol version is not in the 5.x family we speak."""


class UnsupportedSignatureScheme(ProtocolError):
    """A signature scheme that is not ``hmac-<hashlib digest>``."""


class ConnectionFileError(ProtocolError):
    """A connection file that cannot be read or lacks required fields."""


class MalformedUpdate(ProtocolError):
    """A Yjs sync or awareness message from a peer that cannot be decoded or applied."""


class ConnectionFileNotFound(InterlaceError, FileNotFoundError):
    """No connection file matches the name or pattern that was asked for."""


class ChannelError(InterlaceError):
    """A ZeroMQ channel could not be bound, connected or used."""


class ChannelClosed(ChannelError):
    """The channel was closed while a send or receive was under way."""


class KernelSpecError(InterlaceError):
    """A kernelspec that cannot be found, read or installed."""


class KernelDied(ChannelError):
    """The kernel's process ended or its heartbeat stopped; pending calls get this."""


class ReplyTimeout(ChannelError, TimeoutError):
    """A request got no reply within its timeout (the kernel may simply be busy)."""


class KernelStartError(InterlaceError):
    """A kernel process that could not be launched or did not answer in time."""


class NotebookError(InterlaceError):
    """A request about a notebook (its cells, kernel, files or sessions) that cannot be served."""


class NotFound(NotebookError, LookupError):
    """No such notebook, cell, session, kernel or file."""


class InvalidNotebook(NotebookError, ValueError):
    """A document that is not an nbformat 4 notebook."""


class BadCommand(NotebookError, ValueError):
    """A command or request that is malformed, or names nothing to do."""


class NotWaiting(NotebookError):
    """An answer for ``input()`` while no cell is asking for one."""


class FileConflict(NotebookError):
    """The notebook's file changed on disk while its shared document had unsaved changes:
    neither is written over the other until someone chooses which to keep."""


class StaleSource(NotebookError):
    """A write or run named the hash of a cell's source, and the cell holds another source
    now (someone typed meanwhile): nothing was done; ``source`` and ``hash`` are what the
    cell holds, to read before trying again."""

    def __init__(self, cell_id: str, source: str, current_hash: str) -> None:
        super().__init__(
            f"cell {cell_id!r} changed since you read it (its hash is now {current_hash!r}): "
            "nothing was done; read it again and retry"
        )
        self.cell_id = cell_id
        self.source = source
        self.hash = current_hash


class AgentRefused(NotebookError):
    """The notebook does not let agents do this: its agent setting refuses them, or lets
    them read (or edit) but not edit (or run)."""


class RecordingError(InterlaceError, ValueError):
    """A recording that cannot be read, or a moment it does not have."""


class StorageError(InterlaceError, OSError):
    """The disk refused to store something (it is full, read-only or failing): nothing of
    that write was kept, and the caller decides what to refuse or hold."""
