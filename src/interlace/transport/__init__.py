"""Async Jupyter channels over ZeroMQ; the only layer that imports zmq."""

from interlace.transport._zmq import Channel as Channel
from interlace.transport._zmq import Context as Context
from interlace.transport._zmq import Heartbeat as Heartbeat
from interlace.transport._zmq import SocketKind as SocketKind

__all__ = ["Channel", "Context", "Heartbeat", "SocketKind"]
