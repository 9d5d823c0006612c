"""Execution and ExecutionResult fed in memory: what they keep, and that long cells stay cheap."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio
import pytest

from interlace.client import Execution, ExecutionResult
from interlace.protocol import Message, Sender

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from interlace.protocol import JSON, MsgType

pytestmark = pytest.mark.anyio

MANY = 80_000
"""Stream messages of one cell. Concatenating their text as it came took minutes."""


class Feed:
    """A request's iopub messages, all at once: what a Subscription gives an Execution."""

    def __init__(self, messages: list[Message]) -> None:
        self.messages = messages

    async def __aenter__(self) -> Feed:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        pass

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Message]:
        for message in self.messages:
            yield message


class Cell:
    """Messages of one execute_request, as a kernel would send them."""

    def __init__(self) -> None:
        self.kernel = Sender(username="kernel")
        self.request = Sender().message("execute_request", {"code": "..."})
        self.messages: list[Message] = []

    def send(self, msg_type: MsgType, content: Mapping[str, JSON]) -> None:
        self.messages.append(self.kernel.message(msg_type, content, parent=self.request))

    def print(self, text: str, name: str = "stdout") -> None:
        self.send("stream", {"name": name, "text": text})

    def finish(self) -> None:
        self.send("status", {"execution_state": "idle"})

    def execution(self, *, keep_outputs: bool = True) -> Execution:
        execution = Execution(self.request.msg_id, Feed(self.messages), keep_outputs=keep_outputs)
        execution.set_reply({"status": "ok", "execution_count": 3})
        return execution


def lines(count: int) -> list[str]:
    return [f"line {i}\n" for i in range(count)]


async def iterate_while_collecting(execution: Execution) -> list[Message]:
    seen: list[Message] = []
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(execution.collect)
        seen.extend([message async for message in execution])
    return seen


async def test_the_text_of_many_stream_messages_is_collected_whole() -> None:
    cell = Cell()
    for line in lines(MANY):
        cell.print(line)
    cell.print("oops\n", name="stderr")
    cell.finish()
    execution = cell.execution()
    await execution.collect()
    result = await execution.wait(timeout=10)
    assert result.stdout == "".join(lines(MANY))
    assert result.stderr == "oops\n"
    assert len(result.outputs) == MANY + 1
    assert (result.status, result.execution_count) == ("ok", 3)


async def test_without_keep_outputs_outputs_pass_through_and_are_not_kept() -> None:
    cell = Cell()
    for line in lines(MANY):
        cell.print(line)
    cell.send("error", {"ename": "ValueError", "evalue": "late", "traceback": ["tb"]})
    cell.finish()
    execution = cell.execution(keep_outputs=False)
    seen = await iterate_while_collecting(execution)
    assert len(seen) == MANY + 1
    result = await execution.wait(timeout=10)
    assert (result.outputs, result.stdout, result.stderr, result.displays) == ([], "", "", [])
    assert result.execute_result is None
    assert result.error == {"ename": "ValueError", "evalue": "late", "traceback": ["tb"]}
    assert (result.status, result.execution_count) == ("ok", 3)
    assert [message async for message in execution] == []


async def test_kept_outputs_are_seen_by_every_iteration_from_the_start() -> None:
    cell = Cell()
    cell.print("a\n")
    cell.send("display_data", {"data": {"text/plain": "shown"}, "metadata": {}})
    value = {"execution_count": 3, "data": {"text/plain": "42"}, "metadata": {}}
    cell.send("execute_result", value)
    cell.finish()
    execution = cell.execution()
    first = await iterate_while_collecting(execution)
    again = [message async for message in execution]
    assert first == again == cell.messages[:-1]
    result = await execution.wait(timeout=10)
    assert (result.text, result.displays) == ("42", [{"text/plain": "shown"}])


def test_stream_text_read_while_it_grows_stays_whole() -> None:
    kernel, result = Sender(), ExecutionResult()
    for count, line in enumerate(lines(5), start=1):
        result.add(kernel.message("stream", {"name": "stdout", "text": line}))
        assert result.stdout == "".join(lines(count))
    assert result.stderr == ""
