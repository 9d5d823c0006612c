"""iopub backlogs bounded in bytes: in memory, then a real kernel printing faster than we read."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio
import pytest

from interlace.client import AsyncKernelClient, KernelManager, Subscription
from interlace.client._backlog import BACKLOG_BYTES, Backlog, message_size
from interlace.protocol import Message, Sender, content_of

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

pytestmark = pytest.mark.anyio

MIB = 1 << 20
LINES = 64
"""Lines of 1 MiB a flooding cell prints: eight times the bound."""

FLOOD = (
    f"import sys\nline = 'x' * ({MIB} - 1) + '\\n'\n"
    f"for _ in range({LINES}):\n    sys.stdout.write(line)\n"
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def stream(text: str) -> Message:
    return Sender().message("stream", {"name": "stdout", "text": text})


# In memory.


def test_size_counts_text_two_levels_deep_and_buffers() -> None:
    sender = Sender()
    small = sender.message("stream", {"name": "stdout", "text": ""})
    assert message_size(stream("x" * 1000)) == message_size(small) + 1000
    shown = sender.message("display_data", {"data": {"text/plain": "y" * 500}, "metadata": {}})
    assert message_size(shown) >= 500
    binary = sender.message("comm_msg", {"comm_id": "c", "data": {}}, buffers=[b"z" * 4096])
    assert message_size(binary) >= 4096


async def test_takes_in_order_and_ends_after_draining() -> None:
    backlog = Backlog()
    for text in ("a", "b", "c"):
        assert backlog.put(stream(text))
    backlog.close()
    taken = [content_of(await backlog.take(), "stream").get("text") for _ in range(3)]
    assert taken == ["a", "b", "c"]
    assert backlog.bytes == 0
    with pytest.raises(anyio.EndOfStream):
        await backlog.take()


async def test_room_waits_until_the_consumer_takes() -> None:
    backlog = Backlog(limit=1500)
    backlog.put(stream("x" * 1000))
    backlog.put(stream("x" * 1000))
    assert backlog.full
    made_room = anyio.Event()

    async def produce() -> None:
        assert await backlog.room()
        made_room.set()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(produce)
        await anyio.wait_all_tasks_blocked()
        assert not made_room.is_set()
        await backlog.take()
        with anyio.fail_after(5):
            await made_room.wait()
    assert not backlog.full


async def test_abandoning_drops_the_queue_refuses_more_and_frees_the_producer() -> None:
    backlog = Backlog(limit=10)
    backlog.put(stream("x" * 100))
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(backlog.room)
        await anyio.wait_all_tasks_blocked()
        backlog.abandon()
    assert backlog.bytes == 0
    assert not backlog.put(stream("more"))
    with pytest.raises(anyio.EndOfStream):
        await backlog.take()


async def test_a_consumer_that_takes_nothing_stops_holding_the_producer_back() -> None:
    backlog = Backlog(limit=10)
    backlog.put(stream("x" * 100))
    assert not await backlog.room(stall=0.05)
    assert not backlog.full
    assert backlog.put(stream("still kept"))
    assert len(backlog) == 2


# A real kernel (ours: its publisher holds what we do not read, so nothing is dropped).


@pytest.fixture
async def client() -> AsyncIterator[AsyncKernelClient]:
    async with KernelManager("interlace") as manager:
        yield await manager.client()


async def until(condition: Callable[[], bool], timeout: float = 60) -> None:
    """Wait for a state of the client that no event announces (a queue reaching its bound)."""
    with anyio.fail_after(timeout):
        while not condition():  # noqa: ASYNC110 - a queue's size announces nothing
            await anyio.sleep(0.01)


async def test_a_slow_reader_holds_the_kernel_back_and_loses_nothing(
    client: AsyncKernelClient,
) -> None:
    execution = await client.execute(FLOOD, keep_outputs=False)
    outputs = aiter(execution)
    chunks = [content_of(await anext(outputs), "stream").get("text", "")]
    await execution.reply(timeout=120)  # the kernel has written all of it
    subscription = execution._incoming
    assert isinstance(subscription, Subscription)
    await until(lambda: execution.untaken_bytes >= BACKLOG_BYTES)
    await until(lambda: subscription.held_bytes >= BACKLOG_BYTES)
    # Both queues stop at their bound (plus the message that crossed it) and
    # the rest waits in the kernel: the client holds a fraction of the flood.
    assert execution.untaken_bytes <= BACKLOG_BYTES + MIB + 1024
    assert subscription.held_bytes <= BACKLOG_BYTES + MIB + 1024
    assert not execution.done
    async for message in outputs:
        chunks.append(content_of(message, "stream").get("text", ""))
    result = await execution.wait(timeout=120)
    assert result.status == "ok"
    text = "".join(str(chunk) for chunk in chunks)
    assert len(text) == LINES * MIB
    assert text.count("\n") == LINES


async def test_an_iterator_that_stops_early_does_not_stall_the_client(
    client: AsyncKernelClient,
) -> None:
    execution = await client.execute(FLOOD, keep_outputs=False)
    async for _ in execution:
        break
    await execution.wait(timeout=120)
    assert (await client.run("1 + 1", timeout=60)).text == "2"


async def test_waiting_without_iterating_does_not_stall_the_client(
    client: AsyncKernelClient,
) -> None:
    execution = await client.execute(FLOOD, keep_outputs=False)
    result = await execution.wait(timeout=120)
    assert result.status == "ok"
    assert execution.untaken_bytes == 0
    assert (await client.run("1 + 1", timeout=60)).text == "2"
