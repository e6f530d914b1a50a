"""The one error a pure function raises: the provider would refuse these arguments."""

from __future__ import annotations


class FunctionError(ValueError):
    """Arguments the provider rejects; the message says what is wrong and where.

    The caller fails the invoke with it, as the provider would fail it.
    """

    def __init__(self, token: str, message: str) -> None:
        super().__init__(f"{token}: {message}")
        self.token = token
