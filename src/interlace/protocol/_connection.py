"""Connection files: everything a client needs to join a kernel, in Jupyter's format.

A connection file is a JSON object with the transport, address, the five ports,
the HMAC key and scheme, and the kernel name. Jupyter tools keep them in a
*runtime directory*; we use the same one, so ``--existing NAME`` finds kernels
that Jupyter started and Jupyter tools find ours.
"""

from __future__ import annotations

import glob
import json
import os
import socket
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from interlace.errors import ConnectionFileError, ConnectionFileNotFound, ProtocolError
from interlace.protocol._message import new_id
from interlace.protocol._signing import DEFAULT_SIGNATURE_SCHEME, Signer

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from interlace.protocol._json import JSON, JSONDict

__all__ = [
    "CHANNELS",
    "Channel",
    "ConnectionInfo",
    "Transport",
    "allocate_ports",
    "data_dir",
    "find_connection_file",
    "new_connection_file",
    "new_connection_info",
    "read_connection_file",
    "runtime_dir",
    "write_connection_file",
]

Transport = Literal["tcp", "ipc"]
Channel = Literal["shell", "iopub", "stdin", "control", "hb"]
CHANNELS: tuple[Channel, ...] = get_args(Channel)

_recently_allocated: deque[int] = deque(maxlen=4096)


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """Where a kernel listens and how its messages are signed."""

    shell_port: int
    iopub_port: int
    stdin_port: int
    control_port: int
    hb_port: int
    ip: str = "127.0.0.1"
    transport: Transport = "tcp"
    key: bytes = b""
    signature_scheme: str = DEFAULT_SIGNATURE_SCHEME
    kernel_name: str = ""

    def port(self, channel: Channel) -> int:
        port: int = getattr(self, f"{channel}_port")
        return port

    def url(self, channel: Channel) -> str:
        """The ZeroMQ endpoint of ``channel``, e.g. ``tcp://127.0.0.1:53794``."""
        port = self.port(channel)
        if self.transport == "ipc":
            return f"ipc://{self.ip}-{port}"
        host = f"[{self.ip}]" if ":" in self.ip else self.ip
        return f"tcp://{host}:{port}"

    def signer(self) -> Signer:
        return Signer(self.key, self.signature_scheme)

    def to_dict(self) -> JSONDict:
        """The JSON object of a connection file, with the key as text as Jupyter writes it."""
        data: JSONDict = {f"{channel}_port": self.port(channel) for channel in CHANNELS}
        data.update(
            ip=self.ip,
            key=self.key.decode("utf-8"),
            transport=self.transport,
            signature_scheme=self.signature_scheme,
            kernel_name=self.kernel_name,
        )
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, JSON]) -> ConnectionInfo:
        """Validate a connection file's object; unknown fields are ignored."""
        transport = data.get("transport", "tcp")
        if transport not in get_args(Transport):
            raise ConnectionFileError(f"transport {transport!r} is neither tcp nor ipc")
        info = cls(
            shell_port=_port(data, "shell_port"),
            iopub_port=_port(data, "iopub_port"),
            stdin_port=_port(data, "stdin_port"),
            control_port=_port(data, "control_port"),
            hb_port=_port(data, "hb_port"),
            ip=_text(data, "ip", "127.0.0.1"),
            transport=transport,
            key=_text(data, "key", "").encode("utf-8"),
            signature_scheme=_text(data, "signature_scheme", DEFAULT_SIGNATURE_SCHEME),
            kernel_name=_text(data, "kernel_name", ""),
        )
        try:
            info.signer()
        except ProtocolError as exc:
            raise ConnectionFileError(str(exc)) from exc
        return info


def _port(data: Mapping[str, JSON], name: str) -> int:
    if name not in data:
        raise ConnectionFileError(f"connection info lacks {name}")
    port = data[name]
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise ConnectionFileError(f"{name} is {port!r}, not a port number")
    return port


def _text(data: Mapping[str, JSON], name: str, default: str) -> str:
    value = data.get(name, default)
    if not isinstance(value, str):
        raise ConnectionFileError(f"{name} is {type(value).__name__}, not a string")
    return value


def allocate_ports(count: int, ip: str = "127.0.0.1", transport: Transport = "tcp") -> list[int]:
    """Find ``count`` distinct free ports (or free ipc endpoint numbers) on ``ip``.

    All probe sockets stay bound until every port is chosen, so the OS cannot
    hand out one port twice, and ports handed out recently by this process are
    skipped, which narrows the race when many kernels start at once.
    """
    if transport == "ipc":
        numbers: list[int] = []
        candidate = 1
        while len(numbers) < count:
            if not os.path.exists(f"{ip}-{candidate}"):
                numbers.append(candidate)
            candidate += 1
        return numbers
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    probes: list[socket.socket] = []
    ports: list[int] = []
    try:
        while len(ports) < count and len(probes) < count + 64:
            probe = socket.socket(family, socket.SOCK_STREAM)
            probes.append(probe)
            probe.bind((ip, 0))
            port = probe.getsockname()[1]
            if port not in _recently_allocated:
                ports.append(port)
    finally:
        for probe in probes:
            probe.close()
    if len(ports) < count:
        raise ConnectionFileError(f"could not find {count} free ports on {ip}")
    _recently_allocated.extend(ports)
    return ports


def new_connection_info(
    *,
    ip: str = "127.0.0.1",
    transport: Transport = "tcp",
    kernel_name: str = "",
    key: bytes | None = None,
    signature_scheme: str = DEFAULT_SIGNATURE_SCHEME,
) -> ConnectionInfo:
    """Connection info with fresh ports and, unless given, a fresh random key."""
    shell, iopub, stdin, control, hb = allocate_ports(len(CHANNELS), ip, transport)
    return ConnectionInfo(
        shell,
        iopub,
        stdin,
        control,
        hb,
        ip=ip,
        transport=transport,
        key=new_id().encode("ascii") if key is None else key,
        signature_scheme=signature_scheme,
        kernel_name=kernel_name,
    )


def read_connection_file(path: str | os.PathLike[str]) -> ConnectionInfo:
    """Read and validate a connection file written by us or by any Jupyter tool."""
    try:
        data = json.loads(Path(path).read_bytes())
    except OSError as exc:
        raise ConnectionFileError(f"cannot read connection file {path}: {exc}") from exc
    except ValueError as exc:
        raise ConnectionFileError(f"connection file {path} is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ConnectionFileError(f"connection file {path} does not hold a JSON object")
    return ConnectionInfo.from_dict(data)


def write_connection_file(info: ConnectionInfo, path: str | os.PathLike[str]) -> Path:
    """Write ``info`` atomically, readable by its owner only (it holds the key)."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    text = json.dumps(info.to_dict(), indent=2).encode("utf-8")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, text)
            os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ConnectionFileError(f"cannot write connection file {target}: {exc}") from exc
    return target


def _env_set(name: str) -> bool:
    value = os.environ.get(name)
    return value is not None and value.lower() not in ("no", "n", "false", "off", "0", "0.0")


def data_dir() -> Path:
    """Jupyter's data directory, by the rules of jupyter_core.paths.jupyter_data_dir."""
    if os.environ.get("JUPYTER_DATA_DIR"):
        return Path(os.environ["JUPYTER_DATA_DIR"])
    home = Path("~").expanduser().resolve()
    if sys.platform == "darwin":
        if _env_set("JUPYTER_PLATFORM_DIRS"):
            return home / "Library" / "Application Support" / "jupyter"
        return home / "Library" / "Jupyter"
    if sys.platform == "win32":
        variable = "LOCALAPPDATA" if _env_set("JUPYTER_PLATFORM_DIRS") else "APPDATA"
        if os.environ.get(variable):
            return Path(os.environ[variable], "jupyter").resolve()
        return home / ".jupyter" / "data"
    xdg = os.environ.get("XDG_DATA_HOME") or str(home / ".local" / "share")
    return Path(xdg) / "jupyter"


def runtime_dir() -> Path:
    """Where Jupyter keeps connection files: $JUPYTER_RUNTIME_DIR or <data dir>/runtime."""
    if os.environ.get("JUPYTER_RUNTIME_DIR"):
        return Path(os.environ["JUPYTER_RUNTIME_DIR"])
    return data_dir() / "runtime"


def new_connection_file(directory: Path | None = None) -> Path:
    """A fresh ``kernel-<id>.json`` path in the runtime directory, created 0700 if absent."""
    directory = runtime_dir() if directory is None else directory
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory / f"kernel-{new_id()}.json"


def find_connection_file(
    name: str | None = None, paths: Sequence[str | os.PathLike[str]] | None = None
) -> Path:
    """Resolve ``--existing [NAME]`` the way Jupyter does.

    ``NAME`` may be a path, a file name in one of ``paths`` (the current directory
    and the runtime directory by default), a glob, or a fragment of a file name;
    none means the most recently written ``kernel-*.json``.
    """
    pattern = name or "kernel-*.json"
    folders = [Path(p) for p in (paths if paths is not None else [Path.cwd(), runtime_dir()])]
    direct = Path(pattern).expanduser()
    if direct.is_file():
        return direct.resolve()
    for folder in folders:
        if (folder / pattern).is_file():
            return (folder / pattern).resolve()
    if not glob.has_magic(pattern):
        pattern = f"*{pattern}*"
    matches = {
        Path(m).resolve()
        for f in folders
        for m in glob.glob(os.path.join(glob.escape(str(f)), pattern))
    }
    matches = {m for m in matches if m.is_file()}
    if not matches:
        searched = ", ".join(str(f) for f in folders)
        raise ConnectionFileNotFound(
            f"no connection file matches {name or pattern!r} in {searched}"
        )
    return max(matches, key=lambda m: m.stat().st_mtime)
