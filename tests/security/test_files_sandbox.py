"""Files of the root served as active content on the server's origin.

The attack: ``/files/report.html`` (or an ``.svg``) ran its scripts as the
server's own page, read the ``_xsrf`` cookie and called ``/api/rpc`` (the
browser half is ``tests/frontend/test_security_files.py``). Now every answer
carries jupyter_server's default headers (``X-Content-Type-Options: nosniff``,
``Content-Security-Policy: frame-ancestors 'self'``, with ``default-src 'none'``
for the API) and files carry the policy of its ``AuthenticatedFileHandler``,
``sandbox allow-scripts``; a notebook is sent as an attachment, as there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from interlace.server._pages import STATIC
from tests.server.conftest import TOKEN, RunningServer

if TYPE_CHECKING:
    from collections.abc import Iterator

SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("root")
    (root / "report.html").write_text("<script>fetch('/api/rpc')</script>")
    (root / "drawing.svg").write_text(SVG)
    (root / "n.ipynb").write_text(
        '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    )
    (root / "notes").write_text("<script>sniff me</script>")
    running = RunningServer(root, "--token", TOKEN)
    yield running
    running.stop()


@pytest.mark.parametrize("name", ["report.html", "drawing.svg", "notes", "n.ipynb"])
def test_files_are_sandboxed(server: RunningServer, name: str) -> None:
    served = server.http.get(f"/files/{name}")
    assert served.status_code == 200
    assert (
        served.headers["content-security-policy"] == "frame-ancestors 'self'; sandbox allow-scripts"
    )
    assert served.headers["x-content-type-options"] == "nosniff"


def test_types_and_attachments(server: RunningServer) -> None:
    http = server.http
    assert http.get("/files/report.html").headers["content-type"].startswith("text/html")
    assert http.get("/files/drawing.svg").headers["content-type"] == "image/svg+xml"
    assert http.get("/files/notes").headers["content-type"] == "application/octet-stream"
    notebook = http.get("/files/n.ipynb")
    assert notebook.headers["content-type"] == "application/x-ipynb+json"
    assert notebook.headers["content-disposition"].startswith("attachment")
    assert "content-disposition" not in http.get("/files/report.html").headers  # inline


def test_every_answer_says_nosniff(server: RunningServer) -> None:
    asset = next((STATIC / "assets").glob("*.js")).name
    with httpx.Client(base_url=server.url, timeout=30) as anonymous:
        answers = {
            "/api": anonymous.get("/api"),
            "/api/contents (401)": anonymous.get("/api/contents"),
            "/login": anonymous.get("/login"),
            "asset": anonymous.get(f"/static/assets/{asset}"),
            "/tree/ (303)": anonymous.get("/tree/"),
            "/api/kernels (415)": anonymous.post(
                "/api/kernels",
                params={"token": TOKEN},
                content=b"{}",
                headers={"Content-Type": "text/plain"},
            ),
            "/api/contents": server.http.get("/api/contents"),
            "/tree/": server.http.get("/tree/"),
            "/files/nowhere (404)": server.http.get("/files/nowhere"),
        }
    assert answers["/api/kernels (415)"].status_code == 415
    for what, answer in answers.items():
        assert answer.headers.get("x-content-type-options") == "nosniff", what
        assert "frame-ancestors 'self'" in answer.headers["content-security-policy"], what
    assert (
        answers["/api/contents"].headers["content-security-policy"].endswith("default-src 'none'")
    )
    assert "sandbox" not in answers["/tree/"].headers["content-security-policy"]
