"""A real server in a subprocess on a free loopback port, with plain HTTP and WebSocket clients."""

from __future__ import annotations

import collections
import json
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

TOKEN = "test-token-0123456789"
INTERLACE = str(Path(sys.executable).with_name("interlace"))


class RunningServer:
    def __init__(
        self,
        root: Path,
        *arguments: str,
        token: str = TOKEN,
        wrapper: Sequence[str] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        """``token``: the one ``arguments`` give the server (``self.http`` sends it);
        ``wrapper``: a command the server runs under (``nsenter ...``)."""
        self.root = root
        self.stopped, self.logged = False, ""
        self.process = subprocess.Popen(
            [
                *wrapper,
                INTERLACE,
                "server",
                "--port",
                "0",
                "--no-browser",
                "--root-dir",
                str(root),
                *arguments,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:
            match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if match:
                self.port = int(match.group(1))
                break
        else:
            raise AssertionError(f"the server did not start: {self.process.stderr.read()}")  # type: ignore[union-attr]
        self._log = _Drain(self.process.stderr, f"server {self.process.pid} stderr")
        self._output = _Drain(self.process.stdout, f"server {self.process.pid} stdout")
        self.url = f"http://127.0.0.1:{self.port}"
        self.http = httpx.Client(
            base_url=self.url, headers={"Authorization": f"token {token}"}, timeout=60
        )
        try:
            self.http.get("/api/status").raise_for_status()
        except httpx.HTTPError:
            self.stop()
            raise

    def websocket(
        self, kernel_id: str, query: str = "", subprotocols: list[str] | None = None, **options: Any
    ) -> ClientConnection:
        url = f"ws://127.0.0.1:{self.port}/api/kernels/{kernel_id}/channels?token={TOKEN}{query}"
        return connect(url, subprotocols=subprotocols, open_timeout=30, **options)  # type: ignore[arg-type]

    def start_kernel(self, name: str = "interlace") -> str:
        response = self.http.post("/api/kernels", json={"name": name})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def stop(self) -> str:
        """Stop the server (once: again answers the same); what it logged."""
        if self.stopped:
            return self.logged
        self.stopped = True
        self.http.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.logged = self._finish()
        return self.logged

    def _finish(self) -> str:
        """What the server logged, once it ended (its pipes closed, drained)."""
        self._output.join()
        return self._log.join()

    def kill(self) -> None:
        """SIGKILL the server, as a crash or the OOM killer would (its kernels notice it)."""
        if self.stopped:
            return
        self.stopped = True
        self.http.close()
        self.process.kill()
        self.process.wait(timeout=30)
        self.logged = self._finish()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _Drain:
    """Reads a server's pipe as it writes, so a chatty server never blocks on a full pipe;
    keeps the last ``MAX_LOG`` characters."""

    MAX_LOG = 16 << 20

    def __init__(self, stream: IO[str] | None, name: str) -> None:
        self._kept: collections.deque[str] = collections.deque()
        self._size = 0
        self._thread = threading.Thread(target=self._read, args=(stream,), name=name, daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str] | None) -> None:
        if stream is None:
            return
        with stream:
            for line in stream:
                self._kept.append(line)
                self._size += len(line)
                while self._size > self.MAX_LOG:
                    self._size -= len(self._kept.popleft())

    def join(self) -> str:
        self._thread.join(timeout=30)
        return "".join(self._kept)


def free_port() -> int:
    """A loopback port free right now, for a server that must come back on the same one."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = RunningServer(tmp_path_factory.mktemp("root"), "--token", TOKEN)
    yield running
    running.stop()


def execute_request(code: str, session: str = "test-session") -> dict[str, Any]:
    """A Jupyter message as a browser sends it over the default protocol."""
    from interlace.protocol import Sender

    message = Sender(session=session, username="browser").message(
        "execute_request",
        {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
        },
    )
    header = {**message.header.to_dict(), "date": message.header.date.isoformat()}
    return {
        "header": header,
        "parent_header": {},
        "metadata": {},
        "content": dict(message.content),
        "channel": "shell",
    }


def receive_until_idle(
    ws: ClientConnection, msg_id: str, timeout: float = 30
) -> list[dict[str, Any]]:
    """JSON messages from the websocket up to the idle status of request ``msg_id``."""
    messages = []
    while True:
        raw = ws.recv(timeout=timeout)
        message = json.loads(raw)
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        messages.append(message)
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return messages


@pytest.fixture
def notebook_server(tmp_path: Path) -> Iterator[RunningServer]:
    from tests.notebooks.ypeer import NOTEBOOK

    (tmp_path / "shared.ipynb").write_text(json.dumps(NOTEBOOK))
    running = RunningServer(tmp_path, "--token", TOKEN)
    yield running
    running.stop()


def store_password(password: str) -> None:
    """Store ``password`` the way a user does, with ``interlace server password``
    (into $JUPYTER_CONFIG_DIR, which the caller points somewhere temporary)."""
    subprocess.run(
        [sys.executable, "-m", "interlace", "server", "password"],
        input=f"{password}\n{password}\n",
        text=True,
        check=True,
        timeout=60,
    )


def run_yjs_peers(server: RunningServer, script: str, *arguments: str) -> dict[str, Any]:
    """Run a Node script of tests/server/yjs/ against the server; the JSON it printed last."""
    done = subprocess.run(
        [
            "node",
            str(Path(__file__).parent / "yjs" / script),
            f"ws://127.0.0.1:{server.port}/api/collab",
            TOKEN,
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    outcome: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return outcome
