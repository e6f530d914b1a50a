"""The baseline: the registrations of a stackyard plan, as data a plain Pulumi program replays.

`plain_program.py` registers every resource of the plan with the SDK's generic classes
(`pulumi.CustomResource`, `pulumi.ComponentResource`, `pulumi.ProviderResource`): same type
tokens, same names, same parent tree, same provider references, same inputs (the wire form the
plan recorded), same dependencies and property dependencies, same unknowns and same options, under
the SDK's own mock runtime (`pulumi.runtime.set_mocks` with the stock `MockMonitor`). What it does
not do is what stackyard adds on top of the SDK: spec loading and validation, the components'
Python, the typed pulumi-aws/pulumi-kubernetes classes, recording and the plan document.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

STACK_TYPE = "pulumi:pulumi:Stack"


def name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[1]


def baseline_resources(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's resources the program registers (not the stack, not the engine's default
    providers), each after its parent, provider and dependencies."""
    default_providers = {
        provider["urn"] for provider in document["stackyard"]["providers"].values() if provider["default"]
    }
    resources: dict[str, dict[str, Any]] = {}
    for step in document["steps"]:
        state = step["newState"]
        urn = state["urn"]
        if state["type"] == STACK_TYPE or urn in default_providers:
            continue
        provider = state.get("provider", "")
        provider_urn = provider.rsplit("::", 1)[0] if provider else ""
        property_dependencies = state.get("propertyDependencies", {})
        resources[urn] = {
            "urn": urn,
            "type": state["type"],
            "name": name_of(urn),
            "custom": state["custom"],
            "parent": state.get("parent", ""),
            "provider": "" if provider_urn in default_providers else provider_urn,
            "version": _version(provider_urn) if provider_urn in default_providers else "",
            "inputs": state.get("inputs", {}),
            "dependencies": state.get("dependencies", []),
            "propertyDependencies": property_dependencies,
            "protect": state.get("protect", False),
            "retainOnDelete": state.get("retainOnDelete", False),
            "ignoreChanges": state.get("ignoreChanges", []),
            "aliases": state.get("aliases", []),
        }
    return _dependencies_first(resources)


def _version(default_provider_urn: str) -> str:
    """The package version a default provider's URN carries (`default_7_51_1`): the typed classes
    send it with each registration, so the baseline does too."""
    suffix = name_of(default_provider_urn).removeprefix("default_")
    return "" if suffix == "unversioned" else suffix.replace("_", ".")


def _needs(resource: dict[str, Any]) -> Iterable[str]:
    yield resource["parent"]
    yield resource["provider"]
    yield from resource["dependencies"]
    for urns in resource["propertyDependencies"].values():
        yield from urns


def _dependencies_first(resources: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """A depth-first topological order, stable in the plan's own order."""
    ordered: list[dict[str, Any]] = []
    placed: set[str] = set()
    for root in resources:
        stack: list[tuple[str, bool]] = [(root, False)]
        while stack:
            urn, expanded = stack.pop()
            if urn in placed:
                continue
            if expanded:
                placed.add(urn)
                ordered.append(resources[urn])
                continue
            stack.append((urn, True))
            stack.extend(
                (need, False) for need in _needs(resources[urn]) if need in resources and need not in placed
            )
    return ordered


def write_baseline(document: dict[str, Any], directory: Path) -> Path:
    path = directory / "baseline.json"
    stackyard = document["stackyard"]
    path.write_text(
        json.dumps(
            {
                "project": stackyard["project"],
                "stack": stackyard["stack"],
                "resources": baseline_resources(document),
            }
        ),
        encoding="utf-8",
    )
    return path


PLAIN_PROGRAM = Path(__file__).with_name("plain_program.py")
