"""Showing a plan on a terminal: the tree of components and their children, and a count per type."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from stackyard.plan.document import PROVIDER_TYPE_PREFIX, resources_of

TREE_LEAF_LIMIT = 400
"""Past this many resources the tree shows components only, with counts of their resources."""


def _label(state: dict[str, Any]) -> str:
    name = state["urn"].rsplit("::", 1)[-1]
    extras = []
    if state.get("protect"):
        extras.append("[yellow]protected[/]")
    suffix = f" {' '.join(extras)}" if extras else ""
    style = "bold" if not state.get("custom") else ""
    text = f"{name} [dim]{state['type']}[/]{suffix}"
    return f"[{style}]{text}[/]" if style else text


def plan_tree(document: dict[str, Any]) -> Tree:
    states = [s for s in resources_of(document) if not _is_provider(s)]
    children: dict[str, list[dict[str, Any]]] = {}
    for state in states:
        children.setdefault(state.get("parent", ""), []).append(state)
    leaves = len(states) <= TREE_LEAF_LIMIT
    stack = next((s for s in states if s["type"] == "pulumi:pulumi:Stack"), None)
    root = Tree(_label(stack) if stack else "(stack)")

    def add(node: Tree, parent_urn: str) -> None:
        kids = children.get(parent_urn, [])
        components = [k for k in kids if not k.get("custom")]
        resources = [k for k in kids if k.get("custom")]
        for component in components:
            add(node.add(_label(component)), component["urn"])
        if leaves:
            for resource in resources:
                node.add(_label(resource))
        elif resources:
            counts = Counter(r["type"] for r in resources)
            for kind, count in sorted(counts.items()):
                node.add(f"[dim]{kind}[/] x {count}")

    add(root, stack["urn"] if stack else "")
    return root


def _is_provider(state: dict[str, Any]) -> bool:
    return str(state["type"]).startswith(PROVIDER_TYPE_PREFIX)


def resource_counts(document: dict[str, Any]) -> Counter[str]:
    """Resources by type: the custom resources the cloud will hold, neither the components that
    group them nor the providers that create them. Every total a plan shows is this one."""
    return Counter(
        state["type"] for state in resources_of(document) if state.get("custom") and not _is_provider(state)
    )


def plan_summary(document: dict[str, Any]) -> str:
    """`74 resources, 15 components, 1 provider`: the resources are the table's total."""
    states = resources_of(document)
    components = sum(1 for s in states if not s.get("custom") and s["type"] != "pulumi:pulumi:Stack")
    providers = sum(1 for s in states if s.get("custom") and _is_provider(s))

    def counted(count: int, noun: str) -> str:
        return f"{count} {noun}{'' if count == 1 else 's'}"

    return ", ".join(
        [
            counted(sum(resource_counts(document).values()), "resource"),
            counted(components, "component"),
            counted(providers, "provider"),
        ]
    )


def type_counts_table(document: dict[str, Any]) -> Table:
    counts = resource_counts(document)
    table = Table(title="Resources by type", show_footer=True)
    table.add_column("type", footer="total")
    table.add_column("count", justify="right", footer=str(sum(counts.values())))
    for kind, count in sorted(counts.items()):
        table.add_row(kind, str(count))
    return table


def print_plan(document: dict[str, Any], console: Console) -> None:
    console.print(plan_tree(document))
    console.print(type_counts_table(document))
