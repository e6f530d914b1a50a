"""Testing Pulumi programs and components offline, for stackyard's tests and for platform teams'.

    from stackyard.testing import record

    def build():
        FeatureStore("fs", spec, context=ctx, kms_key_arn="arn:aws:kms:...")

    plan = record(build)
    assert plan.count("aws:sagemaker/featureGroup:FeatureGroup") == 2

It runs the program with the same machinery as `stackyard plan`, so what a test sees is what a
plan shows: inputs in wire form (camelCase keys), secrets redacted, provider and options recorded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from stackyard.plan.engine import run_program
from stackyard.plan.monitor import Registration

DEFAULT_CONFIG = {"aws:region": "eu-west-1"}


@dataclass(frozen=True)
class RecordedPlan:
    registrations: list[Registration]

    def __iter__(self) -> Iterator[Registration]:
        return iter(self.registrations)

    def of_type(self, type_token: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_token]

    def count(self, type_token: str) -> int:
        return len(self.of_type(type_token))

    def counts(self) -> dict[str, int]:
        """Resources per type, components included, the root stack excluded."""
        return dict(Counter(r.type for r in self.registrations if r.type != "pulumi:pulumi:Stack"))

    def named(self, name: str) -> Registration:
        matches = [r for r in self.registrations if r.name == name]
        if len(matches) != 1:
            known = ", ".join(sorted(r.name for r in self.registrations))
            raise KeyError(f"{len(matches)} resources named {name!r}; registered: {known}")
        return matches[0]

    def by_urn(self, urn: str) -> Registration:
        return next(r for r in self.registrations if r.urn == urn)

    def children_of(self, parent: Registration) -> list[Registration]:
        return [r for r in self.registrations if r.parent == parent.urn]


def record(
    program: Callable[[], Any],
    *,
    project: str = "test",
    stack: str = "dev",
    config: dict[str, str] | None = None,
    preview: bool = False,
) -> RecordedPlan:
    """Run `program` under the mock runtime and return what it registered.

    `preview=False` (the default for tests) gives resources ids and ARNs so `apply` callbacks
    run; `preview=True` leaves them unknown, exactly as `stackyard plan` does.
    """
    registrations = run_program(
        program, project=project, stack=stack, config={**DEFAULT_CONFIG, **(config or {})}, preview=preview
    )
    return RecordedPlan(registrations)
