"""The commands every adapter sends a notebook: parsed and checked here, in one place.

A command is a JSON object with an ``action`` (``execute``, ``interrupt``,
``restart``, ``change_kernel``, ``save`` or ``resolve``) and ``who`` asked.
``execute`` names its cells as ``"cells": [ids]``, ``"all": true``, ``"below":
id`` (that cell and every one after it) or ``"stale": true`` (the cells whose
outputs no longer match, and those that read what they assign). ``resolve``
ends a conflict between the shared document and a file changed on disk:
``"keep": "file"`` or ``"keep": "shared"``. ``change_kernel`` names an
installed kernelspec: ``"kernel_name": name``. The
websocket, REST and JSON-RPC adapters all build a ``Command`` with
``parse_command`` and hand it to the notebook service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypedDict, get_args

from interlace.errors import BadCommand, NotFound

if TYPE_CHECKING:
    from interlace.collab import NotebookDocument

__all__ = [
    "Action",
    "Command",
    "CommandReply",
    "Keep",
    "RunTarget",
    "cells_to_run",
    "parse_command",
]

Action = Literal["execute", "interrupt", "restart", "change_kernel", "save", "resolve"]
ACTIONS: tuple[Action, ...] = get_args(Action)

Keep = Literal["file", "shared"]
KEEPS: tuple[Keep, ...] = get_args(Keep)


class RunTarget(TypedDict, total=False):
    """The cells an ``execute`` names: exactly one of these."""

    cells: list[str]
    all: bool
    below: str
    stale: bool


class CommandReply(TypedDict, total=False):
    """What a command answers: for ``execute``, the cells it queued; for ``resolve``
    keeping the shared version, where the file's version was kept."""

    queued: list[str]
    kept_copy: str


@dataclass(frozen=True)
class Command:
    action: Action
    who: str
    target: RunTarget = field(default_factory=lambda: RunTarget())
    keep: Keep = "shared"
    """For ``resolve``: which version of a conflicting notebook to keep."""
    kernel_name: str = ""
    """For ``change_kernel``: the kernelspec the notebook runs on from now on."""


def _target(value: dict[str, Any]) -> RunTarget:
    if value.get("all") is True:
        return RunTarget(all=True)
    if value.get("stale") is True:
        return RunTarget(stale=True)
    below = value.get("below")
    if isinstance(below, str):
        return RunTarget(below=below)
    cells = value.get("cells")
    if isinstance(cells, list) and all(isinstance(c, str) for c in cells):
        return RunTarget(cells=list(cells))
    raise BadCommand(
        'name the cells to run: "cells": [ids], "all": true, "below": id or "stale": true'
    )


def parse_command(value: Any, who: str, action: str | None = None) -> Command:
    """The command ``value`` (a decoded JSON object) asks for; BadCommand if malformed.

    ``action`` is given where the adapter names it (a REST path); otherwise
    the object's ``action`` key does. ``who`` is used when it names no one.
    """
    if not isinstance(value, dict):
        raise BadCommand("a command is a JSON object")
    action = action or value.get("action")
    if action not in ACTIONS:
        raise BadCommand(f"unknown action {action!r}")
    named = value.get("who")
    by = named if isinstance(named, str) and named else who
    target = _target(value) if action == "execute" else RunTarget()
    if action == "change_kernel":
        name = value.get("kernel_name")
        if not isinstance(name, str) or not name:
            raise BadCommand('name the kernel: "kernel_name": a kernelspec name')
        return Command(action, by, kernel_name=name)
    if action != "resolve":
        return Command(action, by, target)
    keep = value.get("keep")
    if keep not in KEEPS:
        raise BadCommand('say which version to keep: "keep": "file" or "shared"')
    return Command(action, by, keep=keep)


def cells_to_run(document: NotebookDocument, target: RunTarget) -> list[str]:
    """The ids of the cells ``target`` names, in notebook order; NotFound for unknown ones."""
    order = document.cell_ids()
    if target.get("all"):
        return order
    if "below" in target:
        below = target["below"]
        if below not in order:
            raise NotFound(f"no cells {[below]}")
        return order[order.index(below) :]
    cells = target.get("cells", [])
    unknown = [cell for cell in cells if cell not in document.cells]
    if unknown:
        raise NotFound(f"no cells {unknown}")
    return cells
