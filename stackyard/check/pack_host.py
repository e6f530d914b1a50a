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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

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

    def __init__(self, props: Mapping[str, Any], templated: frozenset[str] | None = None) -> None:
        self.props = props
        self.read: set[str] = set()
        self._templated = templated
        """The properties that may hold placeholders (None: any)."""

    def __getitem__(self, key: str) -> Any:
        value = self.props[key]
        self.read.add(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        # The common read, without the ABC's exception round trip.
        if key not in self.props:
            return default
        return self[key]

    def __contains__(self, key: object) -> bool:
        return key in self.props

    def __iter__(self) -> Iterator[str]:
        return iter(self.props)

    def __len__(self) -> int:
        return len(self.props)

    def placeholders_read(self) -> list[str]:
        found: set[str] = set()
        for key in self.read if self._templated is None else self.read & self._templated:
            _collect_placeholders(_quietly(self.props, key), found)
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


TEMPLATED_URNS_ENV = "STACKYARD_TEMPLATED_URNS"
"""Names the file of the resources whose properties hold templates, a line each: the URN, a tab, and
the top-level properties holding them, comma-separated. Only reads of those are watched. Unset:
every property of every resource is."""

Templated = Mapping[str, frozenset[str]]
"""URN -> the top-level properties of that resource that hold templates."""


class _Watch:
    """The props views given to one call of a policy, and the props they replaced."""

    def __init__(self, args: Any, templated: Templated | None) -> None:
        # (object whose props were replaced, its view, the URN results are reported against)
        self.views: list[tuple[Any, ReadProps, str | None]] = []
        if templated is not None and not templated:
            return  # no template anywhere: nothing to watch
        if hasattr(args, "props"):
            self._watch(args, getattr(args, "urn", None), None, templated)
            return
        resources = getattr(args, "resources", None) or ()
        if templated is not None:
            resources = [resource for resource in resources if resource.urn in templated]
        for resource in resources:
            self._watch(resource, resource.urn, resource.urn, templated)

    def _watch(self, holder: Any, urn: str | None, reported: str | None, templated: Templated | None) -> None:
        keys = None if templated is None else templated.get(urn or "")
        if templated is not None and not keys:
            return
        view = ReadProps(holder.props, keys)
        holder.props = view
        self.views.append((holder, view, reported))

    def restore(self) -> None:
        """Give back the props: the same objects may be handed to the next policy."""
        for holder, view, _ in self.views:
            holder.props = view.props

    def report(self, report_violation: Any) -> None:
        for _, view, urn in self.views:
            placeholders = view.placeholders_read()
            if placeholders:
                report_violation(TEMPLATE_MARK + ", ".join(placeholders), urn)


def guarded(
    original: Any,
    passthrough: tuple[type[BaseException], ...],
    pack_dir: str,
    templated: Templated | None = None,
) -> Any:
    """`original` (a policy class's `validate(self, args, report_violation)`), with an exception
    reported as that policy's error (a raise is located at the last frame under `pack_dir`), and the
    templates it read reported (see the module's docstring).

    The one wrapper of both paths: the pack process installs it on pulumi_policy's policy classes
    (`main`), and `stackyard check` calls it for each policy of its own catalog evaluated in-process
    (`stackyard.check.in_process`). Reads are watched on the resources in `templated` (every
    resource's when None)."""

    def validate(self: Any, args: Any, report_violation: Any) -> Any:
        watch = _Watch(args, templated)
        try:
            result = original(self, args, report_violation)
        except passthrough:
            watch.restore()
            raise
        except Exception as error:
            watch.restore()
            report_violation(_describe(error, pack_dir), None)
            return None
        if not inspect.isawaitable(result):
            watch.restore()
            watch.report(report_violation)
            return result

        async def guarded_result() -> None:
            try:
                await result
            except passthrough:
                raise
            except Exception as error:
                report_violation(_describe(error, pack_dir), None)
                return
            finally:
                watch.restore()
            watch.report(report_violation)

        return guarded_result()

    return validate


def _templated_urns(path: str | None) -> Templated | None:
    if not path:
        return None
    templated: dict[str, frozenset[str]] = {}
    with open(path, encoding="utf-8") as listing:
        for line in listing:
            urn, _, keys = line.rstrip("\n").partition("\t")
            if urn:
                templated[urn] = frozenset(keys.split(","))
    return templated


def templated_properties(urn_templates: Iterable[tuple[str, Iterable[str]]]) -> dict[str, frozenset[str]]:
    """URN -> top-level properties, from each resource's template paths (`inlinePolicies[0].policy`
    is in `inlinePolicies`)."""
    return {
        urn: keys
        for urn, paths in urn_templates
        if (keys := frozenset(re.split(r"[.\[]", path, maxsplit=1)[0] for path in paths))
    }


def write_templated(templated: Templated, listing: IO[str]) -> None:
    listing.write("".join(f"{urn}\t{','.join(sorted(keys))}\n" for urn, keys in sorted(templated.items())))
    listing.flush()


def main() -> None:
    from pulumi_policy import policy

    pack_dir = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else ""
    passthrough = protocol_exceptions()
    templated = _templated_urns(os.environ.get(TEMPLATED_URNS_ENV))
    for policy_class in (policy.ResourceValidationPolicy, policy.StackValidationPolicy):
        policy_class.validate = guarded(policy_class.validate, passthrough, pack_dir, templated)  # type: ignore[method-assign]
    sys.argv = ["pulumi.policy", *sys.argv[1:]]
    runpy.run_module("pulumi.policy", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
