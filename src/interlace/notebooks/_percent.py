"""A notebook as a Python script in the percent format (``# %%`` between cells), as
jupytext, VS Code, Spyder and PyCharm read it: code as it is (IPython magics and shell
escapes commented out, so the file is valid Python), markdown and raw cells as comments,
the notebook's kernelspec in a commented YAML header. jupytext reads it back into the
same cells.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from interlace.protocol import JSONDict

__all__ = ["to_percent"]

_MAGIC = re.compile(r"^\s*(%|!)")
"""A line IPython runs but Python does not: ``%matplotlib inline``, ``!pip install``."""


def to_percent(notebook: JSONDict) -> str:
    """The notebook as a percent-format script."""
    parts = [_header(notebook)] if _kernelspec(notebook) else []
    for cell in notebook.get("cells", []):
        if isinstance(cell, dict):
            parts.append(_cell(cell))
    return "\n\n".join(parts) + "\n"


def _kernelspec(notebook: JSONDict) -> dict[str, str]:
    metadata = notebook.get("metadata")
    spec: Any = metadata.get("kernelspec") if isinstance(metadata, dict) else None
    if not isinstance(spec, dict):
        return {}
    return {key: str(spec[key]) for key in ("display_name", "language", "name") if key in spec}


def _header(notebook: JSONDict) -> str:
    lines = ["# ---", "# jupyter:", "#   kernelspec:"]
    lines += [f"#     {key}: {_yaml(value)}" for key, value in _kernelspec(notebook).items()]
    return "\n".join([*lines, "# ---"])


def _yaml(value: str) -> str:
    """A YAML scalar: plain when it can be, else double-quoted (JSON quoting is valid YAML)."""
    plain = re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_ .()+-]*", value) and not value.endswith(" ")
    return value if plain else json.dumps(value)


def _cell(cell: JSONDict) -> str:
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else str(source)
    kind = cell.get("cell_type")
    if kind == "code":
        body = [f"# {line}" if _MAGIC.match(line) else line for line in text.splitlines()]
        return "\n".join(["# %%", *body])
    marker = "# %% [markdown]" if kind == "markdown" else "# %% [raw]"
    return "\n".join([marker, *(f"# {line}" if line else "#" for line in text.splitlines())])
