"""The terminal console: prompt_toolkit editing, kernel completion, shared sessions."""

from interlace.console._app import ConsoleOptions as ConsoleOptions
from interlace.console._app import run_console as run_console

__all__ = ["ConsoleOptions", "run_console"]
