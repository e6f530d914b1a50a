"""Comparing two plans: what is added, removed and changed, and which changes lose data.

Offline there is no provider to say which property changes force a replacement, so stackyard
keeps its own table for the stateful types it cares about (those whose replacement deletes
data). A renamed or re-parented resource has a new URN: it shows as removed and added, and a
stateful one removed is flagged as losing its data (unless an alias keeps it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stackyard.plan.document import PROVIDER_TYPE_PREFIX, resources_of
from stackyard.plan.wire import UNKNOWN
from stackyard.stateful import STATEFUL_REPLACE_ON, STATEFUL_TYPES


@dataclass
class ResourceChange:
    urn: str
    type: str
    kind: str
    """'add', 'remove', 'change' or 'replace'."""
    properties: list[str] = field(default_factory=list)
    loses_data: bool = False


@dataclass
class PlanDiff:
    changes: list[ResourceChange]

    @property
    def data_loss(self) -> list[ResourceChange]:
        return [change for change in self.changes if change.loses_data]

    def of_kind(self, kind: str) -> list[ResourceChange]:
        return [change for change in self.changes if change.kind == kind]


def changed_properties(old: Any, new: Any, path: str = "") -> list[str]:
    """Dotted paths of the inputs that differ (an unknown new value counts as a change)."""
    if isinstance(old, dict) and isinstance(new, dict):
        paths: list[str] = []
        for key in sorted(set(old) | set(new)):
            if key == "__defaults":
                continue
            child = f"{path}.{key}" if path else key
            paths += changed_properties(old.get(key), new.get(key), child)
        return paths
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        paths = []
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            paths += changed_properties(a, b, f"{path}[{index}]")
        return paths
    if old != new or new == UNKNOWN:
        return [path or "(value)"]
    return []


def is_stateful(type_token: str) -> bool:
    return type_token in STATEFUL_TYPES


def _forces_replacement(type_token: str, properties: list[str]) -> bool:
    triggers = STATEFUL_REPLACE_ON.get(type_token)
    if not triggers:
        return False
    return any(prop.split(".")[0].split("[")[0] in triggers for prop in properties)


def diff_plans(old_document: dict[str, Any], new_document: dict[str, Any]) -> PlanDiff:
    def index(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {
            state["urn"]: state
            for state in resources_of(document)
            if not state["type"].startswith(PROVIDER_TYPE_PREFIX)
        }

    old, new = index(old_document), index(new_document)
    changes: list[ResourceChange] = []
    for urn in sorted(set(old) | set(new)):
        before, after = old.get(urn), new.get(urn)
        if before is None and after is not None:
            changes.append(ResourceChange(urn, after["type"], "add"))
        elif after is None and before is not None:
            changes.append(
                ResourceChange(urn, before["type"], "remove", loses_data=is_stateful(before["type"]))
            )
        elif before is not None and after is not None:
            properties = changed_properties(before.get("inputs", {}), after.get("inputs", {}))
            if not properties:
                continue
            kind_of_change = "replace" if _forces_replacement(after["type"], properties) else "change"
            changes.append(
                ResourceChange(
                    urn, after["type"], kind_of_change, properties, loses_data=kind_of_change == "replace"
                )
            )
    return PlanDiff(changes)
