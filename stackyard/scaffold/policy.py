"""A project's policy config from one or more presets.

Pulumi takes one policy config file per pack, so presets that a project wants together are merged
into one: each rule gets the strictest enforcement level any of them gives it, and the settings of
the last preset that sets them (list the preset whose settings you want last: `strict`, then
`gdpr-eu` keeps the EU regions and the 365-day retention cap of `gdpr-eu`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from stackyard.errors import UserError

_STRICTNESS = {"disabled": 0, "remediate": 1, "advisory": 1, "mandatory": 2}


def _stricter(first: str, second: str) -> str:
    return second if _STRICTNESS.get(second, 0) > _STRICTNESS.get(first, 0) else first


def merge_presets(names: Sequence[str]) -> dict[str, Any]:
    from stackyard.policies.presets import PRESET_NAMES, load_preset

    if not names:
        raise UserError("name at least one preset")
    unknown = [name for name in names if name not in PRESET_NAMES]
    if unknown:
        raise UserError(f"no preset {', '.join(unknown)}; presets: {', '.join(PRESET_NAMES)}")
    merged: dict[str, Any] = {}
    for name in names:
        for rule, entry in load_preset(name).items():
            if rule not in merged:
                merged[rule] = dict(entry)
                continue
            level = _stricter(merged[rule]["enforcementLevel"], entry["enforcementLevel"])
            merged[rule] = {**merged[rule], **entry, "enforcementLevel": level}
    return merged


def render_policy_config(names: Sequence[str]) -> str:
    return json.dumps(merge_presets(names), indent=2) + "\n"
