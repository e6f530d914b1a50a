"""Presets: ready `--policy-pack-config` files a team picks for the stackyard pack.

- `baseline`: every rule on; critical and high rules mandatory, the rest advisory.
- `strict`: every rule mandatory, for production.
- `gdpr-eu`: residency in the EU regions (from botocore's endpoint data), 365-day maximum offline feature
  retention (GDPR storage limitation); rules that evidence a GDPR article mandatory, the rest advisory.

Pulumi's policy config is per policy, so each file lists every rule with its enforcement level and all
of its settings. The JSON files are generated from this module (`python -m stackyard.policies.presets`)
and a test checks they are up to date. Use one with
`pulumi preview --policy-pack policies --policy-pack-config policies/presets/strict.json`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

PRESET_DIR = Path(__file__).resolve().parent
PRESET_NAMES = ("baseline", "strict", "gdpr-eu")
GDPR_MAX_OFFLINE_RETENTION_DAYS = 365


def _eu_regions() -> list[str]:
    from stackyard.spec.aws import known_regions

    return sorted(region for region in known_regions() if region.startswith("eu-"))


def _levels_and_settings(level: Callable[[Any], str], overrides: Mapping[str, Any]) -> dict[str, Any]:
    from stackyard.policies.catalog import all_rules

    config: dict[str, Any] = {}
    for rule in all_rules():
        settings = rule.resolve_config({k: v for k, v in overrides.items() if k in rule.settings})
        config[rule.id] = {"enforcementLevel": level(rule), **settings}
    return config


def build_preset(name: str) -> dict[str, Any]:
    """The configuration a preset stands for, computed from the catalog."""
    if name == "baseline":
        return _levels_and_settings(
            lambda rule: "mandatory" if rule.severity in ("critical", "high") else "advisory", {}
        )
    if name == "strict":
        return _levels_and_settings(lambda rule: "mandatory", {})
    if name == "gdpr-eu":
        return _levels_and_settings(
            lambda rule: "mandatory" if "gdpr" in rule.frameworks else "advisory",
            {"allowedRegions": _eu_regions(), "maxOfflineRetentionDays": GDPR_MAX_OFFLINE_RETENTION_DAYS},
        )
    raise KeyError(f"no preset '{name}'; presets: {', '.join(PRESET_NAMES)}")


def preset_path(name: str) -> Path:
    if name not in PRESET_NAMES:
        raise KeyError(f"no preset '{name}'; presets: {', '.join(PRESET_NAMES)}")
    return PRESET_DIR / f"{name}.json"


def load_preset(name: str) -> dict[str, Any]:
    """A preset as shipped: the parsed `--policy-pack-config` file."""
    loaded: dict[str, Any] = json.loads(preset_path(name).read_text(encoding="utf-8"))
    return loaded


def render_preset(name: str) -> str:
    return json.dumps(build_preset(name), indent=2) + "\n"


def write_presets() -> None:
    for name in PRESET_NAMES:
        preset_path(name).write_text(render_preset(name), encoding="utf-8")
