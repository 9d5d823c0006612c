"""The Host and Origin rules on their own, over hand-made requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from starlette.requests import HTTPConnection

from interlace.server._config import ServerConfig
from interlace.server._origin import Sites, binds_remotely

if TYPE_CHECKING:
    from starlette.types import Scope


def request(method: str = "POST", **headers: str) -> HTTPConnection:
    scope: Scope = {
        "type": "http",
        "method": method,
        "path": "/api/rpc",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    return HTTPConnection(scope)


@pytest.mark.parametrize(
    ("ip", "remote"),
    [("127.0.0.1", False), ("::1", False), ("localhost", False), ("0.0.0.0", True), ("", True)],
)
def test_remote_access_is_on_when_listening_beyond_loopback(ip: str, remote: bool) -> None:
    assert binds_remotely(ip) is remote
    assert Sites.of(ServerConfig(ip=ip)).allow_remote_access is remote


@pytest.mark.parametrize(
    ("host", "refused"),
    [
        ("127.0.0.1:8888", False),
        ("127.9.9.9", False),
        ("[::1]:8888", False),
        ("localhost:8888", False),
        ("Localhost", False),
        ("evil.example:8888", True),
        ("192.168.1.2:8888", True),
        ("localhost.evil.example", True),
    ],
)
def test_hosts(host: str, refused: bool) -> None:
    assert (Sites().host_refusal(request(Host=host)) is not None) is refused


def test_origins_and_referers() -> None:
    sites = Sites(allowed_origins=("http://friend.example",))
    own = {"Host": "127.0.0.1:8888"}
    assert sites.origin_refusal(request(**own, Origin="http://127.0.0.1:8888")) is None
    assert sites.origin_refusal(request(**own, Origin="http://friend.example")) is None
    assert sites.origin_refusal(request(**own, Origin="http://evil.example")) is not None
    assert sites.origin_refusal(request(**own, Origin="null")) is not None
    assert sites.origin_refusal(request(**own, Referer="http://127.0.0.1:8888/tree")) is None
    refusal = sites.origin_refusal(request(**own, Referer="http://evil.example/x?token=secret"))
    assert refusal is not None
    assert "secret" not in refusal
    assert sites.origin_refusal(request(**own)) is None  # a script: no browser headers
    assert sites.origin_refusal(request("GET", **own, Origin="http://evil.example")) is None
    anything = Sites(allowed_origins=("*",))
    assert anything.origin_refusal(request(**own, Origin="http://evil.example")) is None
    assert anything.origin_refusal(request(**own, Origin="null")) is not None
