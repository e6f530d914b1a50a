"""Start a Python policy pack as the Pulumi language host does, with two differences: a policy that
raises is reported as an error of that policy alone, instead of failing the whole request; and a
policy that read a template (a document of a stackyard plan in which unknowns are placeholders, see
`stackyard.check.resolve`) says so.

The engine runs `python -m pulumi.policy <engine> <pack dir>`. A policy that raises (a `KeyError`
on a property the provider would have defaulted) aborts that `Analyze` call, and with it every
other policy's results for the resource. Here each policy's `validate` is wrapped: its exception
becomes a violation whose message starts with `ERROR_MARK`, which `stackyard check` reads as the
`error` result of that rule and resource.

Which properties a policy read is watched on its `props` (a resource policy's, and each resource's
for a stack policy). When one of them holds a placeholder (`PLACEHOLDER`), a violation whose message
starts with `TEMPLATE_MARK` lists the placeholders read; `stackyard check` reads it as "decided on a
template" for that rule and resource, and drops it. A real engine never runs this host, so it never
sees either mark.

This file runs in the pack's own interpreter, which may not have stackyard installed: it imports
only the standard library and what every Python pack has (pulumi, pulumi_policy).
"""

from __future__ import annotations

import inspect
import os
import re
import runpy
import sys
import traceback
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

ERROR_MARK = "stackyard: the policy raised "
"""Start of the message a raising policy reports; `stackyard check` makes it an `error` result."""


TEMPLATE_MARK = "stackyard: decided on a template: "
"""Start of the message by which a policy that read a template lists the placeholders it read."""

PLACEHOLDER = re.compile(r"\$\{[A-Za-z0-9_-]+:[A-Za-z0-9_/.-]*:[A-Za-z0-9_]+::[^{}\s]+\.[A-Za-z0-9_]+\}")
"""A placeholder of a template: `${<type token>::<resource name>.<output>}`."""


def _describe(error: BaseException, pack_dir: str) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    own = [frame for frame in frames if pack_dir and frame.filename.startswith(pack_dir)]
    located = own or list(frames)
    where = f" at {located[-1].filename}:{located[-1].lineno}" if located else ""
    return f"{ERROR_MARK}{type(error).__name__}: {error}{where}"


def protocol_exceptions() -> tuple[type[BaseException], ...]:
    """What a policy raises to answer through the protocol (an unknown value, not applicable):
    not errors, so the wrapper lets them through to pulumi_policy's analyzer."""
    from pulumi_policy import policy

    return tuple(
        klass
        for klass in (
            getattr(policy, "UnknownValueError", None),
            getattr(policy, "_NotApplicableError", None),
        )
        if isinstance(klass, type)
    )


class ReadProps(Mapping[str, Any]):
    """A policy's view of `props` that remembers which properties it read."""

    def __init__(self, props: Mapping[str, Any]) -> None:
        self._props = props
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        value = self._props[key]
        self.read.add(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._props)

    def __len__(self) -> int:
        return len(self._props)

    def placeholders_read(self) -> list[str]:
        found: set[str] = set()
        for key in self.read:
            _collect_placeholders(_quietly(self._props, key), found)
        return sorted(found)


def _quietly(container: Any, key: Any) -> Any:
    """An item read past the unknown-value proxy (an unknown item is simply no placeholder)."""
    try:
        return container[key]
    except Exception:
        return None


def _collect_placeholders(value: Any, found: set[str]) -> None:
    if isinstance(value, str):
        if "${" in value:
            found.update(PLACEHOLDER.findall(value))
    elif isinstance(value, Mapping):
        for key in value:
            _collect_placeholders(_quietly(value, key), found)
    elif isinstance(value, Sequence):
        for index in range(len(value)):
            _collect_placeholders(_quietly(value, index), found)


def _watch_reads(args: Any) -> list[tuple[ReadProps, str | None]]:
    """Give the policy props that remember what it reads: a resource policy's (its result is the
    resource's: no URN), or every resource's of a stack policy (with the resource's URN)."""
    if hasattr(args, "props"):
        watched = ReadProps(args.props)
        args.props = watched
        return [(watched, None)]
    views = []
    for resource in getattr(args, "resources", None) or ():
        watched = ReadProps(resource.props)
        resource.props = watched
        views.append((watched, resource.urn))
    return views


def _report_templates(views: list[tuple[ReadProps, str | None]], report_violation: Any) -> None:
    for watched, urn in views:
        placeholders = watched.placeholders_read()
        if placeholders:
            report_violation(TEMPLATE_MARK + ", ".join(placeholders), urn)


def guarded(original: Any, passthrough: tuple[type[BaseException], ...], pack_dir: str) -> Any:
    """`original` (a policy class's `validate(self, args, report_violation)`), with an exception
    reported as that policy's error (a raise is located at the last frame under `pack_dir`), and the
    templates it read reported (see the module's docstring).

    The one wrapper of both paths: the pack process installs it on pulumi_policy's policy classes
    (`main`), and `stackyard check` calls it for each policy of its own catalog evaluated in-process
    (`stackyard.check.in_process`)."""

    def validate(self: Any, args: Any, report_violation: Any) -> Any:
        views = _watch_reads(args)
        try:
            result = original(self, args, report_violation)
        except passthrough:
            raise
        except Exception as error:
            report_violation(_describe(error, pack_dir), None)
            return None
        if not inspect.isawaitable(result):
            _report_templates(views, report_violation)
            return result

        async def guarded_result() -> None:
            try:
                await result
            except passthrough:
                raise
            except Exception as error:
                report_violation(_describe(error, pack_dir), None)
                return
            _report_templates(views, report_violation)

        return guarded_result()

    return validate


def main() -> None:
    from pulumi_policy import policy

    pack_dir = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else ""
    passthrough = protocol_exceptions()
    for policy_class in (policy.ResourceValidationPolicy, policy.StackValidationPolicy):
        policy_class.validate = guarded(policy_class.validate, passthrough, pack_dir)  # type: ignore[method-assign]
    sys.argv = ["pulumi.policy", *sys.argv[1:]]
    runpy.run_module("pulumi.policy", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
