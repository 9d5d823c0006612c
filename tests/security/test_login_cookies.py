"""A login cookie is good for one server, with its credentials, until its logout.

The attack: every server of a user signed its one cookie name with one secret
of the runtime directory, so server A's cookie was accepted by server B started
with another token, and a cookie stayed good after a logout (replayed from a
copy) or after the token changed. Now the cookie's name carries the port and
its signature the port and a digest of the token and password hash; a logout
revokes it for good, across restarts; a restart with the same credentials keeps
browsers logged in. jupyter_server also names its cookie per host and port
(``username-<host>-<port>``) and signs it with one secret kept in the runtime
directory, but a cookie outlives a change of token there, and its logout only
asks the browser to forget the cookie.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import httpx

from tests.server.conftest import TOKEN, RunningServer, free_port

if TYPE_CHECKING:
    from pathlib import Path

OTHER_TOKEN = "another-token-9876543210"


def log_in(server: RunningServer, token: str = TOKEN) -> str:
    """Open the printed URL as a browser does; the login cookie it got."""
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        assert browser.get("/tree/", params={"token": token}).status_code == 303
        return browser.cookies[f"interlace-auth-{server.port}"]


def status_with(server: RunningServer, name: str, value: str) -> int:
    with httpx.Client(base_url=server.url, cookies={name: value}, timeout=30) as browser:
        return browser.get("/api/contents").status_code


def own_name(server: RunningServer) -> str:
    return f"interlace-auth-{server.port}"


def test_a_cookie_of_one_server_is_refused_by_another(tmp_path: Path) -> None:
    with contextlib.ExitStack() as servers:

        def start(name: str, token: str) -> RunningServer:
            (tmp_path / name).mkdir()
            return servers.enter_context(
                RunningServer(tmp_path / name, "--token", token, token=token)
            )

        a, b, same_token = start("a", TOKEN), start("b", OTHER_TOKEN), start("c", TOKEN)
        cookie = log_in(a)
        assert status_with(a, own_name(a), cookie) == 200
        for other in (b, same_token):
            assert status_with(other, own_name(a), cookie) == 401
            assert status_with(other, own_name(other), cookie) == 401


def test_a_cookie_from_before_the_token_changed_is_refused(tmp_path: Path) -> None:
    port = str(free_port())
    with RunningServer(tmp_path, "--token", TOKEN, "--port", port) as first:
        cookie, name = log_in(first), own_name(first)
    arguments = ("--token", OTHER_TOKEN, "--port", port)
    with RunningServer(tmp_path, *arguments, token=OTHER_TOKEN) as changed:
        assert status_with(changed, name, cookie) == 401
    with RunningServer(tmp_path, "--token", TOKEN, "--port", port) as same:
        assert status_with(same, name, cookie) == 200  # same server, same credentials


def test_logout_revokes_the_cookie_even_when_replayed_after_a_restart(tmp_path: Path) -> None:
    port = str(free_port())
    with RunningServer(tmp_path, "--token", TOKEN, "--port", port) as server:
        name = own_name(server)
        leaving, staying = log_in(server), log_in(server)
        with httpx.Client(base_url=server.url, cookies={name: leaving}, timeout=30) as browser:
            out = browser.get("/logout")
        assert out.headers["location"] == "/login"
        assert out.headers["set-cookie"].startswith(f'{name}=""; expires=')  # forget it
        assert status_with(server, name, leaving) == 401
        assert status_with(server, name, staying) == 200  # another browser stays logged in
    assert leaving not in server.logged
    with RunningServer(tmp_path, "--token", TOKEN, "--port", port) as again:
        assert status_with(again, name, leaving) == 401
        assert status_with(again, name, staying) == 200
