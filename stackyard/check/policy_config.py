"""Policy configuration: the `--config` file and its reconciliation with each pack's defaults.

The file has the shape of `pulumi preview --policy-pack-config`: an object whose keys are policy
names (or `all`) and whose values are an enforcement level or an object of properties with an
optional `enforcementLevel`. A key may be namespaced `pack:policy` to reach one pack only (the
engine's own syntax for namespaced policy config).

Reconciliation follows the engine (`ReconcilePolicyPackConfig` in pkg/resource/analyzer/config.go):
schema defaults, then the pack's initial config, then the file (`all` first, then per policy), then
validation of each policy's properties against its config schema.

Unlike the engine, a key or setting that no loaded pack has is an error (`check_names`), not ignored.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, RootModel

from stackyard.check.model import Enforcement
from stackyard.errors import UserError, did_you_mean
from stackyard.input_files import POLICY_CONFIG, parse_json, quoted, read_text, validate_shape

_LEVELS = {e.value for e in Enforcement}


@dataclass(frozen=True)
class PolicyConfig:
    enforcement: Enforcement | None
    properties: dict[str, Any]
    source: str | None = field(default=None, compare=False)
    """The file the entry came from (for messages); None for a pack's own defaults."""


def _level(value: Any) -> Enforcement:
    if not isinstance(value, str) or value not in _LEVELS:
        raise ValueError(f"{quoted(value)} is not an enforcement level ({', '.join(sorted(_LEVELS))})")
    return Enforcement(value)


def _entry(value: Any) -> tuple[Enforcement | None, dict[str, Any]]:
    if isinstance(value, str):
        return _level(value), {}
    if isinstance(value, dict):
        properties = dict(value)
        level = properties.pop("enforcementLevel", None)
        return (_level(level) if level is not None else None), properties
    raise ValueError(f"must be an enforcement level or an object, not {type(value).__name__}")


class _PolicyConfigFile(RootModel[dict[str, Annotated[Any, AfterValidator(_entry)]]]):
    """The `--config` file: policy name (or `all`, or `pack:policy`) -> a level or properties."""


def load_config_file(path: Path | None) -> dict[str, PolicyConfig]:
    """The entries of the `--config` file (none without a file), read through `stackyard.input_files`."""
    if path is None:
        return {}
    text = read_text(path, POLICY_CONFIG)
    if not text.strip():
        return {}
    raw = parse_json(text, str(path))
    if not isinstance(raw, dict):
        raise UserError(f"{path}: the policy config must be a JSON object of policy names")
    if "environments" in raw:
        raise UserError(f"{path}: `environments` (Pulumi ESC) cannot be resolved offline")
    entries = validate_shape(_PolicyConfigFile, raw, str(path), POLICY_CONFIG).root
    return {
        key: PolicyConfig(level, properties, source=str(path)) for key, (level, properties) in entries.items()
    }


def check_names(config: dict[str, PolicyConfig], infos: list[Any]) -> None:
    """Refuse entries of the `--config` file that reach nothing: a pack, rule or setting that no
    loaded pack (described by its `AnalyzerInfo`) has. A typo would otherwise leave the rule at its
    defaults without a word."""
    from google.protobuf import json_format

    settings: dict[str, dict[str, set[str]]] = {}
    """pack -> policy -> the settings its config schema declares."""
    for info in infos:
        settings[info.name] = {
            policy.name: set(json_format.MessageToDict(policy.configSchema.properties))
            for policy in info.policies
        }
    errors = []
    for key, entry in config.items():
        pack, _, rule = key.rpartition(":")
        if pack and pack not in settings:
            errors.append(f"{key!r}: no loaded pack is named {pack!r}{did_you_mean(pack, set(settings))}")
            continue
        reached = [pack] if pack else list(settings)
        rules = {r for p in reached for r in settings[p]}
        if rule == "all":
            continue
        if rule not in rules:
            where = f"pack {pack!r} has no rule" if pack else "no loaded pack has the rule"
            errors.append(f"{key!r}: {where} {rule!r}{did_you_mean(rule, rules)}")
            continue
        declared = {name for p in reached for name in settings[p].get(rule, ())}
        for name in entry.properties:
            if name not in declared:
                errors.append(f"{key!r}: {rule} has no setting {name!r}{did_you_mean(name, declared)}")
    if errors:
        source = next(iter(config.values())).source
        count = len(errors)
        raise UserError(
            f"{source}: {count} unknown name{'s' if count != 1 else ''} in the policy config:\n  "
            + "\n  ".join(errors)
        )


def for_pack(config: dict[str, PolicyConfig], pack: str) -> dict[str, PolicyConfig]:
    """The entries that reach `pack`: plain keys, and keys namespaced with its name."""
    result: dict[str, PolicyConfig] = {}
    for key, value in config.items():
        prefix, _, name = key.rpartition(":")
        if not prefix or prefix == pack:
            result[name] = value
    return result


def reconcile(info: Any, given: dict[str, PolicyConfig]) -> dict[str, PolicyConfig]:
    """The full config the engine would send to the pack described by `info` (an `AnalyzerInfo`)."""
    from google.protobuf import json_format

    result: dict[str, PolicyConfig] = {}
    for policy in info.policies:
        schema = json_format.MessageToDict(policy.configSchema.properties)
        defaults = {
            k: copy.deepcopy(v["default"])
            for k, v in schema.items()
            if isinstance(v, dict) and "default" in v
        }
        result[policy.name] = PolicyConfig(_from_proto_level(policy.enforcementLevel), defaults)
    initial = {
        name: PolicyConfig(_from_proto_level(c.enforcementLevel), json_format.MessageToDict(c.properties))
        for name, c in info.initialConfig.items()
    }
    for layer in (initial, given):
        if (every := layer.get("all")) is not None and every.enforcement is not None:
            result = {
                k: PolicyConfig(every.enforcement, v.properties, v.source or every.source)
                for k, v in result.items()
            }
        for name, entry in layer.items():
            if name == "all" and name not in result:
                continue
            current = result.get(name, PolicyConfig(None, {}))
            result[name] = PolicyConfig(
                entry.enforcement or current.enforcement,
                {**current.properties, **entry.properties},
                entry.source or current.source,
            )
    _validate(info, result)
    return result


def _validate(info: Any, config: dict[str, PolicyConfig]) -> None:
    import jsonschema
    from google.protobuf import json_format

    errors = []
    for policy in info.policies:
        properties = json_format.MessageToDict(policy.configSchema.properties)
        if not properties and not policy.configSchema.required:
            continue
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if policy.configSchema.required:
            schema["required"] = list(policy.configSchema.required)
        validator = jsonschema.Draft7Validator(schema)
        for error in validator.iter_errors(config[policy.name].properties):
            where = ".".join(str(p) for p in error.absolute_path)
            errors.append(f"{policy.name}{'.' + where if where else ''}: {error.message}")
    if errors:
        sources = sorted({entry.source for entry in config.values() if entry.source})
        origin = f" (from {', '.join(sources)})" if sources else " (its own defaults)"
        raise UserError(
            f"invalid policy config for pack {info.name!r}{origin}:\n  " + "\n  ".join(sorted(errors))
        )


def _from_proto_level(level: int) -> Enforcement:
    from pulumi.runtime.proto import analyzer_pb2

    return Enforcement(analyzer_pb2.EnforcementLevel.Name(level).lower())


def to_request(config: dict[str, PolicyConfig]) -> Any:
    from google.protobuf import struct_pb2
    from pulumi.runtime.proto import analyzer_pb2

    policies = {}
    for name, entry in config.items():
        properties = struct_pb2.Struct()
        properties.update(entry.properties)
        level = (entry.enforcement or Enforcement.ADVISORY).value.upper()
        policies[name] = analyzer_pb2.PolicyConfig(
            enforcementLevel=analyzer_pb2.EnforcementLevel.Value(level), properties=properties
        )
    return analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=policies)


def config_hash(config: dict[str, PolicyConfig]) -> str:
    """A stable hash of the effective configuration, for the evidence."""
    canonical = {
        name: {"enforcementLevel": entry.enforcement.value if entry.enforcement else None, **entry.properties}
        for name, entry in sorted(config.items())
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
