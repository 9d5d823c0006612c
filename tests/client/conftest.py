"""Client tests run against two kernels: ours and ipykernel, each started by our manager."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from interlace.client import AsyncKernelClient, Execution, KernelManager

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


KERNEL_MODULES = {"interlace": "interlace.kernel", "python3": "ipykernel_launcher"}


@pytest.fixture(params=["interlace", "python3"], ids=["interlace", "ipykernel"])
def kernel_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def kernel_module(kernel_name: str) -> str:
    """What ``python -m`` runs to start the kernel by hand."""
    return KERNEL_MODULES[kernel_name]


@pytest.fixture
async def manager(kernel_name: str) -> AsyncIterator[KernelManager]:
    async with KernelManager(kernel_name) as running:
        yield running


@pytest.fixture
async def client(manager: KernelManager) -> AsyncKernelClient:
    return await manager.client()


async def start_sleeping(client: AsyncKernelClient, seconds: int = 60) -> Execution:
    """A cell that has printed and now sleeps: interrupting or killing it is meaningful."""
    execution = await client.execute(f"import time\nprint('go', flush=True)\ntime.sleep({seconds})")
    async for message in execution:
        if message.msg_type == "stream":
            break
    return execution
