"""Sessions: who uses which kernel — notebooks, consoles, JSON-RPC callers — in one registry.

As Jupyter Server keeps them for ``/api/sessions``: a session binds a path and
a type to a kernel. A notebook the server has open runs on its session's
kernel, so JupyterLab asking for a session on that path gets the same kernel;
JSON-RPC sessions are listed too (type ``rpc``). A session's kernel goes when
the session is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from interlace.errors import BadCommand, NotFound
from interlace.protocol import new_id

if TYPE_CHECKING:
    from interlace.notebooks._kernels import KernelRegistry, ServedKernel
    from interlace.protocol import JSONDict

__all__ = ["Session", "Sessions"]


@dataclass
class Session:
    path: str
    name: str
    type: str
    kernel: ServedKernel
    id: str = field(default_factory=new_id)

    def model(self) -> JSONDict:
        return {
            "id": self.id,
            "path": self.path,
            "name": self.name,
            "type": self.type,
            "kernel": self.kernel.model(),
            "notebook": {"path": self.path, "name": self.name},
        }


class Sessions:
    """Sessions by id, over the server's one kernel registry."""

    def __init__(self, kernels: KernelRegistry) -> None:
        self.kernels = kernels
        self.sessions: dict[str, Session] = {}

    def list(self) -> list[JSONDict]:
        self._forget_dead()
        return [session.model() for session in self.sessions.values()]

    def get(self, session_id: str) -> Session:
        self._forget_dead()
        try:
            return self.sessions[session_id]
        except KeyError:
            raise NotFound(f"no session {session_id}") from None

    def _forget_dead(self) -> None:
        for session_id, session in list(self.sessions.items()):
            if session.kernel.id not in self.kernels.kernels:
                del self.sessions[session_id]

    def _of_path(self, path: str, type_: str | None = None) -> Session | None:
        self._forget_dead()
        for session in self.sessions.values():
            if path and session.path == path and type_ in (None, session.type):
                return session
        return None

    async def create(self, body: dict[str, Any]) -> Session:
        path = _text(body, "path", _text(body.get("notebook") or {}, "path", ""))
        if (existing := self._of_path(path)) is not None:
            return existing
        kernel = await self._kernel_for(body.get("kernel") or {}, _folder(path))
        return self._add(
            path,
            _text(body, "name", path.rsplit("/", 1)[-1]),
            _text(body, "type", "notebook"),
            kernel,
        )

    def _add(self, path: str, name: str, type_: str, kernel: ServedKernel) -> Session:
        session = Session(path=path, name=name, type=type_, kernel=kernel)
        self.sessions[session.id] = session
        return session

    async def _kernel_for(self, spec: Any, folder: str) -> ServedKernel:
        if not isinstance(spec, dict):
            raise BadCommand("kernel must be an object with an id or a name")
        if spec.get("id"):
            try:
                return self.kernels.get(str(spec["id"]))
            except KeyError:
                raise NotFound(f"no kernel {spec['id']}") from None
        return await self.kernels.start(_text(spec, "name", self.kernels.default_kernel), folder)

    async def update(self, session_id: str, body: dict[str, Any]) -> Session:
        session = self.get(session_id)
        session.path = _text(body, "path", session.path)
        session.name = _text(body, "name", session.name)
        session.type = _text(body, "type", session.type)
        if "kernel" in body:
            previous = session.kernel
            session.kernel = await self._kernel_for(body["kernel"], _folder(session.path))
            if previous.id != session.kernel.id and previous.id in self.kernels.kernels:
                await self.kernels.shutdown(previous.id)
        return session

    async def delete(self, session_id: str) -> None:
        session = self.get(session_id)
        del self.sessions[session_id]
        if session.kernel.id in self.kernels.kernels:
            await self.kernels.shutdown(session.kernel.id)

    # Notebooks the server has open.

    def kernel_of(self, path: str) -> ServedKernel | None:
        """The kernel of the notebook session on ``path``, if it has one."""
        session = self._of_path(path, "notebook")
        return session.kernel if session is not None else None

    async def start_notebook_kernel(self, path: str, name: str) -> ServedKernel:
        """A new kernel of kernelspec ``name`` for the notebook on ``path``, in its folder:
        its session's, replacing the one it had (dead, or of another kernelspec)."""
        kernel = await self.kernels.start(name, _folder(path))
        session = self._of_path(path, "notebook")
        if session is None:
            self._add(path, path.rsplit("/", 1)[-1], "notebook", kernel)
        else:
            previous, session.kernel = session.kernel, kernel
            await self.kernels.stop_kernel(previous.id)
        return kernel

    # JSON-RPC's kernel pool (``interlace.rpc.KernelPool``).

    async def start_kernel(self, name: str | None) -> ServedKernel:
        kernel = await self.kernels.start(name or self.kernels.default_kernel)
        self._add(f"rpc/{kernel.id}", kernel.id, "rpc", kernel)
        return kernel

    def find_kernel(self, kernel_id: str) -> ServedKernel | None:
        return self.kernels.kernels.get(kernel_id)

    async def stop_kernel(self, kernel_id: str) -> None:
        for session_id, session in list(self.sessions.items()):
            if session.kernel.id == kernel_id:
                del self.sessions[session_id]
        await self.kernels.stop_kernel(kernel_id)


def _folder(path: str) -> str:
    """The folder of the file on ``path``, where its kernel starts (as in Jupyter)."""
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _text(body: Any, name: str, default: str) -> str:
    value = body.get(name, default) if isinstance(body, dict) else default
    if not isinstance(value, str):
        raise BadCommand(f"{name} must be a string")
    return value
