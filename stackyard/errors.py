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
