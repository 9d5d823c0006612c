"""Starting kernels: from the CLI, without a connection file, embedded, from a kernelspec."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import start_new_kernel

from tests.kernel.conftest import execute, stream_text


def join(connection_file: Path) -> BlockingKernelClient:
    client = BlockingKernelClient()
    client.load_connection_file(str(connection_file))
    client.start_channels()
    client.wait_for_ready(timeout=30)
    return client


def shut_down(client: BlockingKernelClient, process: subprocess.Popen[str]) -> str:
    client.shutdown()
    client.stop_channels()
    _, err = process.communicate(timeout=15)
    assert process.returncode == 0
    return err


@pytest.fixture
def runtime(test_root: Path) -> Path:
    return test_root / "runtime"


def read_existing_line(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    for line in process.stderr:
        if "--existing" in line:
            return line.split("--existing", 1)[1].strip()
    raise AssertionError("the kernel never printed its --existing line")


@pytest.mark.parametrize(
    "command", [["interlace", "kernel"], ["-m", "interlace.kernel"]], ids=["cli", "module"]
)
def test_without_a_file_a_new_one_is_written_and_announced(
    command: list[str], runtime: Path
) -> None:
    argv = [sys.executable, *command] if command[0] == "-m" else [_script("interlace"), "kernel"]
    process = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
    name = read_existing_line(process)
    assert name.startswith("kernel-")
    path = runtime / name
    assert json.loads(path.read_text())["kernel_name"] == "interlace"
    client = join(path)
    _reply, messages = execute(client, "print('joined')")
    assert stream_text(messages) == "joined\n"
    shut_down(client, process)
    assert not path.exists(), "a connection file the kernel created is removed at exit"


def test_a_connection_file_with_port_zero_gets_real_ports(tmp_path: Path) -> None:
    path = tmp_path / "kernel-zero.json"
    ports = {f"{c}_port": 0 for c in ("shell", "iopub", "stdin", "control", "hb")}
    path.write_text(json.dumps({**ports, "ip": "127.0.0.1", "key": "k", "transport": "tcp"}))
    process = subprocess.Popen(
        [sys.executable, "-m", "interlace.kernel", "-f", str(path)],
        stderr=subprocess.PIPE,
        text=True,
    )
    written = wait_for_ports(path)
    assert all(written[name] > 0 for name in ports)
    client = join(path)
    assert execute(client, "1")[0]["content"]["status"] == "ok"
    shut_down(client, process)
    assert path.exists(), "a connection file given to the kernel is left in place"


def wait_for_ports(path: Path, timeout: float = 30) -> dict[str, int]:
    """The connection file once the kernel has written its bound ports into it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        written: dict[str, int] = json.loads(path.read_text())
        if written["shell_port"]:
            return written
        time.sleep(0.05)
    raise AssertionError(f"the kernel never wrote its ports into {path}")


def test_embed_kernel_shares_the_callers_namespace(tmp_path: Path, runtime: Path) -> None:
    script = tmp_path / "program.py"
    script.write_text(
        textwrap.dedent(
            """
            import interlace

            def work():
                answer = 41
                interlace.embed_kernel()
                print("program resumed", flush=True)

            work()
            """
        )
    )
    process = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    name = read_existing_line(process)
    client = join(runtime / name)
    _reply, messages = execute(client, "answer + 1")
    (result,) = [m for m in messages if m["msg_type"] == "execute_result"]
    assert result["content"]["data"]["text/plain"] == "42"
    client.shutdown()
    client.stop_channels()
    out, _ = process.communicate(timeout=15)
    assert out == "program resumed\n"


def test_embed_kernel_from_a_coroutine(tmp_path: Path, runtime: Path) -> None:
    """The program's event loop waits while the kernel serves, and runs on after."""
    script = tmp_path / "program.py"
    script.write_text(
        textwrap.dedent(
            """
            import asyncio
            import interlace

            async def work():
                answer = 41
                interlace.embed_kernel()
                await asyncio.sleep(0)
                print("coroutine resumed", flush=True)

            asyncio.run(work())
            """
        )
    )
    process = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    client = join(runtime / read_existing_line(process))
    _reply, messages = execute(client, "answer + 1")
    (result,) = [m for m in messages if m["msg_type"] == "execute_result"]
    assert result["content"]["data"]["text/plain"] == "42"
    client.shutdown()
    client.stop_channels()
    out, _ = process.communicate(timeout=15)
    assert out == "coroutine resumed\n"


def _script(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def test_kernelspec_install_is_found_by_jupyter(tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    subprocess.run(
        [_script("interlace"), "kernelspec", "install", "--prefix", str(prefix), "--name", "ilx"],
        check=True,
        timeout=60,
    )
    specs = KernelSpecManager(kernel_dirs=[str(prefix / "share" / "jupyter" / "kernels")])
    spec = specs.get_kernel_spec("ilx")
    assert spec.language == "python"
    assert spec.interrupt_mode == "signal"
    assert spec.argv[1:] == ["-m", "interlace.kernel", "-f", "{connection_file}"]


def test_jupyter_client_starts_our_kernelspec() -> None:
    manager, client = start_new_kernel(kernel_name="interlace", startup_timeout=60)
    try:
        reply, _messages = execute(client, "import sys; sys.executable")
        assert reply["content"]["status"] == "ok"
        manager.interrupt_kernel()
        assert execute(client, "2 ** 10")[1][2]["content"]["data"]["text/plain"] == "1024"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)
