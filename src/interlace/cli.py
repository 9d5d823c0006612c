"""The ``interlace`` command. Entry points only: each subcommand calls into a layer."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click

from interlace import __version__
from interlace.errors import InterlaceError, KernelDied
from interlace.protocol import (
    CHANNELS,
    PROTOCOL_VERSION,
    ConnectionInfo,
    find_connection_file,
    read_connection_file,
    runtime_dir,
)

if TYPE_CHECKING:
    from collections.abc import Callable


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__,
    prog_name="interlace",
    message=f"%(prog)s %(version)s (protocol {PROTOCOL_VERSION})",
)
def main() -> None:
    """interlace: a fast Jupyter-compatible kernel and the frontends that share it."""


def _describe(info: ConnectionInfo) -> str:
    name = info.kernel_name or "?"
    signed = info.signature_scheme if info.key else "unsigned"
    return f"{name:<12} {info.transport}://{info.ip}  {signed}"


def _age(path: Path) -> str:
    seconds = max(0, int(time.time() - path.stat().st_mtime))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


@main.command()
@click.argument("name", required=False)
def connections(name: str | None) -> None:
    """List kernel connection files, or show the one `--existing NAME` would join.

    Files live in Jupyter's runtime directory, shared with every Jupyter tool.
    """
    if name is not None:
        try:
            path = find_connection_file(name)
            info = read_connection_file(path)
        except InterlaceError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(str(path))
        click.echo(f"  kernel    {info.kernel_name or '?'}")
        for channel in CHANNELS:
            click.echo(f"  {channel:<9} {info.url(channel)}")
        click.echo(f"  signature {info.signature_scheme if info.key else 'none (unsigned)'}")
        return
    folder = runtime_dir()
    click.echo(f"runtime directory: {folder}")
    files = sorted(folder.glob("kernel-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    if not files:
        click.echo("no connection files")
    for path in files:
        try:
            summary = _describe(read_connection_file(path))
        except InterlaceError as exc:
            summary = f"unreadable: {exc}"
        click.echo(f"{path.name:<48} {_age(path):>8}  {summary}")


@main.command()
@click.option(
    "-f",
    "--connection-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Connection file to use; a new one in the runtime directory if not given.",
)
def kernel(connection_file: Path | None) -> None:
    """Run an interlace kernel (what `jupyter console --kernel interlace` starts)."""
    from interlace.kernel._app import main as kernel_main

    argv = ["-f", str(connection_file)] if connection_file is not None else []
    try:
        kernel_main(argv)
    except InterlaceError as exc:
        raise click.ClickException(str(exc)) from exc


@main.group()
def kernelspec() -> None:
    """Install and list Jupyter kernelspecs."""


@kernelspec.command("install")
@click.option("--user", "scope", flag_value="user", default=True, help="For this user (default).")
@click.option("--sys-prefix", "scope", flag_value="sys-prefix", help="For this Python environment.")
@click.option("--system", "scope", flag_value="system", help="For every user of this machine.")
@click.option("--prefix", type=click.Path(path_type=Path, file_okay=False), help="Under PREFIX.")
@click.option("--name", default="interlace", show_default=True, help="Kernelspec name.")
@click.option("--display-name", default="Python 3 (interlace)", show_default=True)
def kernelspec_install(
    scope: Literal["user", "sys-prefix", "system"],
    prefix: Path | None,
    name: str,
    display_name: str,
) -> None:
    """Install the interlace kernel for Jupyter tools (console, nbclient, JupyterLab)."""
    from interlace.client import install_kernelspec

    try:
        directory = install_kernelspec(
            name=name, display_name=display_name, scope=scope, prefix=prefix
        )
    except InterlaceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"installed kernelspec {name} in {directory}")


@kernelspec.command("list")
def kernelspec_list() -> None:
    """List every installed kernelspec, as Jupyter finds them."""
    from interlace.client import find_kernelspecs

    for name, directory in sorted(find_kernelspecs().items()):
        click.echo(f"{name:<20} {directory}")


@main.command()
@click.option("--kernel", default="interlace", show_default=True, help="Kernelspec to start.")
@click.option(
    "--existing",
    is_flag=False,
    flag_value="",
    default=None,
    help="Join a running kernel: a connection file, a name in the runtime directory, "
    "or nothing for the most recent.",
)
@click.option("--no-others", is_flag=True, help="Hide what other clients of the kernel run.")
def console(kernel: str, existing: str | None, no_others: bool) -> None:
    """A terminal console on a new kernel, or on a running one with --existing."""
    import anyio

    from interlace.console import ConsoleOptions, run_console

    options = ConsoleOptions(kernel=kernel, existing=existing, show_others=not no_others)
    try:
        anyio.run(run_console, options)
    except InterlaceError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.option(
    "--existing",
    is_flag=False,
    flag_value="",
    default="",
    help="The kernel to record: a connection file, a name in the runtime directory, "
    "or nothing for the most recent.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The session file to write (JSON lines).",
)
def record(existing: str, output: Path) -> None:
    """Record a running kernel's session: every client's inputs and outputs, until it ends."""
    import anyio

    from interlace.client import AsyncKernelClient
    from interlace.record import SessionWriter

    async def recording(writer_file: Any) -> SessionWriter:
        async with AsyncKernelClient.from_file(existing or None) as client:
            info = await client.kernel_info(timeout=10)
            writer = SessionWriter(writer_file, str(info.get("implementation", "")))
            click.echo(f"recording to {output}; Ctrl-C stops", err=True)
            with contextlib.suppress(KernelDied):
                async with client.subscribe() as messages:
                    async for message in messages:
                        writer.write(message)
            return writer

    with output.open("w", encoding="utf-8") as file:
        try:
            writer = anyio.run(recording, file)
        except KeyboardInterrupt:
            click.echo("stopped", err=True)
            return
        except InterlaceError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"the kernel went away; {writer.count} messages recorded", err=True)


@main.command()
@click.argument("session", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--speed", type=float, default=1.0, show_default=True, help="Times real speed.")
@click.option("--skip-idle", is_flag=True, help="Play pauses over a second as half a second.")
def replay(session: Path, speed: float, skip_idle: bool) -> None:
    """Play a recorded kernel session or notebook recording in the terminal, in time."""
    from interlace.record import RecordingError, play, read_recording

    if speed <= 0:
        raise click.BadParameter("must be above 0", param_hint="--speed")
    try:
        with session.open(encoding="utf-8") as file:
            header, entries = read_recording(file)
    except RecordingError as exc:
        raise click.ClickException(str(exc)) from exc
    for wait, text in play(header, entries, skip_idle=skip_idle):
        time.sleep(wait / speed)
        click.echo(text, nl=False)


@main.command("mcp")
@click.option(
    "--url",
    envvar="INTERLACE_URL",
    required=True,
    help="The running server, as `interlace server` prints it (a ?token= in it is used). "
    "Environment: INTERLACE_URL.",
)
@click.option(
    "--token", envvar="INTERLACE_TOKEN", default=None, help="Its token (INTERLACE_TOKEN)."
)
@click.option(
    "--name",
    envvar="INTERLACE_AGENT_NAME",
    default=None,
    help="The name the agent is shown and recorded by, as 'agent: NAME' (default: the name "
    "its MCP client gives). Environment: INTERLACE_AGENT_NAME.",
)
def mcp(url: str, token: str | None, name: str | None) -> None:
    """The Model Context Protocol over stdio, to a running server's notebooks.

    For coding agents that start their tools as processes: they read, edit and run
    cells as a named collaborator, seen by everyone on the notebook.
    """
    import logging
    import sys
    from urllib.parse import parse_qs, urlsplit

    import anyio

    from interlace.server._mcp_bridge import run_bridge

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter("must be the server's http:// URL", param_hint="--url")
    token = token if token is not None else parse_qs(parts.query).get("token", [""])[0]
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    logging.basicConfig(
        format="[interlace mcp] %(levelname)s %(message)s", level=logging.WARNING, stream=sys.stderr
    )
    anyio.run(run_bridge, base, token, name)


def _server_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options ``interlace server`` and ``interlace notebook`` share."""
    options = [
        click.option("--ip", default="127.0.0.1", show_default=True, help="Address to listen on."),
        click.option(
            "--port", default=8888, show_default=True, help="Port (the next free one if taken)."
        ),
        click.option("--token", default=None, help="Access token; a random one if not given."),
        click.option(
            "--password", "use_password", is_flag=True, help="Log in with the stored password."
        ),
        click.option(
            "--root-dir",
            type=click.Path(path_type=Path, file_okay=False, exists=True),
            default=Path.cwd,
            help="Directory whose files the server serves.",
        ),
        click.option(
            "--allow-origin",
            multiple=True,
            help="Another site whose pages may write and open websockets ('*': any).",
        ),
        click.option(
            "--allow-remote-access/--no-allow-remote-access",
            default=None,
            help="Answer requests for any Host name (default: only when --ip is not loopback).",
        ),
        click.option(
            "--local-hostnames",
            multiple=True,
            metavar="NAMES",
            help="Host names to answer besides localhost and loopback addresses (comma-separated).",
        ),
        click.option(
            "--allow-hidden", is_flag=True, help="Show dotfiles (never the server's own state)."
        ),
        click.option(
            "--max-body-size",
            type=click.IntRange(min=1),
            default=None,
            metavar="BYTES",
            help="The largest request body accepted (default 100 MiB; a login's is 1 MiB).",
        ),
        click.option("--no-browser", is_flag=True, help="Do not open a browser."),
        click.option(
            "--autosave-delay",
            type=click.FloatRange(min=0),
            default=1.0,
            show_default=True,
            metavar="SECONDS",
            help="Quiet after a change before a notebook's file is written (logged at once).",
        ),
        click.option(
            "--keep-history",
            type=float,
            default=None,
            metavar="DAYS",
            help="Forget notebook history older than this (default: keep it all).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _serve(
    ip: str,
    port: int,
    token: str | None,
    use_password: bool,
    root_dir: Path,
    allow_origin: tuple[str, ...],
    allow_remote_access: bool | None,
    local_hostnames: tuple[str, ...],
    allow_hidden: bool,
    max_body_size: int | None,
    no_browser: bool,
    keep_history: float | None,
    autosave_delay: float,
    open_path: str = "",
) -> None:
    import secrets

    from interlace.server import ServerConfig, load_password_hash, serve

    password_hash = load_password_hash() if use_password else ""
    if use_password and not password_hash:
        raise click.ClickException("no password stored; set one with `interlace server password`")
    if token is None:
        token = "" if use_password else secrets.token_hex(24)
    names = tuple(n.strip() for names in local_hostnames for n in names.split(",") if n.strip())
    config = ServerConfig(
        ip=ip,
        port=port,
        token=token,
        password_hash=password_hash,
        root_dir=root_dir.resolve(),
        allow_origins=allow_origin,
        keep_history_days=keep_history,
        allow_hidden=allow_hidden,
        allow_remote_access=allow_remote_access,
        local_hostnames=("localhost", *names),
        autosave_delay=autosave_delay,
    )
    if max_body_size is not None:
        config = dataclasses.replace(config, max_body_size=max_body_size)
    try:
        serve(config, open_browser=not no_browser, page=open_path)
    except InterlaceError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@_server_options
def notebook(path: Path | None, **options: Any) -> None:
    """The web notebook: start the server and open the browser on its file browser, or
    on PATH (a notebook or a folder under the root directory)."""
    _serve(**options, open_path=_page_of(path, options["root_dir"]) if path else "")


def _page_of(path: Path, root_dir: Path) -> str:
    """The page that shows ``path``: ``notebooks/...`` or ``tree/...``."""
    root, target = root_dir.resolve(), path.resolve()
    if not target.is_relative_to(root):
        raise click.BadParameter(
            f"{path} is not under the root directory {root}", param_hint="PATH"
        )
    if not target.exists():
        raise click.BadParameter(f"{path} does not exist", param_hint="PATH")
    relative = target.relative_to(root).as_posix()
    if target.is_dir():
        return f"tree/{relative}" if relative != "." else ""
    if target.suffix != ".ipynb":
        raise click.BadParameter(f"{path} is not a notebook (.ipynb)", param_hint="PATH")
    return f"notebooks/{relative}"


@main.group(invoke_without_command=True)
@_server_options
@click.pass_context
def server(context: click.Context, /, **options: Any) -> None:
    """The web server: Jupyter Server's REST and WebSocket API, and the notebook app."""
    if context.invoked_subcommand is None:
        _serve(**options)


@server.command("password")
def server_password() -> None:
    """Store a hashed password for `interlace server --password`."""
    from interlace.server import hash_password, store_password_hash

    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    path = store_password_hash(hash_password(password))
    click.echo(f"password hash stored in {path}")
