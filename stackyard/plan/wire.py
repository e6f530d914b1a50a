"""Turning what the SDK sends the engine (protobuf Structs in wire form) into plan JSON.

The plan uses the representation `pulumi preview --json` prints: unknown values are Pulumi's
unknown sentinel, secret values never appear (they become "[secret]" and their paths are
listed), resource references become URNs, whole numbers are integers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from google.protobuf import struct_pb2

from stackyard.plan.placeholders import TOKEN_PREFIX
from stackyard.pulumi_documents import OUTPUT_SIG, RESOURCE_SIG, SECRET_SIG, signature
from stackyard.pulumi_documents import SECRET_PLACEHOLDER as SECRET
from stackyard.pulumi_documents import UNKNOWN as UNKNOWN
from stackyard.pulumi_documents import contains_unknown as contains_unknown


def struct_to_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    """What `json_format.MessageToDict(struct)` gives, read straight from the message's fields:
    the generic converter looks up each value's field descriptor, which costs more than the rest
    of recording a registration."""
    return {key: _json_value(value) for key, value in struct.fields.items()}


def _json_value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        number = value.number_value
        if math.isinf(number) or math.isnan(number):
            # JSON has neither: json_format refuses them the same way.
            name = "NaN" if math.isnan(number) else "Infinity"
            raise ValueError(
                f"Fail to serialize {name} for Value.number_value, which would parse as string_value"
            )
        return number
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return struct_to_dict(value.struct_value)
    if kind == "list_value":
        return [_json_value(item) for item in value.list_value.values]
    return None  # null_value, or a value never set (json_format reads both as null)


def to_plan_value(
    value: Any,
    path: str,
    secret_paths: list[str],
    references: dict[str, str] | None = None,
    templates: dict[str, str] | None = None,
    template: Callable[[str], str] | None = None,
) -> Any:
    """Plan form of one wire value; `secret_paths` collects where secrets were redacted,
    `references` the resources passed as objects (path -> URN), and `templates` the strings built
    from placeholder outputs (path -> `template(string)`), which are unknown in the plan."""
    if isinstance(value, str):
        if templates is not None and template is not None and TOKEN_PREFIX in value:
            templates[path] = template(value)
            return UNKNOWN
        return value
    if isinstance(value, dict):
        kind = signature(value)
        if kind == SECRET_SIG:
            secret_paths.append(path)
            return SECRET
        if kind == RESOURCE_SIG:
            # Providers take no resource references: the engine passes a custom resource's ID
            # (unknown until it exists) and a component's URN.
            urn = value.get("urn", UNKNOWN)
            if references is not None:
                references[path] = urn
            return to_plan_value(value.get("id", urn), path, secret_paths, None, templates, template)
        if kind == OUTPUT_SIG:
            if value.get("secret"):
                secret_paths.append(path)
                return SECRET
            return to_plan_value(value.get("value", UNKNOWN), path, secret_paths, references, templates, template)
        if kind is not None:
            # Assets and archives keep their identity (path, hash); a secret inside is redacted.
            return {key: to_plan_value(item, f"{path}.{key}", secret_paths) for key, item in value.items()}
        return {
            key: to_plan_value(item, f"{path}.{key}", secret_paths, references, templates, template)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [
            to_plan_value(item, f"{path}[{index}]", secret_paths, references, templates, template)
            for index, item in enumerate(value)
        ]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def alias_urns(request: Any, make_urn: Callable[[str, str, str], str]) -> list[str]:
    """The old URNs of a `RegisterResource` request, as the engine resolves them: each alias is a
    URN, or a spec whose blank name, type and parent mean the resource's own (`noParent`: none).
    Older SDKs send resolved URNs in `aliasURNs` instead."""
    urns: list[str] = list(request.aliasURNs)
    for alias in request.aliases:
        if alias.HasField("urn"):
            urns.append(alias.urn)
            continue
        spec = alias.spec
        parent = "" if spec.noParent else spec.parentUrn or request.parent
        urn = make_urn(parent, spec.type or request.type, spec.name or request.name)
        stack, project, rest = urn.removeprefix("urn:pulumi:").split("::", 2)
        urns.append(f"urn:pulumi:{spec.stack or stack}::{spec.project or project}::{rest}")
    return sorted(set(urns))
