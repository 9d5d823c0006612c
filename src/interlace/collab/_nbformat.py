"""What nbformat 4.5 allows in a notebook file, as pure functions that keep what fits.

A shared document holds whatever its peers wrote, and a file whatever the tool
that wrote it did; what is saved must still be a notebook every Jupyter tool
reads and ``nbformat.validate`` accepts. These functions take plain JSON and
return the part of it the schema allows: outputs with only their own keys and
the right types, mime bundles whose text is text, the metadata keys nbformat
gives a meaning to only when they have its types. Everything else is kept
as it is (nbformat lets metadata hold anything else).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "fit_attachments",
    "fit_cell_metadata",
    "fit_notebook_metadata",
    "fit_output",
    "joined",
]

JSONDict = dict[str, Any]

_JSON_MIMETYPE = re.compile(r"^application/(.*\+)?json$")


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_text(value: Any) -> bool:
    """nbformat's multiline string: a string, or a list of strings."""
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(line, str) for line in value)
    )


def joined(value: Any) -> str:
    """A multiline string as one string (anything else as its text)."""
    if isinstance(value, list):
        return "".join(line if isinstance(line, str) else str(line) for line in value)
    return value if isinstance(value, str) else str(value or "")


def _mimebundle(value: Any) -> JSONDict:
    """The entries of a mime bundle nbformat allows: JSON types anything, others text."""
    if not isinstance(value, dict):
        return {}
    return {
        key: data
        for key, data in value.items()
        if isinstance(key, str) and (_JSON_MIMETYPE.match(key) or _is_text(data))
    }


def fit_output(output: Any) -> JSONDict | None:
    """``output`` as nbformat stores it (only its type's keys, each of its type), or None
    if it is no output at all."""
    if not isinstance(output, dict):
        return None
    kind = output.get("output_type")
    if kind == "stream":
        name = output.get("name")
        return {
            "output_type": "stream",
            "name": name if isinstance(name, str) else "stdout",
            "text": joined(output.get("text", "")),
        }
    if kind == "error":
        traceback = output.get("traceback")
        lines = traceback if isinstance(traceback, list) else []
        return {
            "output_type": "error",
            "ename": joined(output.get("ename", "")),
            "evalue": joined(output.get("evalue", "")),
            "traceback": [line if isinstance(line, str) else str(line) for line in lines],
        }
    if kind not in ("display_data", "execute_result"):
        return None
    metadata = output.get("metadata")
    fitted: JSONDict = {
        "output_type": kind,
        "data": _mimebundle(output.get("data")),
        "metadata": metadata if isinstance(metadata, dict) else {},
    }
    if kind == "execute_result":
        count = output.get("execution_count")
        fitted["execution_count"] = count if _is_count(count) else None
    return fitted


def _fit_keys(metadata: JSONDict, checks: dict[str, Any]) -> JSONDict:
    """``metadata`` without the keys whose values fail their check."""
    return {
        key: value for key, value in metadata.items() if key not in checks or checks[key](value)
    }


def _is_tags(value: Any) -> bool:
    return (
        isinstance(value, list)
        and all(isinstance(tag, str) and tag and "," not in tag for tag in value)
        and len(set(value)) == len(value)
    )


def _is_flags(value: Any) -> bool:
    """Jupyter's ``jupyter`` metadata: an object whose ``*_hidden`` flags are booleans."""
    return isinstance(value, dict) and all(
        isinstance(value[key], bool) for key in ("source_hidden", "outputs_hidden") if key in value
    )


_CELL_METADATA: dict[str, Any] = {
    "jupyter": _is_flags,
    "execution": lambda v: isinstance(v, dict) and all(isinstance(t, str) for t in v.values()),
    "collapsed": lambda v: isinstance(v, bool),
    "scrolled": lambda v: isinstance(v, bool) or v == "auto",
    "deletable": lambda v: isinstance(v, bool),
    "editable": lambda v: isinstance(v, bool),
    "format": lambda v: isinstance(v, str),
    "name": lambda v: isinstance(v, str) and v != "" and "\n" not in v,
    "tags": _is_tags,
}


def fit_cell_metadata(metadata: Any) -> JSONDict:
    """A cell's metadata with the keys nbformat defines only where they have its types."""
    return _fit_keys(metadata, _CELL_METADATA) if isinstance(metadata, dict) else {}


def _strings(value: Any, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> bool:
    return (
        isinstance(value, dict)
        and all(isinstance(value.get(key), str) for key in required)
        and all(isinstance(value[key], str) for key in optional if key in value)
    )


_NOTEBOOK_METADATA: dict[str, Any] = {
    "kernelspec": lambda v: _strings(v, ("name", "display_name")),
    "language_info": lambda v: _strings(v, ("name",), ("file_extension", "mimetype",
                                                       "pygments_lexer"))
    and isinstance(v.get("codemirror_mode", ""), str | dict),
    "orig_nbformat": lambda v: _is_count(v) and v >= 1,
    "title": lambda v: isinstance(v, str),
    "authors": lambda v: isinstance(v, list),
}  # fmt: skip


def fit_notebook_metadata(metadata: Any) -> JSONDict:
    """The notebook's metadata with the keys nbformat defines only where they have its types."""
    return _fit_keys(metadata, _NOTEBOOK_METADATA) if isinstance(metadata, dict) else {}


def fit_attachments(value: Any) -> JSONDict | None:
    """A markdown or raw cell's attachments (file name -> mime bundle), or None."""
    if not isinstance(value, dict):
        return None
    return {str(name): _mimebundle(bundle) for name, bundle in value.items()}
