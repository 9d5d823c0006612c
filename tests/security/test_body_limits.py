"""Pre-authentication memory exhaustion: request bodies are limited before they are read.

The attack: ``POST /login`` buffered the whole body before any check; a 1 GiB body
took the server to 2.9 GB of memory. Now a declared Content-Length over the
limit is answered 413 before a byte is read, and a chunked body is cut with 413
as soon as it passes the limit (1 MiB for the login form, ``--max-body-size``
for the rest). jupyter_server's equivalent is tornado's ``max_body_size``
(512 MiB by default, for every request), answered 400 when declared and by a
closed connection when streamed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from tests.security.conftest import ChunkedSender, rss, send_declared
from tests.server.conftest import TOKEN, RunningServer

if TYPE_CHECKING:
    from collections.abc import Iterator

MiB = 2**20
LIMIT = 2 * MiB


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("root")
    running = RunningServer(root, "--token", TOKEN, "--max-body-size", str(LIMIT))
    yield running
    running.stop()


def head(server: RunningServer, request: str, *headers: str) -> str:
    lines = [request, f"Host: 127.0.0.1:{server.port}", *headers]
    return "".join(f"{line}\r\n" for line in lines)


def test_a_declared_2_gib_login_is_refused_before_it_is_sent(server: RunningServer) -> None:
    before = rss(server)
    login = head(server, "POST /login HTTP/1.1", "Content-Type: application/x-www-form-urlencoded")
    assert send_declared(server, login, 2 * 2**30, 64 * 1024).startswith("HTTP/1.1 413")
    upload = head(
        server,
        "PUT /api/contents/big.txt HTTP/1.1",
        f"Authorization: token {TOKEN}",
        "Content-Type: application/json",
    )
    assert send_declared(server, upload, 2 * 2**30, 64 * 1024).startswith("HTTP/1.1 413")
    assert rss(server) - before < 32 * MiB
    assert server.http.get("/api/status").status_code == 200


def test_a_streamed_login_body_is_cut_with_413(server: RunningServer) -> None:
    before = rss(server)
    login = head(server, "POST /login HTTP/1.1", "Content-Type: application/x-www-form-urlencoded")
    sender = ChunkedSender(server, login)
    sent = sender.stream(b"password=", up_to=256 * MiB)
    assert sender.status.startswith("HTTP/1.1 413"), sender.status
    assert sent < 256 * MiB
    assert rss(server) - before < 64 * MiB
    assert server.http.get("/api/status").status_code == 200


def test_a_streamed_json_body_over_max_body_size_is_cut_with_413(server: RunningServer) -> None:
    upload = head(
        server,
        "PUT /api/contents/big.txt HTTP/1.1",
        f"Authorization: token {TOKEN}",
        "Content-Type: application/json",
    )
    sender = ChunkedSender(server, upload)
    sender.stream(b'{"type": "file", "format": "text", "content": "', up_to=64 * MiB)
    assert sender.status.startswith("HTTP/1.1 413"), sender.status
    assert not (server.root / "big.txt").exists()


def test_bodies_under_the_limits_still_work(server: RunningServer) -> None:
    content = "x" * (LIMIT // 2)
    body = {"type": "file", "format": "text", "content": content}
    assert server.http.put("/api/contents/half.txt", json=body).status_code == 201
    assert (server.root / "half.txt").read_text() == content
    form = {"password": "p" * (512 * 1024), "_xsrf": "x"}
    with httpx.Client(base_url=server.url, cookies={"_xsrf": "x"}, timeout=60) as browser:
        refused = browser.post("/login", data=form)
    assert refused.status_code == 401  # read and checked: only the password was wrong


def test_refusals_are_logged(tmp_path_factory: pytest.TempPathFactory) -> None:
    with RunningServer(tmp_path_factory.mktemp("root"), "--token", TOKEN) as running:
        login = head(running, "POST /login HTTP/1.1")
        assert send_declared(running, login, 2 * MiB, 0).startswith("HTTP/1.1 413")
    assert "refused POST /login: the request body is over the 1048576-byte limit" in running.logged
