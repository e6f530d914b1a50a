"""Comparing two Pulumi documents (plans, previews, or a `pulumi stack export` as the old side):
what is added, removed, changed and replaced, and which changes lose data.

The comparison follows the engine's semantics for what a preview cannot know:

- an input unknown on the new side is unchanged when the resources it comes from (its property
  dependencies) are unchanged and not replaced; when one of them is replaced or new, the input
  "may change", and the row says from what and why;
- a secret compares equal to a secret (stackyard never has either value) unless its source changed;
- known values are compared in normal form (1 equals 1.0, key order and JSON spacing never matter,
  assets and archives compare by hash);
- an input the provider defaulted (`__defaults`) on one side and the program leaves out on the
  other is unchanged: the provider fills it in again.

Offline there is no provider to say which changes replace a resource, so stackyard keeps its own
table for the types whose replacement loses data (`stackyard.stateful`); a preview's own `replace`
steps are trusted as well. A dependency that is replaced or new makes its dependents' inputs "may
change"; when such an input forces the replacement of a stateful resource, the row names the chain.
A resource renamed with an alias is paired with its old URN instead of showing as removed and added.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any

from stackyard.pulumi_documents import (
    ARCHIVE_SIG,
    ASSET_SIG,
    UNKNOWN,
    Document,
    Resolution,
    Resource,
    is_secret,
    normalized,
    signature,
)
from stackyard.stateful import DATA_LOSS_TYPES, REPLACEMENTS

KINDS = ("replace", "remove", "change", "add")
CHANGED = "changed"
MAY_CHANGE = "may change"
ABSENT = "(absent)"


@dataclass(frozen=True)
class PropertyChange:
    path: str
    old: str
    new: str
    status: str
    """`changed`, or `may change` when the new value is not known at preview."""
    cause: str = ""
    """Why a value may change: the replaced or new resource it comes from."""
    replaces: bool = False
    """The provider replaces the resource when this input changes."""

    def describe(self) -> str:
        text = f"{self.path}: {self.old} -> {self.new}"
        if self.status == MAY_CHANGE:
            text = f"{self.path}: may change (from {self.old}{', ' + self.cause if self.cause else ''})"
        return text + (" [replaces]" if self.replaces else "")


@dataclass
class ResourceChange:
    urn: str
    type: str
    kind: str
    """'add', 'remove', 'change' or 'replace'."""
    properties: list[PropertyChange] = field(default_factory=list)
    loses_data: bool = False
    reason: str = ""
    """Why the resource is replaced (naming the chain of replaced resources) or removed."""
    old_urn: str = ""
    """The URN it had before, when an alias paired it with a different one."""

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass
class PlanDiff:
    old_source: str
    new_source: str
    changes: list[ResourceChange]
    resolutions: dict[str, list[Resolution]] = field(default_factory=dict)
    """Per resource URN, the inputs unknown at preview that the deployed state resolves."""

    @property
    def data_loss(self) -> list[ResourceChange]:
        return [change for change in self.changes if change.loses_data]

    def of_kind(self, kind: str) -> list[ResourceChange]:
        return [change for change in self.changes if change.kind == kind]

    @property
    def resolved(self) -> int:
        return sum(len(found) for found in self.resolutions.values())

    def counts(self) -> dict[str, int]:
        return {kind: len(self.of_kind(kind)) for kind in ("add", "change", "replace", "remove")}


def display(value: Any, limit: int = 60) -> str:
    """A short, secret-free rendering of a wire value for a diff row."""
    if value is _MISSING:
        return ABSENT
    if value == UNKNOWN:
        return "(unknown)"
    if is_secret(value):
        return "[secret]"
    kind = signature(value)
    if kind in (ASSET_SIG, ARCHIVE_SIG):
        digest = str(value.get("hash") or "")[:12]
        return f"{'asset' if kind == ASSET_SIG else 'archive'} {digest}".strip()
    text = json.dumps(normalized(value), sort_keys=True, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 3] + "..."


_MISSING: Any = object()


def _canonical(value: Any) -> str:
    return json.dumps(normalized(value), sort_keys=True, separators=(",", ":"))


def _opaque(value: Any) -> bool:
    """A value the new side cannot know: unknown, or a secret."""
    return value == UNKNOWN or is_secret(value)


def _compare(old: Any, new: Any, path: str, cause: str) -> list[PropertyChange]:
    if _opaque(new):
        if cause:
            return [PropertyChange(path, display(old), display(new), MAY_CHANGE, cause)]
        if _opaque(old) or not is_secret(new):
            return []  # what it comes from is unchanged, so it is too
        return [PropertyChange(path, display(old), display(new), MAY_CHANGE, "now a secret")]
    if _opaque(old):
        was = "was a secret" if is_secret(old) else "was not known"
        return [PropertyChange(path, display(old), display(new), MAY_CHANGE, was)]
    if isinstance(old, dict) and isinstance(new, dict) and signature(old) is None and signature(new) is None:
        changes: list[PropertyChange] = []
        for key in sorted(set(old) | set(new)):
            changes += _compare(old.get(key, _MISSING), new.get(key, _MISSING), f"{path}.{key}", cause)
        return changes
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        changes = []
        for index, (before, after) in enumerate(zip(old, new, strict=True)):
            changes += _compare(before, after, f"{path}[{index}]", cause)
        return changes
    if old is _MISSING or new is _MISSING or _canonical(old) != _canonical(new):
        return [PropertyChange(path, display(old), display(new), CHANGED)]
    return []


def _ignored(path: str, ignore_changes: tuple[str, ...]) -> bool:
    return any(
        path == ignored or path.startswith((f"{ignored}.", f"{ignored}[")) for ignored in ignore_changes
    )


class _Differ:
    def __init__(self, old: Document, new: Document) -> None:
        self.old_doc = old
        self.old = {r.urn: r for r in old.resources if not r.is_provider}
        self.new = {r.urn: r for r in new.resources if not r.is_provider}
        self.pairs: dict[str, Resource] = {urn: self.old[urn] for urn in self.new if urn in self.old}
        taken = set(self.pairs)
        for urn, resource in self.new.items():
            if urn in self.pairs:
                continue
            alias = next((a for a in resource.aliases if a in self.old and a not in taken), None)
            if alias is not None:
                self.pairs[urn] = self.old[alias]
                taken.add(alias)
        self.outcomes: dict[str, ResourceChange | None] = {}
        self.resolutions: dict[str, list[Resolution]] = {}

    def run(self) -> list[ResourceChange]:
        for urn in self._dependencies_first():
            self.outcomes[urn] = self._outcome(self.new[urn])
        paired = {old.urn for old in self.pairs.values()}
        changes = [change for change in self.outcomes.values() if change is not None]
        for urn, old in self.old.items():
            if urn not in paired:
                loses = old.type in DATA_LOSS_TYPES and not old.retain_on_delete
                reason = "removed from the program" if loses else ""
                changes.append(ResourceChange(urn, old.type, "remove", loses_data=loses, reason=reason))
        return sorted(changes, key=lambda c: (not c.loses_data, KINDS.index(c.kind), c.urn))

    def _dependencies_first(self) -> list[str]:
        graph = {
            urn: {dep for deps in r.property_dependencies.values() for dep in deps if dep in self.new}
            for urn, r in self.new.items()
        }
        try:
            return list(TopologicalSorter(graph).static_order())
        except CycleError:  # the engine rejects cycles; read such a document in its own order
            return list(self.new)

    def _cause(self, dependency: str) -> str:
        """Why a value that comes from `dependency` may change ("" when it will not)."""
        change = self.outcomes.get(dependency)
        if change is None:
            return ""
        if change.kind == "add":
            return f"{change.name} is new"
        if change.kind == "replace":
            return f"{change.name} replaced: {change.reason}"
        return ""

    def _outcome(self, resource: Resource) -> ResourceChange | None:
        old = self.pairs.get(resource.urn)
        if old is None:
            return ResourceChange(resource.urn, resource.type, "add")
        replacement = REPLACEMENTS.get(resource.type)
        properties: list[PropertyChange] = []
        for key in sorted(set(old.inputs) | set(resource.inputs)):
            if _ignored(key, resource.ignore_changes):
                continue
            if key not in resource.inputs and key in old.defaults:
                continue  # the provider fills it in again
            if key not in old.inputs and key in resource.defaults:
                continue
            dependencies = resource.property_dependencies.get(key, [])
            cause = next((c for c in map(self._cause, dependencies) if c), "")
            before, after = old.inputs.get(key, _MISSING), resource.inputs.get(key, _MISSING)
            if not cause and after == UNKNOWN:
                resolution = self._resolve(key, before, dependencies)
                if resolution is not None:
                    self.resolutions.setdefault(resource.urn, []).append(resolution)
            for change in _compare(before, after, key, cause):
                if _ignored(change.path, resource.ignore_changes):
                    continue
                forces = replacement is not None and replacement.forcing_path(change.path) is not None
                properties.append(
                    PropertyChange(change.path, change.old, change.new, change.status, change.cause, forces)
                )
        renamed = old.urn if old.urn != resource.urn else ""
        replacing = next((p for p in properties if p.replaces), None)
        if replacing is not None or resource.op == "replace":
            reason = (
                f"{replacing.path} {replacing.status}" + (f" ({replacing.cause})" if replacing.cause else "")
                if replacing is not None
                else "the preview replaces it"
            )
            return ResourceChange(
                resource.urn,
                resource.type,
                "replace",
                properties,
                loses_data=resource.type in DATA_LOSS_TYPES,
                reason=reason,
                old_urn=renamed,
            )
        if properties or renamed:
            reason = f"renamed from {old.name} (alias)" if renamed else ""
            return ResourceChange(
                resource.urn, resource.type, "change", properties, reason=reason, old_urn=renamed
            )
        return None

    def _resolve(self, key: str, before: Any, dependencies: list[str]) -> Resolution | None:
        """The deployed value of an input unknown at preview: the old input, when it is an output
        (an ID, an ARN, a name) of a deployed dependency that stays."""
        if self.old_doc.kind != "export" or not isinstance(before, str):
            return None
        for dependency in dependencies:
            source = self.pairs.get(dependency)
            if source is None:
                continue
            outputs = [source.id, *(v for v in (source.outputs or {}).values() if isinstance(v, str))]
            if before in outputs:
                return Resolution(key, dependency, source.type, before)
        return None


def diff_documents(old: Document, new: Document) -> PlanDiff:
    differ = _Differ(old, new)
    changes = differ.run()
    return PlanDiff(old.source, new.source, changes, differ.resolutions)
