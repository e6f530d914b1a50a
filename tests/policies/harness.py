"""Evaluate one rule in-process the way the policy runtime does: properties deserialized from wire
form and wrapped in the SDK's unknown-checking proxy, `report_violation` collected, not-applicable
and unknown-value outcomes caught as `_PolicyAnalyzerServicer` catches them."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from stackyard.check.indeterminate import IndeterminateItem, parse_indeterminate
from stackyard.policies.catalog import get_rule

UNKNOWN = UNKNOWN_STRING_VALUE
"""What the engine sends for a value that is unknown at preview."""
DEFAULT_REGION = "eu-west-1"


def wire(props: Mapping[str, Any]) -> Any:
    return unknown_checking_proxy(deserialize_properties(copy.deepcopy(dict(props))))


def urn(resource_type: str, name: str) -> str:
    return f"urn:pulumi:test::proj::{resource_type}::{name}"


def provider(region: str | None = DEFAULT_REGION, **props: Any) -> PolicyProviderResource:
    if region is not None:
        props["region"] = region
    return PolicyProviderResource(
        "pulumi:providers:aws", wire(props), "urn:pulumi:test::proj::pulumi:providers:aws::default", "default"
    )


def options(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


@dataclass
class Outcome:
    violations: list[str] = field(default_factory=list)
    """Messages as the rule reported them; for stack rules '<resource name>: <message>'."""
    indeterminate: list[IndeterminateItem] = field(default_factory=list)
    not_applicable: str | None = None

    @property
    def passed(self) -> bool:
        return not self.violations and not self.indeterminate and self.not_applicable is None


def _run(rule_id: str, args: Any, names: Mapping[str, str]) -> Outcome:
    outcome = Outcome()

    def report(message: str, urn: str | None = None) -> None:
        outcome.violations.append(f"{names[urn]}: {message}" if urn else message)

    try:
        get_rule(rule_id).policy().validate(args, report)
    except _NotApplicableError as exc:
        outcome.not_applicable = exc.reason
    except UnknownValueError as exc:
        outcome.indeterminate = parse_indeterminate(exc.message)
        assert outcome.indeterminate, exc.message
    return outcome


def run_resource(
    rule_id: str,
    resource_type: str,
    props: Mapping[str, Any],
    *,
    config: Mapping[str, Any] | None = None,
    protect: bool = False,
    prov: PolicyProviderResource | None = None,
    name: str = "res",
) -> Outcome:
    args = ResourceValidationArgs(
        resource_type,
        wire(props),
        urn(resource_type, name),
        name,
        options(protect),
        prov if prov is not None else provider(),
        dict(config) if config else None,
    )
    return _run(rule_id, args, {})


class Stack:
    """Resources of a stack as `AnalyzeStack` hands them to a stack policy."""

    def __init__(self) -> None:
        self.resources: list[PolicyResource] = []

    def add(
        self,
        resource_type: str,
        name: str,
        props: Mapping[str, Any] | None = None,
        *,
        deps: Mapping[str, list[PolicyResource]] | None = None,
        protect: bool = False,
        prov: PolicyProviderResource | None = None,
    ) -> PolicyResource:
        resource = PolicyResource(
            resource_type,
            wire(props or {}),
            urn(resource_type, name),
            name,
            options(protect),
            prov if prov is not None else provider(),
            None,
            [d for ds in (deps or {}).values() for d in ds],
            {key: list(value) for key, value in (deps or {}).items()},
        )
        self.resources.append(resource)
        return resource

    def run(self, rule_id: str, config: Mapping[str, Any] | None = None) -> Outcome:
        args = StackValidationArgs(self.resources, dict(config) if config else None)
        return _run(rule_id, args, {r.urn: r.name for r in self.resources})


@dataclass(frozen=True)
class Case:
    """One compliant or non-compliant example of a rule, with the exact messages it must produce."""

    rule: str
    label: str
    run: Callable[[], Outcome]
    violations: tuple[str, ...] = ()

    @property
    def failing(self) -> bool:
        return bool(self.violations)


def resource_case(
    rule: str, label: str, resource_type: str, props: Mapping[str, Any], *violations: str, **kwargs: Any
) -> Case:
    return Case(rule, label, lambda: run_resource(rule, resource_type, props, **kwargs), tuple(violations))


def stack_case(
    rule: str,
    label: str,
    build: Callable[[Stack], None],
    *violations: str,
    config: Mapping[str, Any] | None = None,
) -> Case:
    def run() -> Outcome:
        stack = Stack()
        build(stack)
        return stack.run(rule, config)

    return Case(rule, label, run, tuple(violations))


def check_case(case: Case) -> None:
    outcome = case.run()
    assert outcome.indeterminate == [], outcome.indeterminate
    assert outcome.not_applicable is None, outcome.not_applicable
    assert outcome.violations == list(case.violations)
