"""/api/sessions: a path (a notebook, a console) bound to a kernel, as Jupyter Server keeps them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from interlace.protocol import new_id

if TYPE_CHECKING:
    from interlace.server._kernels import KernelRegistry, ServedKernel

__all__ = ["Session", "SessionError", "Sessions"]


class SessionError(Exception):
    """A session request that cannot be served; ``status`` is the HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Session:
    path: str
    name: str
    type: str
    kernel: ServedKernel
    id: str = field(default_factory=new_id)

    def model(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path,
            "name": self.name,
            "type": self.type,
            "kernel": self.kernel.model(),
            "notebook": {"path": self.path, "name": self.name},
        }


class Sessions:
    """Sessions by id; a session's kernel goes when the session is deleted."""

    def __init__(self, kernels: KernelRegistry) -> None:
        self.kernels = kernels
        self.sessions: dict[str, Session] = {}

    def list(self) -> list[dict[str, Any]]:
        self._forget_dead()
        return [session.model() for session in self.sessions.values()]

    def get(self, session_id: str) -> Session:
        self._forget_dead()
        try:
            return self.sessions[session_id]
        except KeyError:
            raise SessionError(404, f"no session {session_id}") from None

    def _forget_dead(self) -> None:
        for session_id, session in list(self.sessions.items()):
            if session.kernel.id not in self.kernels.kernels:
                del self.sessions[session_id]

    async def create(self, body: dict[str, Any]) -> Session:
        path = _text(body, "path", _text(body.get("notebook") or {}, "path", ""))
        for session in self.sessions.values():
            if path and session.path == path:
                return session
        kernel = await self._kernel_for(body.get("kernel") or {})
        session = Session(
            path=path,
            name=_text(body, "name", path.rsplit("/", 1)[-1]),
            type=_text(body, "type", "notebook"),
            kernel=kernel,
        )
        self.sessions[session.id] = session
        return session

    async def _kernel_for(self, spec: Any) -> ServedKernel:
        if not isinstance(spec, dict):
            raise SessionError(400, "kernel must be an object with an id or a name")
        if spec.get("id"):
            try:
                return self.kernels.get(str(spec["id"]))
            except KeyError:
                raise SessionError(404, f"no kernel {spec['id']}") from None
        return await self.kernels.start(_text(spec, "name", "interlace"))

    async def update(self, session_id: str, body: dict[str, Any]) -> Session:
        session = self.get(session_id)
        session.path = _text(body, "path", session.path)
        session.name = _text(body, "name", session.name)
        session.type = _text(body, "type", session.type)
        if "kernel" in body:
            previous = session.kernel
            session.kernel = await self._kernel_for(body["kernel"])
            if previous.id != session.kernel.id and previous.id in self.kernels.kernels:
                await self.kernels.shutdown(previous.id)
        return session

    async def delete(self, session_id: str) -> None:
        session = self.get(session_id)
        del self.sessions[session_id]
        if session.kernel.id in self.kernels.kernels:
            await self.kernels.shutdown(session.kernel.id)


def _text(body: Any, name: str, default: str) -> str:
    value = body.get(name, default) if isinstance(body, dict) else default
    if not isinstance(value, str):
        raise SessionError(400, f"{name} must be a string")
    return value
