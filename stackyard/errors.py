"""Errors a user can act on, and the exit codes the CLI maps them to.

The CLI prints a `UserError` as one clear message and exits with its code; no traceback unless
`--debug` is given. The codes are documented in the README and stay stable for CI.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    POLICY_FAILURE = 1
    """A mandatory policy failed (or, with --strict, was indeterminate); a verify step failed."""
    BAD_INPUT = 2
    """Bad usage or unreadable input: a missing or malformed file, an invalid spec, a program that raised."""
    STALE_DOCS = 3
    """`stackyard docs --check`: a generated page is missing or out of date (not a policy finding)."""


class UserError(Exception):
    """A problem with what the user gave us, reported without a traceback."""

    def __init__(self, message: str, *, exit_code: ExitCode = ExitCode.BAD_INPUT) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code



def _edits(a: str, b: str) -> int:
    """Levenshtein distance: single-character insertions, deletions and substitutions."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        previous = current
    return previous[-1]


def did_you_mean(value: str, candidates: set[str], limit: int = 3) -> str:
    """`; did you mean a?` naming the candidates nearest to a mistyped `value` (those difflib finds
    close, then the fewest edits away: `SY-ENC-0O1` -> `SY-ENC-001`, not `SY-ENC-017`), or nothing."""
    import difflib

    close = difflib.get_close_matches(value, sorted(candidates), n=len(candidates), cutoff=0.6)
    if not close:
        return ""
    distances = {name: _edits(value, name) for name in close}
    nearest = min(distances.values())
    hint = sorted(name for name in close if distances[name] == nearest)[:limit]
    return f"; did you mean {', '.join(hint)}?"
