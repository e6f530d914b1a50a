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


def _label(resource: Resource) -> str:
    extras = []
    if resource.protect:
        extras.append("[yellow]protected[/]")
    suffix = f" {' '.join(extras)}" if extras else ""
    text = f"{resource.name} [dim]{resource.type}[/]{suffix}"
    return text if resource.custom else f"[bold]{text}[/]"


def plan_tree(resources: tuple[Resource, ...]) -> Tree:
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
            add(node.add(_label(component)), component.urn)
        if leaves:
            for resource in resources:
                node.add(_label(resource))
        elif resources:
            counts = Counter(r.type for r in resources)
            for kind, count in sorted(counts.items()):
                node.add(f"[dim]{kind}[/] x {count}")

    add(root, stack.urn if stack else "")
    return root


def type_counts_table(resources: tuple[Resource, ...]) -> Table:
    counts = Counter(resource.type for resource in resources if resource.custom)
    table = Table(title="Resources by type", show_footer=True)
    table.add_column("type", footer="total")
    table.add_column("count", justify="right", footer=str(sum(counts.values())))
    for kind, count in sorted(counts.items()):
        table.add_row(kind, str(count))
    return table


def print_plan(document: dict[str, Any], console: Console) -> None:
    resources = read_document(document, source="the plan", sha256="").resources
    console.print(plan_tree(resources))
    console.print(type_counts_table(resources))
