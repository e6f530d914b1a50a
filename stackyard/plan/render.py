"""Showing a plan on a terminal: the tree of components and their children, and a count per type."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from stackyard.pulumi_documents import STACK_TYPE, Resource, read_document

TREE_LEAF_LIMIT = 400
"""Past this many resources the tree shows components only, with counts of their resources."""


def _label(resource: Resource, remote: frozenset[str] = frozenset()) -> str:
    extras = []
    if resource.protect:
        extras.append("[yellow]protected[/]")
    if resource.urn in remote:
        extras.append("[magenta]remote: contents not visible offline[/]")
    suffix = f" {' '.join(extras)}" if extras else ""
    text = f"{resource.name} [dim]{resource.type}[/]{suffix}"
    return text if resource.custom else f"[bold]{text}[/]"


def plan_tree(resources: tuple[Resource, ...], remote: frozenset[str] = frozenset()) -> Tree:
    states = [r for r in resources if not r.is_provider]
    children: dict[str, list[Resource]] = {}
    for state in states:
        children.setdefault(state.parent, []).append(state)
    leaves = len(states) <= TREE_LEAF_LIMIT
    stack = next((s for s in states if s.type == STACK_TYPE), None)
    root = Tree(_label(stack) if stack else "(stack)")

    def add(node: Tree, parent_urn: str) -> None:
        kids = children.get(parent_urn, [])
        components = [k for k in kids if not k.custom]
        resources = [k for k in kids if k.custom]
        for component in components:
            add(node.add(_label(component, remote)), component.urn)
        if leaves:
            for resource in resources:
                node.add(_label(resource))
        elif resources:
            counts = Counter(r.type for r in resources)
            for kind, count in sorted(counts.items()):
                node.add(f"[dim]{kind}[/] x {count}")

    add(root, stack.urn if stack else "")
    return root


def resource_counts(resources: tuple[Resource, ...]) -> Counter[str]:
    """Resources by type: the custom resources the cloud will hold, neither the components that
    group them nor the providers that create them. Every total a plan shows is this one."""
    return Counter(resource.type for resource in resources if resource.custom and not resource.is_provider)


def plan_summary(document: dict[str, Any]) -> str:
    """`74 resources, 15 components, 1 provider`: the resources are the table's total."""
    resources = read_document(document, source="the plan", sha256="").resources
    components = sum(1 for r in resources if not r.custom and r.type != STACK_TYPE)
    providers = sum(1 for r in resources if r.is_provider)

    def counted(count: int, noun: str) -> str:
        return f"{count} {noun}{'' if count == 1 else 's'}"

    return ", ".join(
        [
            counted(sum(resource_counts(resources).values()), "resource"),
            counted(components, "component"),
            counted(providers, "provider"),
        ]
    )


def type_counts_table(resources: tuple[Resource, ...]) -> Table:
    counts = resource_counts(resources)
    table = Table(title="Resources by type", show_footer=True)
    table.add_column("type", footer="total")
    table.add_column("count", justify="right", footer=str(sum(counts.values())))
    for kind, count in sorted(counts.items()):
        table.add_row(kind, str(count))
    return table


def print_plan(document: dict[str, Any], console: Console) -> None:
    read = read_document(document, source="the plan", sha256="")
    console.print(plan_tree(read.resources, frozenset(component.urn for component in read.opaque)))
    console.print(type_counts_table(read.resources))


def plan_notes(document: dict[str, Any]) -> list[str]:
    """One line each for what a reader of the plan must know it does not show as real: a new stack
    planned with empty config, provider functions answered or left unknown, and components whose
    contents are built by their provider plugin and are not visible offline."""
    meta = document.get("stackyard", {})
    notes = []
    if meta.get("newStack"):
        notes.append(
            f"no Pulumi.{meta.get('stack')}.yaml: planned as a new stack {meta.get('stack')!r} with empty config, "
            "as `pulumi preview` would"
        )
    calls = meta.get("invokes") or []
    if calls:
        counts = Counter(call["answered"] for call in calls)
        parts = [
            f"{counts[kind]} {label}"
            for kind, label in (
                ("computed", "computed offline"),
                ("invokes", "answered from your invokes"),
                ("unknown", "left unknown"),
            )
            if counts[kind]
        ]
        unknown = sorted({call["token"] for call in calls if call["answered"] == "unknown"})
        tail = f" (unknown: {', '.join(unknown)})" if unknown else ""
        notes.append(f"provider functions: {', '.join(parts)}{tail}")
    remote = meta.get("remoteComponents") or []
    if remote:
        notes.append(
            f"{len(remote)} remote component(s) whose contents are not visible offline: "
            + ", ".join(component["urn"].rsplit("::", 1)[-1] + f" ({component['type']})" for component in remote)
        )
    return notes
