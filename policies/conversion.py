"""Doing each analysed resource's per-request work once, not once per rule.

pulumi_policy's analyzer does a request's work inside its loop over policies: it converts the
properties (protobuf Struct -> dict -> Python values), builds the resource options and the provider
resource, and reconfigures the runtime from the environment. A pack of 58 rules did all of that
58 times per resource, and stack analysis did it for the whole stack once per stack policy; that
was most of the pack's time on a 2,000-resource plan. This pack runs in its own process and its
rules only read what they are given, so the results can be shared: the same message object gives
the same value within one request. Results are unchanged; only the repeated work goes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_REMEMBERED = 20_000
"""Results kept per thread and per kind. Stack analysis converts every resource once per stack
policy, so the memo holds a whole stack's resources (their messages stay alive in the request anyway)."""


class _PerThreadMemo:
    """Remembers `convert(value, *args)` by the identity of `value`, per thread. `args` are passed
    on but are not part of the key: pulumi_policy calls the conversions with the value alone, and
    the analyzer's methods pass their (single) servicer.

    Called hundreds of thousands of times in a large check, so kept lean: the analyzer asks about
    one request once per rule in a row, which the last-result slot answers without hashing."""

    def __init__(self, convert: Callable[..., Any]) -> None:
        self._convert = convert
        self._local = threading.local()

    def __call__(self, value: Any, *args: Any) -> Any:
        local = self._local
        try:
            if local.value is value:
                return local.result
            memo: dict[int, tuple[Any, Any]] = local.memo
        except AttributeError:
            memo = local.memo = {}
        remembered = memo.get(id(value))
        if remembered is not None and remembered[0] is value:
            result = remembered[1]
        else:
            result = self._convert(value, *args)
            # Keeping `value` referenced keeps its id from being reused while it is remembered.
            memo[id(value)] = (value, result)
            if len(memo) > _REMEMBERED:
                del memo[next(iter(memo))]
        local.value, local.result = value, result
        return result


class _JsonFormat:
    """Stands in for `google.protobuf.json_format` inside pulumi_policy."""

    def __init__(self, module: Any) -> None:
        self._module = module
        self.MessageToDict = _PerThreadMemo(module.MessageToDict)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


def _per_request(method: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """`method(servicer, request)` once per request message."""
    memo = _PerThreadMemo(lambda request, servicer: method(servicer, request))

    def shared(servicer: Any, request: Any) -> Any:
        return memo(request, servicer)

    return shared


def _once_per_thread(method: Callable[[Any], None]) -> Callable[[Any], None]:
    """The runtime settings come from the process environment, which does not change while the pack
    serves; they live in context variables, so each of the server's threads sets its own once."""
    done = threading.local()

    def configure(servicer: Any) -> None:
        if not getattr(done, "configured", False):
            method(servicer)
            done.configured = True

    return configure


def share_request_conversion() -> None:
    """Install the shared per-request work into pulumi_policy's analyzer (this process only)."""
    from pulumi_policy import policy as policy_module

    # Private names of the SDK, replaced in place: typed Any, as the SDK declares none of them.
    policy: Any = policy_module

    if isinstance(policy.json_format, _JsonFormat):
        return
    policy.json_format = _JsonFormat(policy.json_format)
    policy.deserialize_properties = _PerThreadMemo(policy.deserialize_properties)
    # The proxy only reads what it wraps, so the wrapper of a shared value can be shared too.
    policy.unknown_checking_proxy = _PerThreadMemo(policy.unknown_checking_proxy)
    servicer = policy._PolicyAnalyzerServicer
    servicer._get_resource_options = _per_request(servicer._get_resource_options)
    servicer._get_provider_resource = _per_request(servicer._get_provider_resource)
    servicer._configure_runtime_settings = _once_per_thread(servicer._configure_runtime_settings)
