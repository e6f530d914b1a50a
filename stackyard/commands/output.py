"""Where commands print: results to stdout, messages and progress to stderr (progress only on a terminal)."""

from __future__ import annotations

from functools import cache

from rich.console import Console

WIDTH_WHEN_PIPED = 200
"""Wide enough that resource names and types are never cut when output goes to a file or CI log."""


@cache
def console() -> Console:
    candidate = Console(soft_wrap=True)
    return candidate if candidate.is_terminal else Console(soft_wrap=True, width=WIDTH_WHEN_PIPED)


@cache
def error_console() -> Console:
    return Console(stderr=True, soft_wrap=True)


def progress_console() -> Console | None:
    """A console for spinners and progress bars, or None when stderr is not a terminal (CI, pipes)."""
    candidate = error_console()
    return candidate if candidate.is_terminal else None
