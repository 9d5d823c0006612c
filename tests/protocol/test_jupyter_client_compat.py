"""Byte compatibility with jupyter_client's Session and connection files, both ways."""

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.connect import find_connection_file as jupyter_find
from jupyter_client.connect import write_connection_file as jupyter_write
from jupyter_client.session import Session
from jupyter_core.paths import jupyter_runtime_dir

from interlace.errors import InvalidSignature
from interlace.protocol import (
    ConnectionInfo,
    ReplayGuard,
    Sender,
    Signer,
    decode,
    encode,
    find_connection_file,
    new_connection_info,
    read_connection_file,
    runtime_dir,
    write_connection_file,
)

KEY = b"5e7c0a8e-2b0e-4d34-9a16-1f0c8a7e6d21"
SCHEMES = ["hmac-sha256", "hmac-sha1", "hmac-md5", "hmac-sha512", "hmac-sha3_256", "hmac-blake2b"]
CONTENT = {"code": "print('ünïcode ✓')", "silent": False, "user_expressions": {"x": "1"}}
BUFFERS = [b"\x00\x01\x02", os.urandom(1000)]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_jupyter_client_reads_our_messages(scheme: str) -> None:
    sender = Sender(username="ada")
    request = sender.message("execute_request", {"code": "1"})
    message = sender.message(
        "display_data", CONTENT, parent=request, metadata={"k": [1]}, buffers=BUFFERS
    )
    frames = encode(message, Signer(KEY, scheme), [b"id-1", b"id-2"])

    session = Session(key=KEY, signature_scheme=scheme)
    identities, rest = session.feed_identities(frames)
    theirs = session.deserialize(rest)

    assert identities == [b"id-1", b"id-2"]
    assert theirs["msg_type"] == "display_data"
    assert theirs["header"]["msg_id"] == message.msg_id
    assert theirs["header"]["version"] == "5.5"
    assert theirs["header"]["date"] == message.header.date
    assert theirs["parent_header"]["msg_id"] == request.msg_id
    assert theirs["parent_header"]["date"] == request.header.date
    assert theirs["metadata"] == {"k": [1]}
    assert theirs["content"] == CONTENT
    assert [bytes(b) for b in theirs["buffers"]] == BUFFERS


@pytest.mark.parametrize("scheme", SCHEMES)
def test_we_read_jupyter_client_messages(scheme: str) -> None:
    session = Session(key=KEY, signature_scheme=scheme, username="grace")
    request = session.msg("execute_request", {"code": "1"})
    reply = session.msg("execute_reply", CONTENT, parent=request, metadata={"engine": "e"})
    frames = session.serialize(reply, ident=[b"route"]) + BUFFERS

    identities, ours = decode(frames, Signer(KEY, scheme), ReplayGuard())

    assert identities == [b"route"]
    assert ours.msg_type == "execute_reply"
    assert ours.header.username == "grace"
    assert ours.header.session == session.session
    assert ours.header.date == reply["header"]["date"]
    assert ours.header.version.startswith("5.")
    assert ours.parent_header is not None
    assert ours.parent_id == request["header"]["msg_id"]
    assert ours.metadata == {"engine": "e"}
    assert ours.content == CONTENT
    assert list(ours.buffers) == BUFFERS


def test_unsigned_sessions_interoperate() -> None:
    session = Session(key=b"")
    frames = session.serialize(session.msg("kernel_info_request"))
    _, ours = decode(frames, Signer(b""))
    assert ours.msg_type == "kernel_info_request"
    theirs = session.deserialize(session.feed_identities(encode(ours, Signer(b"")))[1])
    assert theirs["msg_id"] == ours.msg_id


def test_each_side_refuses_the_others_forgery() -> None:
    session = Session(key=KEY)
    frames = session.serialize(session.msg("execute_request", {"code": "1"}))
    with pytest.raises(InvalidSignature):
        decode(frames, Signer(b"another key"))
    ours = encode(Sender().message("execute_request"), Signer(b"another key"))
    with pytest.raises(ValueError, match="Invalid Signature"):
        session.deserialize(session.feed_identities(ours)[1])


def test_messages_from_jupyter_client_without_parent_decode_with_none() -> None:
    session = Session(key=KEY)
    _, ours = decode(session.serialize(session.msg("kernel_info_request")), Signer(KEY))
    assert ours.parent_header is None


def test_dates_keep_microseconds_and_timezone_both_ways() -> None:
    date = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    session = Session(key=KEY)
    msg = session.msg("status", {"execution_state": "idle"})
    msg["header"]["date"] = date
    _, ours = decode(session.serialize(msg), Signer(KEY))
    assert ours.header.date == date
    theirs = session.deserialize(session.feed_identities(encode(ours, Signer(KEY)))[1])
    assert theirs["header"]["date"] == date


def test_jupyter_written_connection_file_reads_with_us(tmp_path: Path) -> None:
    path, written = jupyter_write(
        str(tmp_path / "kernel-j.json"), ip="127.0.0.1", key=KEY, kernel_name="python3"
    )
    info = read_connection_file(path)
    assert info.key == KEY
    assert info.kernel_name == "python3"
    assert info.signature_scheme == "hmac-sha256"
    assert info.shell_port == written["shell_port"]
    assert info.hb_port == written["hb_port"]
    assert info.url("iopub") == f"tcp://127.0.0.1:{written['iopub_port']}"


def test_our_connection_file_reads_with_jupyter_client(tmp_path: Path) -> None:
    info = new_connection_info(kernel_name="interlace", signature_scheme="hmac-sha512")
    path = write_connection_file(info, tmp_path / "kernel-i.json")
    client = BlockingKernelClient()
    client.load_connection_file(str(path))
    assert client.shell_port == info.shell_port
    assert client.stdin_port == info.stdin_port
    assert client.control_port == info.control_port
    assert client.session.key == info.key
    assert client.session.signature_scheme == "hmac-sha512"
    assert client.session.digest_mod == hashlib.sha512
    assert client.transport == "tcp"
    assert client.ip == "127.0.0.1"
    assert json.loads(path.read_text())["kernel_name"] == "interlace"


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"JUPYTER_RUNTIME_DIR": "/tmp/rt"},
        {"JUPYTER_DATA_DIR": "/tmp/data"},
        {"XDG_DATA_HOME": "/tmp/xdg"},
        {"JUPYTER_PLATFORM_DIRS": "1", "XDG_DATA_HOME": "/tmp/xdg2"},
    ],
)
def test_runtime_dir_is_jupyters(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "JUPYTER_RUNTIME_DIR",
        "JUPYTER_DATA_DIR",
        "XDG_DATA_HOME",
        "JUPYTER_PLATFORM_DIRS",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert runtime_dir() == Path(jupyter_runtime_dir())


@pytest.mark.parametrize("name", ["kernel-abc.json", "abc", "kernel-a*.json", None])
def test_existing_lookup_agrees_with_jupyter_client(tmp_path: Path, name: str | None) -> None:
    info = ConnectionInfo(1, 2, 3, 4, 5, key=KEY)
    for index, stem in enumerate(["kernel-xyz", "kernel-abc", "other"]):
        path = write_connection_file(info, tmp_path / f"{stem}.json")
        os.utime(path, (1000 + index, 1000 + index))
    theirs = jupyter_find(name or "kernel-*.json", path=[str(tmp_path)])
    assert find_connection_file(name, paths=[tmp_path]) == Path(theirs)
