"""The Starlette application: Jupyter Server's REST and WebSocket API, closed by default."""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import anyio
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from interlace._version import __version__
from interlace.client import KernelSpec, find_kernelspecs, get_kernelspec
from interlace.errors import InterlaceError, KernelSpecError
from interlace.notebooks import Agents, KernelRegistry, NotebookService, Sessions
from interlace.rpc import RpcService, dispatch
from interlace.server._agents_api import AgentsApi
from interlace.server._agents_rpc import agent_methods
from interlace.server._auth import Authenticator
from interlace.server._channels import serve_channels
from interlace.server._collab import serve_collab
from interlace.server._config import cookie_secret, logins_file
from interlace.server._contents import Contents
from interlace.server._cookies import LoginCookies, credentials_digest
from interlace.server._guard import Guard
from interlace.server._headers import SecurityHeaders
from interlace.server._hidden import HiddenUrls
from interlace.server._history import HistoryApi
from interlace.server._limits import BodyLimit
from interlace.server._mcp import McpEndpoint
from interlace.server._notebooks import NotebookApi
from interlace.server._notebooks_rpc import notebook_methods
from interlace.server._origin import Sites
from interlace.server._outputs import OutputFiles
from interlace.server._pages import AppPages, LoginPages
from interlace.server._requests import RequestError, json_body, path_of, require_json, status_of

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from starlette.requests import HTTPConnection, Request
    from starlette.types import ASGIApp

    from interlace.rpc._protocol import Method
    from interlace.server._config import ServerConfig

__all__ = ["create_app"]

log = logging.getLogger("interlace.server")


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _spec_model(spec: KernelSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "spec": {
            "argv": spec.argv,
            "display_name": spec.display_name,
            "language": spec.language,
            "interrupt_mode": spec.interrupt_mode,
            "env": spec.env,
            "metadata": spec.metadata,
        },
        "resources": {},
    }


class Api:
    """The endpoints; each reads and writes JSON shaped as Jupyter Server's."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.contents = Contents(config.root_dir, config.allow_hidden)
        self.started = datetime.now(UTC)
        self._kernels: KernelRegistry | None = None
        self._sessions: Sessions | None = None
        self._rpc: dict[str, Method] = {}
        self._notebooks: NotebookService | None = None
        self._agents: Agents | None = None
        self.mcp = McpEndpoint(lambda: self.agents)

    @property
    def notebooks(self) -> NotebookService:
        assert self._notebooks is not None
        return self._notebooks

    @property
    def agents(self) -> Agents:
        assert self._agents is not None
        return self._agents

    @property
    def kernels(self) -> KernelRegistry:
        assert self._kernels is not None
        return self._kernels

    @property
    def sessions(self) -> Sessions:
        assert self._sessions is not None
        return self._sessions

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:
            self._kernels = KernelRegistry(
                tasks, self.config.default_kernel, root=self.contents.root
            )
            self._sessions = Sessions(self._kernels)
            self._notebooks = NotebookService(
                self.contents.root,
                self._sessions,
                tasks,
                self.config.keep_history_days,
                allow_hidden=self.config.allow_hidden,
                autosave_delay=self.config.autosave_delay,
            )
            self._agents = Agents(self._notebooks)
            tasks.start_soon(self._agents.run_presence)
            self._rpc = {
                **RpcService(self._sessions).methods(),
                **notebook_methods(self._notebooks),
                **agent_methods(self._agents),
            }
            async with self.mcp.running():
                yield
            self._notebooks.close()
            await self._kernels.shutdown_all()
            tasks.cancel_scope.cancel()

    # /api

    async def version(self, request: Request) -> Response:
        return JSONResponse({"version": __version__})

    async def status(self, request: Request) -> Response:
        kernels = list(self.kernels.kernels.values())
        activity = max([k.hub.last_activity for k in kernels], default=self.started)
        return JSONResponse(
            {
                "started": _iso(self.started),
                "last_activity": _iso(activity),
                "connections": sum(k.connections for k in kernels),
                "kernels": len(kernels),
            }
        )

    async def kernelspecs(self, request: Request) -> Response:
        specs: dict[str, Any] = {}
        for name in find_kernelspecs():
            with contextlib.suppress(KernelSpecError):
                specs[name] = _spec_model(get_kernelspec(name))
        default = self.config.default_kernel
        specs.setdefault(default, _spec_model(get_kernelspec(default)))
        return JSONResponse({"default": default, "kernelspecs": specs})

    async def kernelspec(self, request: Request) -> Response:
        try:
            spec = get_kernelspec(request.path_params["name"])
        except KernelSpecError as exc:
            raise RequestError(404, str(exc)) from exc
        return JSONResponse(_spec_model(spec))

    # /api/kernels

    async def list_kernels(self, request: Request) -> Response:
        return JSONResponse([kernel.model() for kernel in self.kernels.kernels.values()])

    async def start_kernel(self, request: Request) -> Response:
        body = await json_body(request)
        name = body.get("name") or self.config.default_kernel
        folder = body.get("path")
        kernel = await self.kernels.start(str(name), folder if isinstance(folder, str) else "")
        headers = {"Location": f"/api/kernels/{kernel.id}"}
        return JSONResponse(kernel.model(), status_code=201, headers=headers)

    def _kernel(self, request: HTTPConnection) -> Any:
        kernel_id = request.path_params["kernel_id"]
        try:
            return self.kernels.get(kernel_id)
        except KeyError:
            raise RequestError(404, f"no kernel {kernel_id}") from None

    async def get_kernel(self, request: Request) -> Response:
        return JSONResponse(self._kernel(request).model())

    async def delete_kernel(self, request: Request) -> Response:
        await self.kernels.shutdown(self._kernel(request).id)
        return Response(status_code=204)

    async def interrupt_kernel(self, request: Request) -> Response:
        await self._kernel(request).manager.interrupt()
        return Response(status_code=204)

    async def restart_kernel(self, request: Request) -> Response:
        kernel = self._kernel(request)
        await kernel.manager.restart()
        return JSONResponse(kernel.model())

    async def channels(self, websocket: WebSocket) -> None:
        try:
            kernel = self._kernel(websocket)
        except RequestError:
            await websocket.close(code=1008, reason="no such kernel")
            return
        await serve_channels(websocket, kernel)

    # /api/sessions

    async def list_sessions(self, request: Request) -> Response:
        return JSONResponse(self.sessions.list())

    async def create_session(self, request: Request) -> Response:
        session = await self.sessions.create(await json_body(request))
        headers = {"Location": f"/api/sessions/{session.id}"}
        return JSONResponse(session.model(), status_code=201, headers=headers)

    async def get_session(self, request: Request) -> Response:
        return JSONResponse(self.sessions.get(request.path_params["session_id"]).model())

    async def update_session(self, request: Request) -> Response:
        session_id = request.path_params["session_id"]
        session = await self.sessions.update(session_id, await json_body(request))
        return JSONResponse(session.model())

    async def delete_session(self, request: Request) -> Response:
        await self.sessions.delete(request.path_params["session_id"])
        return Response(status_code=204)

    # /api/contents

    async def contents_get(self, request: Request) -> Response:
        query = request.query_params
        model = self.contents.get(
            path_of(request),
            content=query.get("content", "1") not in ("0", "false"),
            type_=query.get("type") or None,
            format_=query.get("format") or None,
        )
        return JSONResponse(model)

    async def contents_put(self, request: Request) -> Response:
        model, created = self.contents.save(path_of(request), await json_body(request))
        return JSONResponse(model, status_code=201 if created else 200)

    async def contents_post(self, request: Request) -> Response:
        body = await json_body(request)
        directory = path_of(request)
        if body.get("copy_from"):
            model = self.contents.copy(str(body["copy_from"]), directory)
        else:
            kind = str(body.get("type") or "file")
            model = self.contents.new_untitled(directory, kind, str(body.get("ext") or ""))
        headers = {"Location": f"/api/contents/{model['path']}"}
        return JSONResponse(model, status_code=201, headers=headers)

    async def contents_patch(self, request: Request) -> Response:
        new_path = (await json_body(request)).get("path")
        if not isinstance(new_path, str):
            raise RequestError(400, "a rename needs the new path")
        self.notebooks.forget(path_of(request))  # its room must not save to the old name
        return JSONResponse(self.contents.rename(path_of(request), new_path))

    async def contents_delete(self, request: Request) -> Response:
        self.notebooks.forget(path_of(request))  # nor re-create the file it is deleting
        self.contents.delete(path_of(request))
        return Response(status_code=204)

    async def checkpoints(self, request: Request) -> Response:
        path = path_of(request)
        if request.method == "POST":
            return JSONResponse(self.contents.create_checkpoint(path), status_code=201)
        return JSONResponse(self.contents.checkpoints(path))

    async def checkpoint(self, request: Request) -> Response:
        path, checkpoint_id = path_of(request), request.path_params["checkpoint_id"]
        if request.method == "POST":
            self.contents.restore_checkpoint(path, checkpoint_id)
        else:
            self.contents.delete_checkpoint(path, checkpoint_id)
        return Response(status_code=204)

    # /api/rpc

    async def rpc(self, request: Request) -> Response:
        require_json(request)
        response = await dispatch(self._rpc, await request.body())
        if response is None:
            return Response(status_code=204)
        return JSONResponse(response)

    async def rpc_websocket(self, websocket: WebSocket) -> None:
        """JSON-RPC over one websocket; calls run side by side, answers come as they finish."""
        await websocket.accept()

        async def answer(text: str) -> None:
            response = await dispatch(self._rpc, text)
            if response is not None:
                await websocket.send_text(json.dumps(response))

        try:
            async with anyio.create_task_group() as tasks:
                while True:
                    event = await websocket.receive()
                    if event["type"] == "websocket.disconnect":
                        tasks.cancel_scope.cancel()
                        return
                    text = event.get("text") or (event.get("bytes") or b"").decode(
                        "utf-8", "replace"
                    )
                    tasks.start_soon(answer, text)
        except* WebSocketDisconnect:
            log.info("rpc websocket closed")

    # /api/collab

    async def collab(self, websocket: WebSocket) -> None:
        await serve_collab(websocket, self.notebooks, str(websocket.path_params["path"]))


def _errors() -> dict[Any, Any]:
    """Our errors as JSON answers with their status (``status_of``); a 5xx is logged."""

    async def answer(request: Request, exc: Exception) -> Response:
        status = status_of(exc)
        if status >= 500:
            log.error("%s %s: %s", request.method, request.url.path, exc)
        return JSONResponse({"message": str(exc), "reason": str(exc)}, status_code=status)

    return {RequestError: answer, InterlaceError: answer}


def _authenticator(config: ServerConfig) -> Authenticator:
    credentials = credentials_digest(config.token, config.password_hash)
    cookies = LoginCookies(cookie_secret(), config.port, credentials, logins_file(config.port))
    return Authenticator(config.token, config.password_hash, cookies)


def create_app(config: ServerConfig) -> ASGIApp:
    """The server's ASGI application behind its checks (``_guard``, ``_limits``, ``_hidden``).

    ``config.port`` is the port the server listens on: login cookies are bound to it.
    """
    api = Api(config)
    auth = _authenticator(config)
    pages = LoginPages(auth)
    notebooks = NotebookApi(lambda: api.notebooks)
    contents = "/api/contents/{path:path}"
    routes = [
        *pages.routes(),
        *AppPages(api.contents).routes(),
        Route("/api", api.version),
        Route("/api/status", api.status),
        Route("/api/kernelspecs", api.kernelspecs),
        Route("/api/kernelspecs/{name}", api.kernelspec),
        Route("/api/kernels", api.list_kernels, methods=["GET"]),
        Route("/api/kernels", api.start_kernel, methods=["POST"]),
        Route("/api/kernels/{kernel_id}", api.get_kernel, methods=["GET"]),
        Route("/api/kernels/{kernel_id}", api.delete_kernel, methods=["DELETE"]),
        Route("/api/kernels/{kernel_id}/interrupt", api.interrupt_kernel, methods=["POST"]),
        Route("/api/kernels/{kernel_id}/restart", api.restart_kernel, methods=["POST"]),
        WebSocketRoute("/api/kernels/{kernel_id}/channels", api.channels),
        Route("/api/rpc", api.rpc, methods=["POST"]),
        WebSocketRoute("/api/collab/{path:path}", api.collab),
        *OutputFiles(api.contents.hidden).routes(),
        *notebooks.routes(),
        *HistoryApi(lambda: api.notebooks).routes(),
        *AgentsApi(lambda: api.agents).routes(),
        *api.mcp.routes(),
        WebSocketRoute("/api/rpc/ws", api.rpc_websocket),
        Route("/api/sessions", api.list_sessions, methods=["GET"]),
        Route("/api/sessions", api.create_session, methods=["POST"]),
        Route("/api/sessions/{session_id}", api.get_session, methods=["GET"]),
        Route("/api/sessions/{session_id}", api.update_session, methods=["PATCH"]),
        Route("/api/sessions/{session_id}", api.delete_session, methods=["DELETE"]),
        Route(contents + "/checkpoints", api.checkpoints, methods=["GET", "POST"]),
        Route(
            contents + "/checkpoints/{checkpoint_id}", api.checkpoint, methods=["POST", "DELETE"]
        ),
        Route("/api/contents", api.contents_get, methods=["GET"]),
        Route(contents, api.contents_get, methods=["GET"]),
        Route(contents, api.contents_put, methods=["PUT"]),
        Route(contents, api.contents_post, methods=["POST"]),
        Route("/api/contents", api.contents_post, methods=["POST"]),
        Route(contents, api.contents_patch, methods=["PATCH"]),
        Route(contents, api.contents_delete, methods=["DELETE"]),
    ]
    app = Starlette(routes=routes, lifespan=api.lifespan, exception_handlers=_errors())
    hidden = HiddenUrls(app, api.contents.hidden)
    guarded = Guard(BodyLimit(hidden, config.max_body_size), auth, Sites.of(config))
    return SecurityHeaders(guarded)
