"""The prompt: prompt_toolkit with the kernel's completion, is_complete and history."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import ANSI
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input.typeahead import store_typeahead
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.keys import Keys
from prompt_toolkit.lexers import PygmentsLexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from interlace.console._render import GREEN, RESET, input_prompt
from interlace.errors import InterlaceError

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Iterable

    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document
    from prompt_toolkit.key_binding import KeyPress, KeyPressEvent

    from interlace.client import AsyncKernelClient

__all__ = ["KernelCompleter", "make_session"]

log = logging.getLogger("interlace.console")

IS_COMPLETE_TIMEOUT = 1.0
"""A busy kernel cannot say whether a cell is complete; after this, Enter runs it."""


class KernelCompleter(Completer):
    """Tab completion from the kernel's complete_request, shown as a menu."""

    def __init__(self, client: AsyncKernelClient) -> None:
        self.client = client

    def get_completions(self, document: Document, event: CompleteEvent) -> Iterable[Completion]:
        return []

    async def get_completions_async(
        self, document: Document, event: CompleteEvent
    ) -> AsyncGenerator[Completion, None]:
        cursor = document.cursor_position
        try:
            reply = await self.client.complete(document.text, cursor, timeout=5)
        except InterlaceError as exc:
            log.debug("completion failed: %s", exc)
            return
        start = int(reply.get("cursor_start", cursor)) - cursor
        types = {
            item.get("text"): item.get("type", "")
            for item in reply.get("metadata", {}).get("_jupyter_types_experimental", [])
        }
        for match in reply.get("matches", []):
            yield Completion(match, start_position=start, display_meta=types.get(match) or "")


def _lexer(language: str) -> PygmentsLexer | None:
    """The kernel's own pygments lexer, else plain Python's, else none."""
    for name in (language, "python3"):
        try:
            return PygmentsLexer(type(get_lexer_by_name(name)))
        except ClassNotFound:
            continue
    return None


def _continuation(width: int, line_number: int, wrap_count: int) -> ANSI:
    return ANSI(f"{GREEN}{'...: '.rjust(width)}{RESET}")


class _EnterCheck:
    """While the kernel says whether a cell is complete, keys typed meanwhile wait.

    They belong after the Enter that started the check, as in a terminal: typed
    ahead (or pasted), they go to the next prompt if the cell runs, or after
    the new line if it does not; never into the cell being run.
    """

    def __init__(self) -> None:
        self.pending = False
        self.typed: list[KeyPress] = []


def _bindings(client: AsyncKernelClient) -> KeyBindings:
    bindings = KeyBindings()
    check = _EnterCheck()
    checking = Condition(lambda: check.pending)

    @bindings.add("enter", filter=~checking)
    def _(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.complete_state is not None and buffer.complete_state.current_completion:
            buffer.apply_completion(buffer.complete_state.current_completion)
            return
        if not buffer.document.is_cursor_at_the_end:
            buffer.insert_text("\n")
            return
        check.pending = True
        event.app.create_background_task(_enter(client, event, check))

    @bindings.add(Keys.Any, filter=checking, eager=True)
    @bindings.add("enter", filter=checking, eager=True)
    def _(event: KeyPressEvent) -> None:
        check.typed.extend(event.key_sequence)

    @bindings.add("escape", "enter")
    def _(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    return bindings


async def _enter(client: AsyncKernelClient, event: KeyPressEvent, check: _EnterCheck) -> None:
    """Run the cell if the kernel says it is complete; otherwise a new, indented line."""
    buffer = event.current_buffer
    indent = await _indent_if_incomplete(client, buffer.document.text)
    typed, check.typed, check.pending = check.typed, [], False
    if indent is None:
        store_typeahead(event.app.input, typed)  # the next prompt starts with them
        buffer.validate_and_handle()
        return
    buffer.insert_text("\n" + indent)
    event.app.key_processor.feed_multiple(typed)
    event.app.key_processor.process_keys()


async def _indent_if_incomplete(client: AsyncKernelClient, text: str) -> str | None:
    """The indent of the next line if the kernel says ``text`` is incomplete, else None."""
    if not text.strip():
        return None
    try:
        reply = await client.is_complete(text, timeout=IS_COMPLETE_TIMEOUT)
    except InterlaceError:
        return None
    return str(reply.get("indent", "")) if reply.get("status") == "incomplete" else None


def make_session(
    client: AsyncKernelClient, language: str, history: list[str]
) -> PromptSession[str]:
    """A prompt session wired to ``client``, with the kernel's past inputs as history."""
    memory = InMemoryHistory()
    for entry in history:
        memory.append_string(entry)
    return PromptSession(
        history=memory,
        lexer=_lexer(language),
        completer=KernelCompleter(client),
        complete_while_typing=False,
        key_bindings=_bindings(client),
        multiline=True,
        prompt_continuation=_continuation,
        enable_history_search=False,
    )


def prompt_text(count: int | str) -> ANSI:
    return ANSI(f"{GREEN}{input_prompt(count)}{RESET}")
