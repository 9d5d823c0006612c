import json
import os
import socket
import stat
from pathlib import Path

import pytest

from interlace.errors import ConnectionFileError, ConnectionFileNotFound
from interlace.protocol import (
    CHANNELS,
    ConnectionInfo,
    allocate_ports,
    find_connection_file,
    new_connection_file,
    new_connection_info,
    read_connection_file,
    write_connection_file,
)

FILE = {
    "shell_port": 5001,
    "iopub_port": 5002,
    "stdin_port": 5003,
    "control_port": 5004,
    "hb_port": 5005,
    "ip": "127.0.0.1",
    "key": "k",
    "transport": "tcp",
    "signature_scheme": "hmac-sha256",
    "kernel_name": "python3",
}


def test_urls_for_tcp_ipv6_and_ipc() -> None:
    info = ConnectionInfo(1, 2, 3, 4, 5)
    assert [info.url(c) for c in CHANNELS] == [f"tcp://127.0.0.1:{n}" for n in range(1, 6)]
    assert ConnectionInfo(1, 2, 3, 4, 5, ip="::1").url("hb") == "tcp://[::1]:5"
    assert (
        ConnectionInfo(1, 2, 3, 4, 5, ip="/tmp/k", transport="ipc").url("iopub") == "ipc:///tmp/k-2"
    )


def test_write_is_private_atomic_and_round_trips(tmp_path: Path) -> None:
    info = new_connection_info(kernel_name="interlace")
    path = write_connection_file(info, tmp_path / "kernel-1.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["kernel-1.json"]
    assert json.loads(path.read_text()) == info.to_dict()
    assert read_connection_file(path) == info
    write_connection_file(ConnectionInfo(1, 2, 3, 4, 5), path)
    assert read_connection_file(path).shell_port == 1


def test_new_connection_info_has_a_random_key_and_distinct_ports() -> None:
    first, second = new_connection_info(), new_connection_info()
    assert first.key
    assert first.key != second.key
    ports = [first.port(c) for c in CHANNELS] + [second.port(c) for c in CHANNELS]
    assert len(set(ports)) == 10


def test_allocated_ports_are_free_to_bind() -> None:
    for port in allocate_ports(5):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_ipc_endpoints_skip_existing_files(tmp_path: Path) -> None:
    base = tmp_path / "kernel-ipc"
    Path(f"{base}-1").touch()
    Path(f"{base}-3").touch()
    assert allocate_ports(3, str(base), "ipc") == [2, 4, 5]


def test_missing_fields_default_like_jupyter() -> None:
    info = ConnectionInfo.from_dict({k: FILE[k] for k in FILE if k.endswith("_port")})
    assert (info.ip, info.transport, info.key, info.signature_scheme) == (
        "127.0.0.1",
        "tcp",
        b"",
        "hmac-sha256",
    )


def test_unknown_fields_are_ignored() -> None:
    assert ConnectionInfo.from_dict({**FILE, "curve_publickey": "x"}).kernel_name == "python3"


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"shell_port": None}, "shell_port"),
        ({"hb_port": "5005"}, "hb_port"),
        ({"hb_port": True}, "hb_port"),
        ({"iopub_port": 70000}, "iopub_port"),
        ({"transport": "udp"}, "transport"),
        ({"key": 5}, "key"),
        ({"signature_scheme": "hmac-nope"}, "nope"),
    ],
)
def test_invalid_fields_are_refused(change: dict[str, object], match: str) -> None:
    data = {**FILE, **change}
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(ConnectionFileError, match=match):
        ConnectionInfo.from_dict(data)


@pytest.mark.parametrize(("text", "match"), [("{", "not JSON"), ("[1]", "JSON object")])
def test_unreadable_files_are_refused(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "kernel-bad.json"
    path.write_text(text)
    with pytest.raises(ConnectionFileError, match=match):
        read_connection_file(path)
    with pytest.raises(ConnectionFileError, match="cannot read"):
        read_connection_file(tmp_path / "absent.json")


def test_write_into_missing_directory_is_a_connection_file_error(tmp_path: Path) -> None:
    with pytest.raises(ConnectionFileError, match="cannot write"):
        write_connection_file(ConnectionInfo(1, 2, 3, 4, 5), tmp_path / "no" / "k.json")


def test_new_connection_file_creates_a_private_runtime_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    path = new_connection_file()
    assert path.parent == tmp_path / "runtime"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.name.startswith("kernel-")
    assert path.suffix == ".json"
    assert not path.exists()


def test_find_by_path_name_fragment_and_most_recent(tmp_path: Path) -> None:
    info = ConnectionInfo(1, 2, 3, 4, 5)
    old = write_connection_file(info, tmp_path / "kernel-old.json")
    new = write_connection_file(info, tmp_path / "kernel-new.json")
    os.utime(old, (1, 1))
    assert find_connection_file(str(old)) == old
    assert find_connection_file("kernel-old.json", [tmp_path]) == old
    assert find_connection_file("old", [tmp_path]) == old
    assert find_connection_file(None, [tmp_path]) == new
    with pytest.raises(ConnectionFileNotFound, match="missing"):
        find_connection_file("missing", [tmp_path])
