"""Drift between a `pulumi stack export` and the live account.

A live resource is managed when the export holds a resource of the same type with the same
physical ID (`id`). Then:

- unmanaged: live resources of an audited type that no exported resource matches;
- missing: exported resources of an audited type that are not live (deleted outside Pulumi);
- changed: a property whose live value differs from the value the export recorded (its outputs,
  which are the provider's last-read state, else its inputs). Only properties the audit reads are
  compared, and inside objects only the members it reads: a member the export does not record is
  not a difference. Policy documents are compared as parsed JSON, and live tags against `tagsAll`
  (tags from the provider's default tags included) when the export has it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from stackyard.audit.readers import LiveResource

_ABSENT = object()


@dataclass(frozen=True)
class Change:
    urn: str
    path: str
    recorded: Any
    live: Any


@dataclass(frozen=True)
class Drift:
    unmanaged: tuple[LiveResource, ...]
    missing: tuple[str, ...]
    """URNs of exported resources that are not live."""
    changed: tuple[Change, ...]

    @property
    def any(self) -> bool:
        return bool(self.unmanaged or self.missing or self.changed)


@dataclass(frozen=True)
class ExportedResource:
    urn: str
    type: str
    id: str
    recorded: dict[str, Any]
    protect: bool


def exported_resources(document: dict[str, Any]) -> list[ExportedResource]:
    """The custom resources of a `pulumi stack export` (version 3), with what each recorded."""
    found = []
    for state in document["deployment"]["resources"]:
        if not state.get("custom") or state.get("delete") or not state.get("id"):
            continue
        recorded = {**(state.get("inputs") or {}), **(state.get("outputs") or {})}
        found.append(
            ExportedResource(
                urn=str(state["urn"]),
                type=str(state["type"]),
                id=str(state["id"]),
                recorded=recorded,
                protect=bool(state.get("protect", False)),
            )
        )
    return found


def match(
    live: Iterable[LiveResource], exported: Iterable[ExportedResource]
) -> dict[tuple[str, str], ExportedResource]:
    """(type, id) of each live resource -> the exported resource it is."""
    by_key = {(e.type, e.id): e for e in exported}
    return {(r.type, r.id): by_key[(r.type, r.id)] for r in live if (r.type, r.id) in by_key}


def drift(live: list[LiveResource], exported: list[ExportedResource], audited_types: set[str]) -> Drift:
    matched = match(live, exported)
    unmanaged = tuple(r for r in live if (r.type, r.id) not in matched)
    live_keys = {(r.type, r.id) for r in live}
    missing = tuple(e.urn for e in exported if e.type in audited_types and (e.type, e.id) not in live_keys)
    changed: list[Change] = []
    for resource in live:
        managed = matched.get((resource.type, resource.id))
        if managed is None:
            continue
        for key, value in resource.inputs.items():
            recorded = managed.recorded.get("tagsAll", _ABSENT) if key == "tags" else _ABSENT
            if recorded is _ABSENT:
                recorded = managed.recorded.get(key, _ABSENT)
            if recorded is _ABSENT:
                continue
            if key == "tags":
                # Tags are one mapping: one removed outside Pulumi is as much a change as one added.
                if (recorded or {}) != (value or {}):
                    changed.append(Change(managed.urn, key, recorded, value))
                continue
            changed.extend(
                Change(managed.urn, path, old, new) for path, old, new in _differences(key, recorded, value)
            )
    return Drift(unmanaged, missing, tuple(changed))


def _normal(value: Any) -> Any:
    """A JSON document in a string, parsed (policies); numbers compared by value."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _differences(path: str, recorded: Any, live: Any) -> Iterator[tuple[str, Any, Any]]:
    recorded, live = _normal(recorded), _normal(live)
    if isinstance(live, dict) and isinstance(recorded, dict):
        for key, value in live.items():
            if key in recorded:
                yield from _differences(f"{path}.{key}", recorded[key], value)
        return
    if isinstance(live, list) and isinstance(recorded, list) and len(live) == len(recorded):
        for index, (old, new) in enumerate(zip(recorded, live, strict=True)):
            yield from _differences(f"{path}[{index}]", old, new)
        return
    if recorded != live and not (recorded in (None, "", [], {}) and live in (None, "", [], {})):
        yield path, recorded, live
