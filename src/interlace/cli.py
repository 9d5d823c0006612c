"""The ``interlace`` command. Entry points only: each subcommand calls into a layer."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import click

from interlace import __version__
from interlace.errors import InterlaceError
from interlace.protocol import (
    CHANNELS,
    PROTOCOL_VERSION,
    ConnectionInfo,
    find_connection_file,
    read_connection_file,
    runtime_dir,
)

if TYPE_CHECKING:
    from pathlib import Path


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
