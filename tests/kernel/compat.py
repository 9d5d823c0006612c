"""Side by side: the same input on ipykernel and on ours, compared as a notebook stores it.

``Pair`` runs a cell on both kernels at once; ``record`` turns what a kernel sent
for it into what can be compared: the reply's status, and the iopub messages a
frontend acts on, with the text of consecutive streams merged (how a notebook
shows them; where a flush falls is timing) and whatever differs from run to run
named stably by ``Normalizer`` (ids, addresses, pids, timings).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from tests.kernel.conftest import RunningKernel, execute

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.kernel.conftest import KernelKind

KINDS: tuple[KernelKind, KernelKind] = ("interlace", "ipykernel")

_ID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}(?:_\d+_\d+)?")
_ADDRESS = re.compile(r"0x[0-9a-f]{6,16}")
_CELL_FOLDER = re.compile(r"ipykernel_\d+")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?")
_DURATION = re.compile(
    r"\d+(?:\.\d+)?\s?(?:it/s|s/it|ms|[µμu]s|ns|min|s\b)|\d\d:\d\d(?::\d\d)?|\?(?:it/s|s/it)"
)
# %timeit adds this line when one run happened to be slow: timing, not behaviour.
_TIMEIT_WARNING = re.compile(r"The slowest run took [^\n]*cached\.\n")


class Normalizer:
    """Names what changes from run to run, the same way in both kernels' records.

    Ids (comm and widget ids, message ids, uuids) become ``ID1``, ``ID2`` ... in
    the order they first appear; memory addresses, the pid in a cell's file name
    timestamps and durations (``12.3ms``, ``4.56it/s``, ``00:01``) become placeholders,
    and %timeit's slow-run warning is dropped.
    """

    def __init__(self, known: dict[str, str] | None = None, durations: bool = True) -> None:
        self._names: dict[str, str] = dict(known or {})
        self._durations = durations

    def text(self, text: str) -> str:
        text = _ID.sub(self._id, text)
        text = _ADDRESS.sub("0x?", text)
        text = _CELL_FOLDER.sub("ipykernel_PID", text)
        if not self._durations:
            return text
        text = _TIMEIT_WARNING.sub("", text)
        return _DURATION.sub("DURATION", _TIMESTAMP.sub("TIMESTAMP", text))

    def _id(self, match: re.Match[str]) -> str:
        value = match.group(0)
        return self._names.setdefault(value, f"ID{len(self._names) + 1}")

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(item) for item in value]
        return value


def merge_streams(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive stream outputs as one per name (stdout first), as a notebook shows them.

    Each kernel buffers stdout and stderr apart and flushes them on its own
    schedule, so where one message ends and the next begins is timing; so is the
    order of stdout and stderr text that arrives between the same two outputs.
    """
    merged: list[dict[str, Any]] = []
    run: dict[str, str] = {}

    def close_run() -> None:
        for name in ("stdout", "stderr"):
            if run.get(name):
                merged.append({"stream": name, "text": run[name]})
        run.clear()

    for entry in entries:
        if "stream" in entry:
            run[entry["stream"]] = run.get(entry["stream"], "") + entry["text"]
            continue
        close_run()
        merged.append(entry)
    close_run()
    return merged


def record(
    reply: dict[str, Any] | None, messages: list[dict[str, Any]], normalizer: Normalizer
) -> dict[str, Any]:
    """The reply's status (None for a message without reply) and the outputs and comm
    traffic of one request, normalized."""
    entries: list[dict[str, Any]] = []
    for message in messages:
        kind, content = message["msg_type"], message["content"]
        if kind in ("status", "execute_input"):
            continue
        if kind == "stream":
            entries.append({"stream": content["name"], "text": content["text"]})
        else:
            entries.append({kind: content, "buffers": len(message.get("buffers") or [])})
    status = reply["content"]["status"] if reply is not None else None
    result = {"status": status, "outputs": merge_streams(entries)}
    if reply is not None and status == "error":
        result["error"] = (reply["content"].get("ename"), reply["content"].get("evalue"))
    return normalizer.value(result)


def in_thread(work: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``work`` for a worker thread: jupyter_client's blocking calls leave an event loop
    in each thread they run on, closed here before the thread goes."""

    def run(argument: Any) -> Any:
        try:
            return work(argument)
        finally:
            with contextlib.suppress(RuntimeError):
                asyncio.get_event_loop_policy().get_event_loop().close()
            asyncio.set_event_loop(None)

    return run


class Pair:
    """Our kernel and ipykernel, started side by side; cells run on both at once."""

    def __init__(self, directory: Path) -> None:
        with ThreadPoolExecutor(2) as pool:
            start = in_thread(lambda kind: RunningKernel(directory, kind))
            futures = {kind: pool.submit(start, kind) for kind in KINDS}
        failures = [error for f in futures.values() if (error := f.exception()) is not None]
        if failures:  # the one that started must not outlive the test
            for future in futures.values():
                if future.exception() is None:
                    future.result().stop()
            raise failures[0]
        self.kernels: dict[KernelKind, RunningKernel] = {
            kind: future.result() for kind, future in futures.items()
        }

    def each(self, work: Callable[[RunningKernel], Any]) -> dict[KernelKind, Any]:
        """``work`` done on both kernels at once; what it returned for each."""
        with ThreadPoolExecutor(2) as pool:
            done = pool.map(in_thread(work), self.kernels.values())
            return dict(zip(self.kernels, done, strict=True))

    def run(self, code: str, timeout: float = 60, **options: Any) -> dict[KernelKind, Any]:
        """Each kernel's normalized record of running ``code``."""

        def run_on(kernel: RunningKernel) -> dict[str, Any]:
            reply, messages = execute(kernel.client, code, timeout=timeout, **options)
            request = reply["parent_header"]["msg_id"]
            return record(reply, messages, Normalizer({request: "REQUEST"}))

        return self.each(run_on)

    def same(self, code: str, timeout: float = 60, **options: Any) -> dict[str, Any]:
        """Run ``code`` on both; assert both did the same; return what they did."""
        records = self.run(code, timeout=timeout, **options)
        assert records["interlace"] == records["ipykernel"]
        return records["interlace"]

    def stop(self) -> None:
        self.each(RunningKernel.stop)


def texts(result: dict[str, Any], name: str = "stdout") -> str:
    """The text a normalized record's outputs printed on ``name``."""
    return "".join(e["text"] for e in result["outputs"] if e.get("stream") == name)


def results(result: dict[str, Any]) -> list[str]:
    """The ``text/plain`` of a normalized record's execute_results."""
    return [
        e["execute_result"]["data"]["text/plain"]
        for e in result["outputs"]
        if "execute_result" in e
    ]
