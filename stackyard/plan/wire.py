"""Turning what the SDK sends the engine (protobuf Structs in wire form) into plan JSON.

The plan uses the representation `pulumi preview --json` prints: unknown values are Pulumi's
unknown sentinel, secret values never appear (they become "[secret]" and their paths are
listed), resource references become URNs, whole numbers are integers.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format, struct_pb2

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET = "[secret]"
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"


def struct_to_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    converted: dict[str, Any] = json_format.MessageToDict(struct)
    return converted


def to_plan_value(
    value: Any, path: str, secret_paths: list[str], references: dict[str, str] | None = None
) -> Any:
    """Plan form of one wire value; `secret_paths` collects where secrets were redacted, and
    `references` the resources passed as objects (path -> URN)."""
    if isinstance(value, dict):
        signature = value.get(SIG_KEY)
        if signature == SECRET_SIG:
            secret_paths.append(path)
            return SECRET
        if signature == RESOURCE_SIG:
            # Providers take no resource references: the engine passes a custom resource's ID
            # (unknown until it exists) and a component's URN.
            urn = value.get("urn", UNKNOWN)
            if references is not None:
                references[path] = urn
            return value.get("id", urn)
        if signature == OUTPUT_SIG:
            if value.get("secret"):
                secret_paths.append(path)
                return SECRET
            return to_plan_value(value.get("value", UNKNOWN), path, secret_paths, references)
        if signature is not None:
            # Assets and archives: keep their identity (path, hash), drop inline text of secrets.
            return {key: to_plan_value(item, f"{path}.{key}", secret_paths) for key, item in value.items()}
        return {
            key: to_plan_value(item, f"{path}.{key}", secret_paths, references) for key, item in value.items()
        }
    if isinstance(value, list):
        return [
            to_plan_value(item, f"{path}[{index}]", secret_paths, references) for index, item in enumerate(value)
        ]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def contains_unknown(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknown(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_unknown(item) for item in value)
    return False
