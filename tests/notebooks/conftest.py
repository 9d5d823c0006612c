"""Notebook tests run against a real server; its fixtures are the server tests' own."""

from tests.server.conftest import notebook_server, server

__all__ = ["notebook_server", "server"]
