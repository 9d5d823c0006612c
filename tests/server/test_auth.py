"""The server is closed by default: every refusal, and secrets kept out of the logs."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from tests.server.conftest import TOKEN, RunningServer, free_port, store_password

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def password_server(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch
) -> Iterator[RunningServer]:
    config = tmp_path_factory.mktemp("config")
    monkeypatch_module.setenv("JUPYTER_CONFIG_DIR", str(config))
    store_password(PASSWORD)
    assert PASSWORD not in (config / "interlace_server.json").read_text()
    running = RunningServer(tmp_path_factory.mktemp("root"), "--password", "--token", TOKEN)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def anonymous(server: RunningServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=30)


def test_token_in_header_query_or_nothing(server: RunningServer) -> None:
    with anonymous(server) as http:
        assert http.get("/api/kernels").status_code == 401
        assert http.get("/api/kernels", headers={"Authorization": "token wrong"}).status_code == 403
        assert http.get("/api/kernels", params={"token": "wrong"}).status_code == 403
        assert http.get("/api/kernels", params={"token": TOKEN}).status_code == 200
        assert (
            http.get("/api/kernels", headers={"Authorization": f"token {TOKEN}"}).status_code == 200
        )
        assert http.get("/api").status_code == 200
        assert http.delete("/api/contents/x").status_code == 401
        home = http.get("/")
        assert home.status_code == 303
        assert home.headers["location"] == "/login?next=%2F"


def test_websocket_needs_credentials_and_its_own_origin(server: RunningServer) -> None:
    kernel_id = server.start_kernel()
    base = f"ws://127.0.0.1:{server.port}/api/kernels/{kernel_id}/channels"
    with pytest.raises(InvalidStatus):
        connect(base, open_timeout=10).close()
    with pytest.raises(InvalidStatus):
        connect(f"{base}?token=wrong", open_timeout=10).close()
    with pytest.raises(InvalidStatus):
        connect(
            f"{base}?token={TOKEN}", origin=Origin("http://evil.example"), open_timeout=10
        ).close()
    own = f"http://127.0.0.1:{server.port}"
    with connect(f"{base}?token={TOKEN}", origin=Origin(own), open_timeout=10) as ws:
        assert ws.protocol.state.name == "OPEN"
    server.http.delete(f"/api/kernels/{kernel_id}")


def login(server: RunningServer, password: str) -> tuple[httpx.Client, httpx.Response]:
    http = anonymous(server)
    page = http.get("/login")
    xsrf = re.search(r"name='_xsrf' value='([^']+)'", page.text)
    assert xsrf is not None
    response = http.post("/login", data={"password": password, "_xsrf": xsrf.group(1)})
    return http, response


def test_password_login_sets_a_signed_cookie(password_server: RunningServer) -> None:
    http, response = login(password_server, "wrong")
    assert response.status_code == 401
    http.close()
    http, response = login(password_server, PASSWORD)
    try:
        assert response.status_code == 303
        assert http.get("/api/kernels").status_code == 200
        forged = dict(http.cookies)
        forged[f"interlace-auth-{password_server.port}"] = "99999999999.0123.deadbeef"
        with httpx.Client(base_url=password_server.url, cookies=forged) as other:
            assert other.get("/api/kernels").status_code == 401  # no credential: log in again
    finally:
        http.close()


def test_the_printed_token_url_logs_the_browser_in_and_drops_the_token(
    server: RunningServer,
) -> None:
    with anonymous(server) as http:
        opened = http.get("/tree/sub", params={"token": TOKEN, "view": "list"})
        assert opened.status_code == 303
        assert opened.headers["location"] == "/tree/sub?view=list"
        assert http.get("/api/kernels").status_code == 200  # the cookie it set
    with anonymous(server) as http:
        assert http.get("/tree/", params={"token": "wrong"}).status_code == 403


def test_a_browser_stays_logged_in_across_a_server_restart(tmp_path: Path) -> None:
    port = str(free_port())
    first = RunningServer(tmp_path, "--token", TOKEN, "--port", port)
    with anonymous(first) as http:
        http.get("/tree/", params={"token": TOKEN})
        cookies = dict(http.cookies)
    first.stop()
    again = RunningServer(tmp_path, "--token", TOKEN, "--port", port)
    try:
        with httpx.Client(base_url=again.url, cookies=cookies) as http:
            assert http.get("/api/contents").status_code == 200
    finally:
        again.stop()


def test_login_returns_to_the_page_asked_for(password_server: RunningServer) -> None:
    with anonymous(password_server) as http:
        asked = http.get("/notebooks/a b.ipynb")
        assert asked.headers["location"] == "/login?next=%2Fnotebooks%2Fa%20b.ipynb"
        page = http.get(asked.headers["location"])
        assert "value='/notebooks/a b.ipynb'" in page.text
        fields = {"password": PASSWORD, "_xsrf": http.cookies["_xsrf"], "next": "//evil.example"}
        assert http.post("/login", data=fields).headers["location"] == "/tree/"
        fields["next"] = "/notebooks/a b.ipynb"
        assert http.post("/login", data=fields).headers["location"] == "/notebooks/a%20b.ipynb"


def test_a_logged_in_browser_opens_websockets_with_its_cookie(
    password_server: RunningServer,
) -> None:
    http, _ = login(password_server, PASSWORD)
    try:
        kernel = http.post(
            "/api/kernels", json={}, headers={"X-XSRFToken": http.cookies["_xsrf"]}
        ).json()["id"]
        cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
        url = f"ws://127.0.0.1:{password_server.port}/api/kernels/{kernel}/channels"
        own = Origin(f"http://127.0.0.1:{password_server.port}")
        with connect(url, origin=own, additional_headers={"Cookie": cookie}) as ws:
            assert ws.protocol.state.name == "OPEN"
        with pytest.raises(InvalidStatus):
            connect(
                url,
                origin=Origin("http://elsewhere.example"),
                additional_headers={"Cookie": cookie},
            )
    finally:
        http.close()


def test_cookie_writes_need_the_xsrf_token(password_server: RunningServer) -> None:
    http, _ = login(password_server, PASSWORD)
    try:
        body = {"type": "file", "format": "text", "content": "x"}
        refused = http.put("/api/contents/a.txt", json=body)
        assert refused.status_code == 403
        assert "XSRF" in refused.json()["message"]
        headers = {"X-XSRFToken": http.cookies["_xsrf"]}
        assert http.put("/api/contents/a.txt", json=body, headers=headers).status_code == 201
    finally:
        http.close()


def test_login_without_xsrf_is_refused(password_server: RunningServer) -> None:
    with anonymous(password_server) as http:
        assert http.post("/login", data={"password": PASSWORD}).status_code == 403


def test_secrets_are_never_logged(tmp_path: Path) -> None:
    running = RunningServer(tmp_path, "--token", TOKEN)
    with anonymous(running) as http:
        http.get("/api/kernels", params={"token": TOKEN})
        http.get("/api/kernels", params={"token": "a-wrong-secret"})
        http.get("/api/kernels", headers={"Authorization": "token another-wrong-secret"})
    err = running.stop()
    assert "refused GET /api/kernels" in err
    assert TOKEN not in err
    assert "a-wrong-secret" not in err
    assert "another-wrong-secret" not in err
