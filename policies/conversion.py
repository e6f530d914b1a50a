"""Converting each analysed resource once, not once per rule.

pulumi_policy's analyzer converts a request's properties (protobuf Struct -> dict -> Python values)
inside its loop over policies, so a pack of 58 rules converts every resource 58 times, and stack
analysis converts the whole stack once per stack policy; that was about a third of the pack's
time on a 2,000-resource plan. This pack runs in its own process
and its rules only read what they are given, so the conversions can be shared: the same message
object gives the same converted value within one request. Results are unchanged; only the
repeated work goes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_REMEMBERED = 20_000
"""Conversions kept per thread. Stack analysis converts every resource once per stack policy, so
the memo holds a whole stack's resources (their messages stay alive in the request anyway)."""


class _PerThreadMemo:
    """Remembers results of `convert` by the identity of its argument, per thread."""

    def __init__(self, convert: Callable[..., Any]) -> None:
        self._convert = convert
        self._local = threading.local()

    def __call__(self, value: Any, *args: Any) -> Any:
        memo: dict[tuple[int, tuple[Any, ...]], tuple[Any, Any]] = self._local.__dict__.setdefault("memo", {})
        key = (id(value), args)
        remembered = memo.get(key)
        if remembered is not None and remembered[0] is value:
            return remembered[1]
        result = self._convert(value, *args)
        # Keeping `value` referenced keeps its id from being reused while it is remembered.
        memo[key] = (value, result)
        if len(memo) > _REMEMBERED:
            del memo[next(iter(memo))]
        return result


class _JsonFormat:
    """Stands in for `google.protobuf.json_format` inside pulumi_policy."""

    def __init__(self, module: Any) -> None:
        self._module = module
        self.MessageToDict = _PerThreadMemo(module.MessageToDict)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


def share_request_conversion() -> None:
    """Install the shared conversions into pulumi_policy's analyzer (this process only)."""
    from pulumi_policy import policy

    if isinstance(policy.json_format, _JsonFormat):
        return
    policy.json_format = _JsonFormat(policy.json_format)  # type: ignore[assignment]
    policy.deserialize_properties = _PerThreadMemo(policy.deserialize_properties)  # type: ignore[assignment]
    # The proxy only reads what it wraps, so the wrapper of a shared value can be shared too.
    policy.unknown_checking_proxy = _PerThreadMemo(policy.unknown_checking_proxy)  # type: ignore[assignment]
