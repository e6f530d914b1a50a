"""Reading the resource properties the rules share: wire-form values, regions and ARNs, tags and
environments, instance families (IAM policy documents are read by `iam_documents`).

Nothing here imports Pulumi. Resource properties arrive as the policy SDK hands them over:
mappings and sequences that are *not* `dict`/`list` (proxies that raise on unknown values), so
every check here is against `Mapping`/`Sequence`, and strings are never treated as sequences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

ENVIRONMENT_TAG = "environment"
ENVIRONMENTS = ("dev", "staging", "prod")


def is_mapping(value: Any) -> bool:
    return isinstance(value, Mapping)


def as_list(value: Any) -> list[Any]:
    """A value that may be one item or a list of items (IAM `Action`, `Resource`, `Principal` members)."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [value]
    return list(value)


def get_path(props: Any, path: str, default: Any = None) -> Any:
    """The value at a dotted path of nested mappings (`vpcConfig.endpointPublicAccess`), or `default`
    when a step is missing or not a mapping. Unknown values still raise, through the SDK's proxy."""
    current = props
    for step in path.split("."):
        if not isinstance(current, Mapping) or step not in current:
            return default
        current = current[step]
    return default if current is None else current


def first(value: Any) -> Any:
    """The single item of a max-one block, whether the provider sends it as an object or a one-item list."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return value[0] if len(value) else None
    return value


# --- regions -------------------------------------------------------------------------------------


def resource_region(props: Mapping[str, Any], provider_props: Mapping[str, Any] | None) -> str | None:
    """Where a resource lives: its own `region` input (pulumi-aws v7 has one on every regional
    resource) else its provider's `region`. None when neither says."""
    own = props.get("region") if "region" in props else None
    if own:
        return str(own)
    if provider_props is not None and "region" in provider_props and provider_props["region"]:
        return str(provider_props["region"])
    return None


_REGIONAL_ARN = re.compile(r"^arn:(?P<partition>[\w-]+):(?P<service>[\w-]+):(?P<region>[a-z0-9-]*):")


def arn_region(arn: str) -> str | None:
    """The region field of an ARN; None when the ARN has none (S3 buckets, IAM) or is no ARN."""
    match = _REGIONAL_ARN.match(arn)
    return match.group("region") or None if match else None


def arn_account(arn: str) -> str | None:
    parts = arn.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and re.fullmatch(r"\d{12}", parts[4]):
        return parts[4]
    return None


# --- tags ----------------------------------------------------------------------------------------


class _UnknownValue:
    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN_VALUE: Any = _UnknownValue()
"""Stands for a value unknown at preview in a mapping read value by value (a tag whose value is an
Output), so the other entries stay usable."""


def effective_tags(own: Mapping[str, Any] | None, defaults: Mapping[str, Any] | None) -> dict[str, Any]:
    """A resource's tags as AWS will see them: the provider's default tags under its own."""
    return {**(defaults or {}), **(own or {})}


def missing_tags(tags: Mapping[str, Any], required: Iterable[str]) -> list[str]:
    """Required tag keys that are absent or blank (a tag whose value is unknown is not missing)."""
    return [
        key for key in required if tags.get(key) is not UNKNOWN_VALUE and not str(tags.get(key) or "").strip()
    ]


def unknown_tags(tags: Mapping[str, Any], required: Iterable[str]) -> list[str]:
    """Required tag keys whose values are unknown at preview."""
    return [key for key in required if tags.get(key) is UNKNOWN_VALUE]


def environment_of(configured: str | None, tags: Mapping[str, Any]) -> Any:
    """The environment a resource belongs to: the policy config's `environment` when set, else the
    resource's `environment` tag; None when neither says, `UNKNOWN_VALUE` when the tag is unknown."""
    if configured:
        return configured
    tagged = tags.get(ENVIRONMENT_TAG)
    if tagged is UNKNOWN_VALUE:
        return UNKNOWN_VALUE
    return str(tagged) if tagged else None


# --- instance types ------------------------------------------------------------------------------

_GPU_FAMILY = re.compile(r"^(?:g|gr|p)\d")
"""EC2 families with GPUs start with g, gr or p and a generation digit (g5, g6e, gr6, p4d, p5en,
p6-b200): botocore's instance-type enum has no other families that do."""


def instance_family(instance_type: str) -> str:
    """`g5` from `g5.xlarge` and from SageMaker's `ml.g5.xlarge`."""
    parts = instance_type.split(".")
    if parts[0] == "ml" and len(parts) > 1:
        parts = parts[1:]
    return parts[0]


def is_gpu_family(family: str) -> bool:
    return bool(_GPU_FAMILY.match(family))


def is_gpu_instance(instance_type: str) -> bool:
    return is_gpu_family(instance_family(instance_type))
