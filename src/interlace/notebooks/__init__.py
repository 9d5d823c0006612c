"""Server-owned notebooks: the notebook service, its kernels and sessions, files and history.

The one owner of each open notebook's state, used by every adapter above it
(the server's websockets and REST, JSON-RPC, MCP); ``Agents`` holds the cell-safe
operations coding agents use. Nothing here knows HTTP.
"""

from interlace.notebooks._agents import AGENT_POLICIES as AGENT_POLICIES
from interlace.notebooks._agents import AgentPolicy as AgentPolicy
from interlace.notebooks._agents import Agents as Agents
from interlace.notebooks._agents import CellRef as CellRef
from interlace.notebooks._agents import agent_name as agent_name
from interlace.notebooks._cells import source_hash as source_hash
from interlace.notebooks._commands import Action as Action
from interlace.notebooks._commands import Command as Command
from interlace.notebooks._commands import CommandReply as CommandReply
from interlace.notebooks._commands import RunTarget as RunTarget
from interlace.notebooks._commands import parse_command as parse_command
from interlace.notebooks._edits import Edit as Edit
from interlace.notebooks._files import CELL_TYPES as CELL_TYPES
from interlace.notebooks._files import SERVER_STATE as SERVER_STATE
from interlace.notebooks._files import FileSpill as FileSpill
from interlace.notebooks._files import resolve as resolve
from interlace.notebooks._files import validate_notebook as validate_notebook
from interlace.notebooks._hidden import HiddenFiles as HiddenFiles
from interlace.notebooks._history import fork as fork
from interlace.notebooks._history import notebook_at as notebook_at
from interlace.notebooks._kernels import KernelRegistry as KernelRegistry
from interlace.notebooks._kernels import Relayed as Relayed
from interlace.notebooks._kernels import ServedKernel as ServedKernel
from interlace.notebooks._kernels import Subscription as Subscription
from interlace.notebooks._notebook import OpenNotebook as OpenNotebook
from interlace.notebooks._peers import COMMAND_REPLY as COMMAND_REPLY
from interlace.notebooks._peers import CommandPeer as CommandPeer
from interlace.notebooks._percent import to_percent as to_percent
from interlace.notebooks._service import NotebookService as NotebookService
from interlace.notebooks._sessions import Session as Session
from interlace.notebooks._sessions import Sessions as Sessions
from interlace.notebooks._trust import Notary as Notary
from interlace.notebooks._trust import NotebookTrust as NotebookTrust
from interlace.notebooks._trust import data_dir as data_dir

__all__ = [
    "AGENT_POLICIES",
    "CELL_TYPES",
    "COMMAND_REPLY",
    "SERVER_STATE",
    "Action",
    "AgentPolicy",
    "Agents",
    "CellRef",
    "Command",
    "CommandPeer",
    "CommandReply",
    "Edit",
    "FileSpill",
    "HiddenFiles",
    "KernelRegistry",
    "Notary",
    "NotebookService",
    "NotebookTrust",
    "OpenNotebook",
    "Relayed",
    "RunTarget",
    "ServedKernel",
    "Session",
    "Sessions",
    "Subscription",
    "agent_name",
    "data_dir",
    "fork",
    "notebook_at",
    "parse_command",
    "resolve",
    "source_hash",
    "to_percent",
    "validate_notebook",
]
