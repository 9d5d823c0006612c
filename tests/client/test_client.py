"""The async client against our kernel and ipykernel."""

from __future__ import annotations

import os
import signal
import time
from typing import TYPE_CHECKING

import anyio
import pytest

from interlace.client import AsyncKernelClient, KernelManager
from interlace.errors import KernelDied

if TYPE_CHECKING:
    from interlace.protocol import Message
from tests.client.conftest import start_sleeping

pytestmark = pytest.mark.anyio


def kinds_of(messages: list[Message]) -> list[str]:
    """Output kinds in order, a stream's consecutive messages counted once: any kernel may
    send a print in two (``print`` writes its text, then the newline)."""
    kinds: list[str] = []
    for message in messages:
        kind = message.msg_type
        if kind == "stream":
            kind = f"stream:{message.content['name']}"
        if not kinds or kinds[-1] != kind or not kind.startswith("stream"):
            kinds.append(kind)
    return kinds


async def test_outputs_arrive_in_order_and_are_collected(client: AsyncKernelClient) -> None:
    code = "print('out')\nimport sys; print('err', file=sys.stderr)\ndisplay('shown')\n6 * 7"
    execution = await client.execute(code)
    kinds = kinds_of([message async for message in execution])
    # ipykernel flushes stdout and stderr apart: their order between them is not kept.
    assert sorted(kinds[:2]) == ["stream:stderr", "stream:stdout"]
    assert kinds[2:] == ["display_data", "execute_result"]
    result = await execution.wait(timeout=30)
    assert result.status == "ok"
    assert (result.stdout, result.stderr, result.text) == ("out\n", "err\n", "42")
    assert result.displays == [{"text/plain": "'shown'"}]
    assert isinstance(result.execution_count, int)


async def test_outputs_can_pass_through_without_being_kept(client: AsyncKernelClient) -> None:
    code = "print('out')\nimport sys; print('err', file=sys.stderr)\n1/0"
    execution = await client.execute(code, keep_outputs=False)
    kinds = kinds_of([message async for message in execution])
    assert sorted(kinds[:2]) == ["stream:stderr", "stream:stdout"]
    assert kinds[2:] == ["error"]
    result = await execution.wait(timeout=30)
    assert (result.outputs, result.stdout, result.stderr) == ([], "", "")
    assert result.error is not None
    assert result.error["ename"] == result.reply["ename"] == "ZeroDivisionError"
    assert result.status == "error"
    assert isinstance(result.execution_count, int)


async def test_errors_are_collected(client: AsyncKernelClient) -> None:
    result = await client.run("1/0", timeout=30)
    assert result.status == "error"
    assert result.error is not None
    assert result.error["ename"] == "ZeroDivisionError"
    assert result.reply["ename"] == "ZeroDivisionError"


async def test_many_queued_executions_finish_in_order(client: AsyncKernelClient) -> None:
    executions = [await client.execute(f"print({i})") for i in range(20)]
    results = [await execution.wait(timeout=60) for execution in executions]
    assert [r.stdout for r in results] == [f"{i}\n" for i in range(20)]
    counts = [r.execution_count or 0 for r in results]
    assert counts == sorted(counts)
    assert len(set(counts)) == 20


async def test_two_clients_see_each_others_work(manager: KernelManager) -> None:
    first, second = await manager.client(), await manager.client()
    async with second.subscribe() as everything:
        result = await first.run("print('shared')", timeout=30)
        seen: list[Message] = []
        while not any(m.msg_type == "stream" for m in seen):
            seen.append(await everything.receive(timeout=10))
    inputs = [m.content["code"] for m in seen if m.msg_type == "execute_input"]
    assert inputs == ["print('shared')"]
    assert result.stdout == "shared\n"


async def test_input_is_answered_by_the_stdin_handler(client: AsyncKernelClient) -> None:
    prompts = []

    async def answer(prompt: str, password: bool) -> str:
        prompts.append((prompt, password))
        return "Ada"

    result = await client.run("print('hi', input('name? '))", timeout=30, stdin=answer)
    assert result.stdout == "hi Ada\n"
    assert prompts == [("name? ", False)]


async def test_interrupt_stops_a_sleeping_cell(
    manager: KernelManager, client: AsyncKernelClient
) -> None:
    execution = await start_sleeping(client)
    started = time.monotonic()
    await manager.interrupt()
    result = await execution.wait(timeout=20)
    assert time.monotonic() - started < 10
    assert result.status == "error"
    assert result.reply["ename"] == "KeyboardInterrupt"
    assert (await client.run("'alive'", timeout=30)).text == "'alive'"


async def test_restart_keeps_the_client_working(
    manager: KernelManager, client: AsyncKernelClient
) -> None:
    await client.run("x = 1", timeout=30)
    await manager.restart()
    result = await client.run("'x' in dir()", timeout=30)
    assert result.text == "False"
    assert manager.restarts == 1


async def test_a_killed_kernel_fails_pending_calls_promptly(
    manager: KernelManager, client: AsyncKernelClient
) -> None:
    execution = await start_sleeping(client)
    started = time.monotonic()
    assert manager.pid is not None
    os.kill(manager.pid, signal.SIGKILL)
    with pytest.raises(KernelDied, match="SIGKILL"):
        await execution.wait(timeout=30)
    assert time.monotonic() - started < 5
    with pytest.raises(KernelDied):
        await client.kernel_info(timeout=5)


async def test_auto_restart_brings_the_kernel_back(kernel_name: str) -> None:
    async with KernelManager(kernel_name, auto_restart=True) as manager:
        client = await manager.client()
        assert manager.pid is not None
        os.kill(manager.pid, signal.SIGKILL)
        with anyio.fail_after(60):
            await manager.wait_restarted()
        assert manager.restarts == 1
        assert (await client.run("2 + 2", timeout=30)).text == "4"


async def test_requests_other_than_execute(client: AsyncKernelClient) -> None:
    info = await client.kernel_info(timeout=30)
    assert info["language_info"]["name"] == "python"
    completion = await client.complete("import collections; collections.Ord", timeout=30)
    assert "OrderedDict" in completion["matches"]
    inspection = await client.inspect("len", timeout=30)
    assert inspection["found"] is True
    assert (await client.is_complete("def f(:", timeout=30))["status"] != "complete"
    await client.run("marker_for_history = 1", timeout=30)
    history = await client.history(hist_access_type="tail", n=1, timeout=30)
    assert history["history"][-1][2] == "marker_for_history = 1"
    assert (await client.comm_info(timeout=30))["status"] == "ok"
