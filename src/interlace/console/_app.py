"""The terminal console: a prompt, a kernel, and everyone else's work on that kernel."""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio
from prompt_toolkit import PromptSession
from prompt_toolkit.patch_stdout import patch_stdout

from interlace.client import AsyncKernelClient, KernelManager
from interlace.console._prompt import make_session, prompt_text
from interlace.console._render import BOLD, DIM, RESET, input_prompt, render, render_bundle
from interlace.console._staleness import StaleInputs, describe
from interlace.errors import InterlaceError, KernelDied
from interlace.protocol import content_of

if TYPE_CHECKING:
    from interlace.client import Execution
    from interlace.protocol import JSONDict, KernelInfoReplyContent, Message

__all__ = ["ConsoleOptions", "run_console"]

INSPECT = re.compile(r"^\s*(?P<name>[\w.]+)\s*(?P<marks>\?\??)\s*$")
"""``name?`` and ``name??``: answered by inspect_request, so any kernel can serve them."""


@dataclass(frozen=True)
class ConsoleOptions:
    """How the console was started."""

    kernel: str = "interlace"
    existing: str | None = None
    show_others: bool = True


class _KernelGone(Exception):
    """Ends the prompt when the kernel dies, so the console can offer a restart."""


class Console:
    """One console session: reads cells, runs them, shows what everyone's cells do."""

    def __init__(
        self, client: AsyncKernelClient, manager: KernelManager | None, options: ConsoleOptions
    ) -> None:
        self.client = client
        self.manager = manager
        self.options = options
        self.count: int | str = 1
        self.session: PromptSession[str] | None = None
        self.running: Execution | None = None
        self.stale = StaleInputs()
        self._revived = anyio.Event()

    async def run(self) -> None:
        info = await self.client.kernel_info(timeout=30)
        print(str(info.get("banner", "")).rstrip())
        print(f"{DIM}{self._joining_hint()}{RESET}\n")
        history = await self._history()
        language = str(_language(info) or "python")
        self.session = make_session(self.client, language, history)
        with patch_stdout(raw=True):
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._forward_interrupts)
                tasks.start_soon(self._watch_kernel)
                await self._read_eval_print()
                tasks.cancel_scope.cancel()
        await self._leave()

    def _joining_hint(self) -> str:
        path = self.manager.connection_file if self.manager is not None else None
        if path is None:
            return "Joined a running kernel."
        return f"Other clients can join this kernel with --existing {path.name}"

    async def _history(self) -> list[str]:
        try:
            reply = await self.client.history(hist_access_type="tail", n=1000, timeout=10)
        except InterlaceError:
            return []
        return [str(entry[2]) for entry in reply.get("history", []) if isinstance(entry[2], str)]

    async def _read_eval_print(self) -> None:
        assert self.session is not None
        while True:
            try:
                code = await self.session.prompt_async(prompt_text(self.count), handle_sigint=False)
            except KeyboardInterrupt:
                continue
            except EOFError:
                return
            except _KernelGone:
                await self._offer_restart()
                continue
            if not code.strip():
                continue
            try:
                if not await self._cell(code):
                    return
            except KernelDied as death:
                print(f"\n{BOLD}The kernel died: {death}{RESET}")
                await self._offer_restart()

    async def _cell(self, code: str) -> bool:
        """Run one cell; False when the user asked to leave (``exit``)."""
        match = INSPECT.match(code)
        if match:
            await self._inspect(match["name"], len(match["marks"]) - 1)
            return True
        # Outputs are printed as they come: the result need not keep them.
        execution = self.running = await self.client.execute(
            code, stdin=self._ask, keep_outputs=False
        )
        try:
            async for message in execution:
                text = render(message, _width())
                if text:
                    print(text, end="")
            result = await execution.wait()
        finally:
            self.running = None
        if result.execution_count is not None:
            self.count = result.execution_count + 1
        self.stale.ran(result.execution_count, code, result.reply_metadata)
        return self._payloads(result.reply.get("payload") or [])

    def _payloads(self, payloads: list[JSONDict]) -> bool:
        leave = False
        for payload in payloads:
            if payload.get("source") == "page":
                _page(render_bundle(dict(payload.get("data") or {}), _width()))
            elif payload.get("source") == "ask_exit":
                leave = True
        return not leave

    async def _inspect(self, name: str, detail: int) -> None:
        reply = await self.client.inspect(name, len(name), detail, timeout=30)
        if reply.get("found"):
            _page(render_bundle(dict(reply.get("data") or {}), _width()))
        else:
            print(f"Object `{name}` not found.")

    async def _ask(self, prompt: str, password: bool) -> str:
        """input() in a cell: ask here, on the terminal."""
        session: PromptSession[str] = PromptSession()
        try:
            return await session.prompt_async(prompt, is_password=password, handle_sigint=False)
        except EOFError:
            return "\x04"
        except KeyboardInterrupt:
            await self._interrupt()
            return ""

    async def _forward_interrupts(self) -> None:
        """Ctrl-C while a cell runs interrupts the kernel; the console stays."""
        with anyio.open_signal_receiver(signal.SIGINT) as signals:
            async for _ in signals:
                if self.running is not None:
                    await self._interrupt()

    async def _interrupt(self) -> None:
        with contextlib.suppress(InterlaceError):
            if self.manager is not None:
                await self.manager.interrupt()
            else:
                await self.client.interrupt()

    async def _watch_kernel(self) -> None:
        """Show other clients' cells and outputs; notice the kernel dying at once."""
        while True:
            try:
                async with self.client.subscribe() as everything:
                    async for message in everything:
                        self._show_theirs(message)
            except KernelDied as death:
                print(f"\n{BOLD}The kernel died: {death}{RESET}")
                if self.session is not None and self.session.app.is_running:
                    self.session.app.exit(exception=_KernelGone())
            await self._revived.wait()
            self._revived = anyio.Event()

    def _show_theirs(self, message: Message) -> None:
        parent = message.parent_header
        if not self.options.show_others or parent is None:
            return
        if parent.session == self.client.sender.session:
            return
        who = f"{parent.username}@{parent.session[:8]}"
        if message.msg_type == "execute_input":
            executing = content_of(message, "execute_input")
            code = str(executing.get("code", ""))
            label = input_prompt(executing.get("execution_count", " "))
            print(f"{DIM}[{who}]{RESET} {label}{code}")
            self.stale.started(parent.msg_id, code)
            return
        if message.msg_type == "error":
            self.stale.failed(parent.msg_id)
        elif message.msg_type == "status" and message.content.get("execution_state") == "idle":
            self._say_stale(who, self.stale.finished(parent.msg_id))
            return
        text = render(message, _width())
        if text:
            print(f"{DIM}[{who}]{RESET} {text}", end="" if text.endswith("\n") else "\n")

    def _say_stale(self, who: str, stale: list[tuple[int, list[str]]]) -> None:
        """Our inputs whose outputs another client's cell just made out of date."""
        if stale:
            print(
                f"{DIM}[{who}] assigned again what these read, their outputs may be out"
                f" of date: {describe(stale)}{RESET}"
            )

    async def _offer_restart(self) -> None:
        if self.manager is None:
            print("This console did not start the kernel, so it cannot restart it.")
            return
        answer = await _question("Restart the kernel? [Y/n] ")
        if answer.strip().lower() in ("", "y", "yes"):
            await self.manager.restart()
            self.count = 1
            self.stale = StaleInputs()
            self._revived.set()
            print("Kernel restarted.")

    async def _leave(self) -> None:
        """On exit, a kernel this console joined keeps running unless the user says otherwise."""
        if self.manager is not None or self.client.death is not None:
            return
        answer = await _question("Shut down the kernel too? [y/N] ")
        if answer.strip().lower() in ("y", "yes"):
            with contextlib.suppress(InterlaceError):
                await self.client.shutdown()
            print("Kernel shut down.")
        else:
            print("The kernel keeps running.")


def _language(info: KernelInfoReplyContent) -> str | None:
    """The kernel's pygments lexer, if it named one."""
    language = info.get("language_info")
    return language.get("pygments_lexer") if language else None


async def _question(text: str) -> str:
    try:
        return await PromptSession[str]().prompt_async(text, handle_sigint=False)
    except (EOFError, KeyboardInterrupt):
        return ""


def _width() -> int:
    return shutil.get_terminal_size().columns


def _page(text: str) -> None:
    """Long help goes through a pager, short help straight to the terminal."""
    if text.count("\n") < shutil.get_terminal_size().lines - 2 or not sys.stdout.isatty():
        print(text)
        return
    import pydoc

    pydoc.pager(text)


async def run_console(options: ConsoleOptions) -> None:
    """Start or join a kernel and run the console until the user leaves."""
    if options.existing is not None:
        client = AsyncKernelClient.from_file(options.existing or None)
        async with client:
            await client.wait_ready(timeout=30)
            await Console(client, None, options).run()
        return
    async with KernelManager(options.kernel) as manager:
        client = await manager.client()
        await Console(client, manager, options).run()
