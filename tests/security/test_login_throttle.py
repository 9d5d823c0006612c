"""Password guessing: the login form slows down a client that keeps failing.

The attack: nothing limited wrong passwords, and each check ran scrypt on the
event loop, so four clients guessing pushed a logged-in user's median request
from 1.5 to 95 ms. Now passwords are checked in worker threads, two at a time,
and after 5 failures a client is answered 429 with Retry-After (twice as long
after each further failure) without its password being checked, while other
clients, the printed token URL and token-authenticated requests go on working.
jupyter_server has neither: its ``passwd_check`` runs on the event loop and
its login has no limit.
"""

from __future__ import annotations

import contextlib
import re
import select
import socket
from typing import TYPE_CHECKING

import pytest

from tests.security.conftest import client_from
from tests.server.conftest import TOKEN, RunningServer, store_password

if TYPE_CHECKING:
    from collections.abc import Iterator

    import httpx

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
        store_password(PASSWORD)
        running = RunningServer(tmp_path_factory.mktemp("root"), "--password", "--token", TOKEN)
    yield running
    running.stop()


def attempt(http: httpx.Client, password: str) -> httpx.Response:
    """One login, with the XSRF cookie and field the form carries."""
    if "_xsrf" not in http.cookies:
        page = http.get("/login")
        assert re.search(r"name='_xsrf'", page.text)
    fields = {"password": password, "_xsrf": http.cookies["_xsrf"]}
    return http.post("/login", data=fields)


def test_repeated_failures_are_answered_429_while_other_ways_in_work(
    server: RunningServer,
) -> None:
    with client_from(server, "127.0.0.2") as guesser:
        assert [attempt(guesser, f"guess {n}").status_code for n in range(5)] == [401] * 5
        refused = attempt(guesser, PASSWORD)  # even the right one: it is not checked
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert "Too many attempts" in refused.text
        assert guesser.get("/api/contents", headers={"Authorization": f"token {TOKEN}"}).is_success
        assert guesser.get("/tree/", params={"token": TOKEN}).status_code == 303  # printed URL
        assert guesser.get("/api/contents").is_success  # the cookie it set
    with client_from(server, "127.0.0.3") as someone_else:
        assert attempt(someone_else, PASSWORD).status_code == 303
        assert someone_else.get("/api/contents").is_success


def raw_guess(server: RunningServer, address: str, n: int) -> socket.socket:
    """A whole wrong login, sent from ``address`` on a socket of its own (answer unread)."""
    body = f"password=guess+{n}&_xsrf=x".encode()
    head = (
        f"POST /login HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nCookie: _xsrf=x\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    sock = socket.create_connection(
        ("127.0.0.1", server.port), timeout=120, source_address=(address, 0)
    )
    sock.sendall(head.encode() + body)
    return sock


def answered(guesses: list[socket.socket], at_least: int = 0) -> int:
    """How many guesses have an answer waiting; first waits until ``at_least`` have."""
    while True:
        readable, _, _ = select.select(guesses, [], [], 0 if at_least == 0 else 60)
        if len(readable) >= at_least:
            return len(readable)


def test_a_logged_in_user_is_answered_while_attackers_hammer_the_login(
    server: RunningServer,
) -> None:
    """Thirty guesses from six addresses, and once the server is busy answering them, a
    request of a logged-in user: the guesses queue for two threads, the user's request
    does not. Were scrypt run on the event loop, it would be answered after them all."""
    with client_from(server, "127.0.0.9") as browser:
        assert attempt(browser, PASSWORD).status_code == 303
        cookies = dict(browser.cookies)
    with contextlib.ExitStack() as closing:
        guesses = [
            closing.enter_context(raw_guess(server, f"127.0.1.{a}", n))
            for a in range(1, 7)
            for n in range(5)
        ]
        answered(guesses, at_least=3)
        with client_from(server, "127.0.0.9", cookies=cookies) as user:
            assert user.get("/api/contents").is_success
        before_the_user = answered(guesses)
        statuses = [guess.recv(4096).split(b"\r\n", 1)[0] for guess in guesses]
    assert before_the_user < 20, f"the user was answered after {before_the_user} of 30 guesses"
    assert set(statuses) == {b"HTTP/1.1 401 Unauthorized"}


def test_a_forwarded_for_header_does_not_dodge_the_throttle(server: RunningServer) -> None:
    # uvicorn trusts X-Forwarded-For from 127.0.0.1 unless told not to: a local guesser
    # could then name a new address for every guess.
    with client_from(server, "127.0.0.1") as guesser:  # the address uvicorn would trust
        for n in range(5):
            guesser.headers["X-Forwarded-For"] = f"10.0.0.{n}"
            assert attempt(guesser, f"guess {n}").status_code == 401
        guesser.headers["X-Forwarded-For"] = "10.0.0.99"
        assert attempt(guesser, PASSWORD).status_code == 429
