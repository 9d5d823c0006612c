"""Login cookies on their own: bound to a port and credentials, revoked for good."""

from __future__ import annotations

from typing import TYPE_CHECKING

from interlace.server import _cookies
from interlace.server._cookies import LoginCookies, credentials_digest

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

SECRET = b"s" * 32


def cookies(tmp_path: Path, port: int = 8888, token: str = "t") -> LoginCookies:
    store = tmp_path / f"logins-{port}.json"
    return LoginCookies(SECRET, port, credentials_digest(token, ""), store)


def test_a_cookie_is_good_on_its_server_only(tmp_path: Path) -> None:
    made = cookies(tmp_path).make()
    assert cookies(tmp_path).valid(made)
    assert cookies(tmp_path).name == "interlace-auth-8888"
    assert not cookies(tmp_path, port=8889).valid(made)
    assert not cookies(tmp_path, token="other").valid(made)
    expiry, session, signature = made.split(".")
    tampered = signature[:-1] + ("1" if signature.endswith("0") else "0")
    assert not cookies(tmp_path).valid(f"{expiry}.{session}.{tampered}")
    assert not cookies(tmp_path).valid(f"{int(expiry) + 1}.{session}.{signature}")
    assert not cookies(tmp_path).valid(f"{made}.more")


def test_revoked_cookies_stay_revoked(tmp_path: Path) -> None:
    server = cookies(tmp_path)
    leaving, staying = server.make(), server.make()
    server.revoke(leaving)
    assert not server.valid(leaving)
    assert not cookies(tmp_path).valid(leaving)  # after a restart
    assert cookies(tmp_path).valid(staying)


def test_past_the_cap_every_cookie_is_revoked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_cookies, "MAX_REVOKED", 2)
    server = cookies(tmp_path)
    made = [server.make() for _ in range(4)]
    for value in made[:3]:
        server.revoke(value)
    assert not any(server.valid(value) for value in made)
    assert not cookies(tmp_path).valid(made[3])
    assert server.valid(server.make())
