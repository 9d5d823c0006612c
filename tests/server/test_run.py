"""Binding: TCP_NODELAY on every accepted connection, and the next port when one is taken."""

from __future__ import annotations

import socket

from interlace.server._run import bind


def test_accepted_connections_send_without_delay() -> None:
    listener = bind("127.0.0.1", 0)
    with listener, socket.create_connection(listener.getsockname()) as client:
        accepted, _ = listener.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
            assert accepted.proto == socket.IPPROTO_TCP
        assert client.fileno() > 0


def test_a_taken_port_moves_to_the_next_one() -> None:
    first = bind("127.0.0.1", 0)
    port = first.getsockname()[1]
    with first, bind("127.0.0.1", port) as second:
        assert second.getsockname()[1] != port
