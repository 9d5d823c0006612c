"""Our server against jupyter_server, driven by the same HTTP and WebSocket client in one run.

Each stack as users get it: interlace's server with interlace's kernel, and
jupyter_server with ipykernel; one more row puts ipykernel behind our server to
show what the server alone changes. The client speaks Jupyter's JSON websocket
protocol to both.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from websockets.sync.client import ClientConnection, connect

from _harness import Result
from interlace.protocol import Sender

if TYPE_CHECKING:
    from collections.abc import Iterator

TOKEN = "benchmark-token"
TIMEOUT = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerUrl(str):
    """A running server's base URL, which also knows the server's process id."""

    pid: int


def _running(url: str, pid: int) -> ServerUrl:
    running = ServerUrl(url)
    running.pid = pid
    return running


@contextlib.contextmanager
def interlace_server(root: Path) -> Iterator[ServerUrl]:
    command = [sys.executable, "-m", "interlace", "server", "--port", "0", "--no-browser"]
    process = subprocess.Popen(
        [*command, "--token", TOKEN, "--root-dir", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    url = ""
    for line in process.stdout:
        match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        if match:
            url = match.group(1)
            break
    try:
        yield _running(url, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def jupyter_server(root: Path) -> Iterator[ServerUrl]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            f"--port={port}",
            "--no-browser",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={root}",
            "--allow-root",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/api/status", params={"token": TOKEN}).status_code == 200:
                    break
            time.sleep(0.1)
        yield _running(url, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _request(msg_type: str, content: dict[str, Any], sender: Sender) -> dict[str, Any]:
    message = sender.message(msg_type, content)
    header = {**message.header.to_dict(), "date": message.header.date.isoformat()}
    return {
        "header": header,
        "parent_header": {},
        "metadata": {},
        "content": content,
        "channel": "shell",
    }


def _wait(ws: ClientConnection, msg_id: str) -> int:
    """Until both the reply and the idle status of ``msg_id`` came; returns stdout lines."""
    replied = idle = False
    lines = 0
    while not (replied and idle):
        message = json.loads(ws.recv(timeout=TIMEOUT))
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = message["header"]["msg_type"]
        replied = replied or kind.endswith("_reply")
        if kind == "stream":
            lines += message["content"]["text"].count("\n")
        if kind == "status" and message["content"]["execution_state"] == "idle":
            idle = True
    return lines


def _execute(ws: ClientConnection, sender: Sender, code: str) -> int:
    request = _request(
        "execute_request",
        {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
        },
        sender,
    )
    ws.send(json.dumps(request))
    return _wait(ws, request["header"]["msg_id"])


def _ws(url: str, kernel_id: str, session: str) -> ClientConnection:
    """A websocket whose own socket sends at once (TCP_NODELAY), so only the server can stall."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    ws_url = f"ws://{host}:{port}/api/kernels/{kernel_id}/channels"
    query = f"?token={TOKEN}&session_id={session}"
    return connect(ws_url + query, sock=sock, open_timeout=TIMEOUT, max_size=None)


def measure(url: str, kernel: str, quick: bool) -> dict[str, Any]:
    http = httpx.Client(base_url=url, params={"token": TOKEN}, timeout=TIMEOUT)
    sender = Sender(username="bench")
    started = time.perf_counter()
    kernel_id = http.post("/api/kernels", json={"name": kernel}).json()["id"]
    with _ws(url, kernel_id, sender.session) as ws:
        request = _request("kernel_info_request", {}, sender)
        ws.send(json.dumps(request))
        _wait(ws, request["header"]["msg_id"])
        first_reply = time.perf_counter() - started
        for _ in range(5):
            _execute(ws, sender, "pass")
        rounds = []
        for _ in range(20 if quick else 200):
            begin = time.perf_counter()
            _execute(ws, sender, "pass")
            rounds.append(time.perf_counter() - begin)
        count = 2_000 if quick else 200_000
        begin = time.perf_counter()
        lines = _execute(ws, sender, f"for i in range({count}):\n    print(i)")
        throughput = lines / (time.perf_counter() - begin)
    fan_seconds, fan_exact = _fan_out(url, kernel_id, 10 if quick else 50)
    http.delete(f"/api/kernels/{kernel_id}")
    http.close()
    return {
        "first": first_reply,
        "rtt": statistics.median(rounds),
        "stream": throughput,
        "exact": lines == count,
        "fan": fan_seconds,
        "fan_exact": fan_exact,
        "fan_count": 10 if quick else 50,
        "count": count,
    }


def _fan_out(url: str, kernel_id: str, sockets: int) -> tuple[float, bool]:
    with contextlib.ExitStack() as stack:
        clients = [stack.enter_context(_ws(url, kernel_id, f"fan-{i}")) for i in range(sockets)]
        sender = Sender(username="bench")
        request = _request(
            "execute_request",
            {
                "code": "for i in range(100):\n    print(i, flush=True)",
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
            },
            sender,
        )
        begin = time.perf_counter()
        clients[0].send(json.dumps(request))
        counts = [_iopub_lines(ws, request["header"]["msg_id"]) for ws in clients]
        return time.perf_counter() - begin, all(c == 100 for c in counts)


def _iopub_lines(ws: ClientConnection, msg_id: str) -> int:
    lines = 0
    while True:
        message = json.loads(ws.recv(timeout=TIMEOUT))
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if message["header"]["msg_type"] == "stream":
            lines += message["content"]["text"].count("\n")
        if (
            message["header"]["msg_type"] == "status"
            and message["content"]["execution_state"] == "idle"
        ):
            return lines


def run(quick: bool) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="interlace-bench-") as folder:
        root = Path(folder)
        os.environ["IPYTHONDIR"] = str(root / "ipython")
        with interlace_server(root) as url:
            ours = measure(url, "interlace", quick)
            ours_ipykernel = measure(url, "python3", quick)
        with jupyter_server(root) as url:
            theirs = measure(url, "python3", quick)
    fan = f"{ours['fan_count']} websockets on one kernel, 100 flushed prints"
    return [
        Result("server: POST /api/kernels to kernel_info_reply", ours["first"], theirs["first"]),
        Result("server: execute round trip over the websocket", ours["rtt"], theirs["rtt"]),
        Result("server: same, both servers on ipykernel", ours_ipykernel["rtt"], theirs["rtt"]),
        Result(
            f"server: {ours['count']:,} prints over the websocket",
            ours["stream"],
            theirs["stream"],
            unit="lines/s",
            higher_is_better=True,
            note=f"exact: interlace {ours['exact']}, jupyter {theirs['exact']}",
        ),
        Result(
            f"server: {fan}",
            ours["fan"],
            theirs["fan"],
            note=f"all got all: interlace {ours['fan_exact']}, jupyter {theirs['fan_exact']}",
        ),
    ]
