"""Kernel manager edge cases: message-mode interrupts, kernels that never answer."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from interlace.client import KernelManager, KernelSpec
from interlace.errors import KernelSpecError, KernelStartError
from tests.client.conftest import start_sleeping

pytestmark = pytest.mark.anyio


def spec(argv: list[str], interrupt_mode: str = "signal") -> KernelSpec:
    return KernelSpec(
        name="custom",
        resource_dir=Path.cwd(),
        argv=argv,
        display_name="custom",
        language="python",
        interrupt_mode="message" if interrupt_mode == "message" else "signal",
    )


async def test_message_mode_interrupt_goes_over_control(kernel_module: str) -> None:
    argv = [sys.executable, "-m", kernel_module, "-f", "{connection_file}"]
    async with KernelManager(spec(argv, "message")) as manager:
        client = await manager.client()
        execution = await start_sleeping(client)
        await manager.interrupt()
        result = await execution.wait(timeout=20)
        assert result.reply["ename"] == "KeyboardInterrupt"


async def test_a_kernel_that_never_answers_is_a_start_error() -> None:
    manager = KernelManager(spec([sys.executable, "-c", "import time; time.sleep(600)"]))
    started = time.monotonic()
    with pytest.raises(KernelStartError, match="did not start"):
        await manager.start(ready_timeout=2)
    assert time.monotonic() - started < 15
    assert not manager.alive
    await manager.shutdown()


async def test_a_kernel_that_exits_at_once_is_a_start_error() -> None:
    manager = KernelManager(spec([sys.executable, "-c", "raise SystemExit(3)"]))
    with pytest.raises(KernelStartError, match="exited with code 3"):
        await manager.start(ready_timeout=30)
    await manager.shutdown()


async def test_a_failed_start_in_async_with_is_a_start_error_and_closes_cleanly() -> None:
    with pytest.raises(KernelStartError, match="exited with code 3"):
        async with KernelManager(spec([sys.executable, "-c", "raise SystemExit(3)"])):
            raise AssertionError("the kernel did not start")


def test_unknown_kernelspec_is_a_clear_error() -> None:
    with pytest.raises(KernelSpecError, match="no kernelspec named 'nope'"):
        KernelManager("nope")


def test_our_kernel_needs_no_installed_kernelspec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("interlace.client._kernelspec.find_kernelspecs", dict)
    spec = KernelManager("interlace").spec
    assert spec.argv[:3] == [sys.executable, "-m", "interlace.kernel"]
