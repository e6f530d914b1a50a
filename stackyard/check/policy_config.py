"""Policy configuration: the `--config` file and its reconciliation with each pack's defaults.

The file has the shape of `pulumi preview --policy-pack-config`: an object whose keys are policy
names (or `all`) and whose values are an enforcement level or an object of properties with an
optional `enforcementLevel`. A key may be namespaced `pack:policy` to reach one pack only (the
engine's own syntax for namespaced policy config).

Reconciliation follows the engine (`ReconcilePolicyPackConfig` in pkg/resource/analyzer/config.go):
schema defaults, then the pack's initial config, then the file (`all` first, then per policy), then
validation of each policy's properties against its config schema.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stackyard.check.model import Enforcement
from stackyard.errors import UserError

_LEVELS = {e.value for e in Enforcement}


@dataclass(frozen=True)
class PolicyConfig:
    enforcement: Enforcement | None
    properties: dict[str, Any]


def load_config_file(path: Path | None) -> dict[str, PolicyConfig]:
    if path is None:
        return {}
    try:
        text = path.read_text()
    except OSError as e:
        raise UserError(f"{path}: cannot read the policy config: {e.strerror}") from e
    if not text.strip():
        return {}
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise UserError(f"{path}: line {e.lineno}: not valid JSON: {e.msg}") from e
    if not isinstance(raw, dict):
        raise UserError(f"{path}: the policy config must be a JSON object of policy names")
    if "environments" in raw:
        raise UserError(f"{path}: `environments` (Pulumi ESC) cannot be resolved offline")
    return {str(key): _parse_entry(path, str(key), value) for key, value in raw.items()}


def _parse_entry(path: Path, key: str, value: Any) -> PolicyConfig:
    if isinstance(value, str):
        return PolicyConfig(_level(path, key, value), {})
    if isinstance(value, dict):
        properties = dict(value)
        level = properties.pop("enforcementLevel", None)
        return PolicyConfig(_level(path, key, level) if level is not None else None, properties)
    raise UserError(f"{path}: {key}: must be an enforcement level or an object, not {type(value).__name__}")


def _level(path: Path, key: str, value: Any) -> Enforcement:
    if not isinstance(value, str) or value not in _LEVELS:
        raise UserError(
            f"{path}: {key}: {value!r} is not an enforcement level ({', '.join(sorted(_LEVELS))})"
        )
    return Enforcement(value)


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
            result = {k: PolicyConfig(every.enforcement, v.properties) for k, v in result.items()}
        for name, entry in layer.items():
            if name == "all" and name not in result:
                continue
            current = result.get(name, PolicyConfig(None, {}))
            result[name] = PolicyConfig(
                entry.enforcement or current.enforcement, {**current.properties, **entry.properties}
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
        raise UserError(f"invalid policy config for pack {info.name!r}:\n  " + "\n  ".join(sorted(errors)))


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
