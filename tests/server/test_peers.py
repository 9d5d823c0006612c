"""Clients of the Jupyter Server API that no one here wrote, pointed at our server unmodified."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from jupyter_kernel_client import JupyterKernelClient, JupyterSubprotocol

from tests.server.conftest import TOKEN, RunningServer

JUPYTERLAB = Path(__file__).parent / "jupyterlab"


def test_jupyterlab_services_lists_specs_starts_a_kernel_and_runs_a_cell(tmp_path: Path) -> None:
    """JupyterLab's own client library; it picks the v1 binary websocket protocol."""
    server = RunningServer(tmp_path, "--token", TOKEN)
    try:
        done = subprocess.run(
            ["node", str(JUPYTERLAB / "client.js"), server.url, TOKEN, "interlace"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        log = server.stop()
    assert done.returncode == 0, done.stderr
    assert "(v1.kernel.websocket.jupyter.org protocol)" in log
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"interlace", "python3"} <= set(outcome["kernelspecs"])
    assert outcome["status"] == "ok"
    assert outcome["stdout"] == "from jupyterlab\n"
    assert outcome["result"] == "42"
    assert outcome["implementation"] == "interlace"


def test_jupyter_kernel_client_runs_a_cell(server: RunningServer) -> None:
    """Its default (JSON) protocol: its v1 mode formats a log line it cannot format."""
    kernel = JupyterKernelClient(
        server_url=server.url,
        token=TOKEN,
        client_kwargs={"subprotocol": JupyterSubprotocol.DEFAULT},
    )
    kernel.start(name="interlace")
    try:
        reply = kernel.execute("print('from a peer')\n2 ** 10")
    finally:
        kernel.stop()
    assert reply["status"] == "ok"
    outputs = reply["outputs"]
    assert {"output_type": "stream", "name": "stdout", "text": "from a peer\n"} in outputs
    results = [o for o in outputs if o["output_type"] == "execute_result"]
    assert results[0]["data"]["text/plain"] == "1024"
