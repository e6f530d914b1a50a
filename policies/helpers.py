"""Pure helpers the rules share: reading wire-form properties, regions, tags, IAM policy documents,
instance families.

Nothing here imports Pulumi. Resource properties arrive as the policy SDK hands them over:
mappings and sequences that are *not* `dict`/`list` (proxies that raise on unknown values), so
every check here is against `Mapping`/`Sequence`, and strings are never treated as sequences.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
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


# --- IAM policy documents ------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[Any, ...]
    """ARN patterns; `UNKNOWN_VALUE` for one unknown at preview."""
    principals: Mapping[str, tuple[str, ...]]
    """Principal type ('AWS', 'Service', 'Federated', 'CanonicalUser', '*') -> values."""
    conditions: Mapping[str, Mapping[str, tuple[str, ...]]]
    """Operator -> condition key -> values."""
    sid: str = ""

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    def condition_values(self, operator_suffix: str, key: str) -> tuple[str, ...]:
        """Values of a condition key under any operator ending with `operator_suffix` (so `Bool` and
        `ForAnyValue:Bool` alike), keys compared case-insensitively as IAM does."""
        found: list[str] = []
        for operator, keys in self.conditions.items():
            if not operator.endswith(operator_suffix):
                continue
            for condition_key, values in keys.items():
                if condition_key.lower() == key.lower():
                    found.extend(values)
        return tuple(found)

    def condition_keys(self) -> set[str]:
        return {key.lower() for keys in self.conditions.values() for key in keys}


class PolicyDocumentError(ValueError):
    """A policy document that is not valid JSON or not an IAM document."""


class UnknownPolicyPart(Exception):
    """A part of a policy document that decides what it grants (Effect, Action, Principal,
    Condition) is unknown at preview; the message is the part's path."""


def contains_unknown(value: Any) -> bool:
    if value is UNKNOWN_VALUE:
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(item) for item in value.values())
    if isinstance(value, Sequence) and not isinstance(value, str):
        return any(contains_unknown(item) for item in value)
    return False


_DECIDING_FIELDS = ("Effect", "Action", "NotAction", "Principal", "NotPrincipal", "Condition")
"""Statement fields without which no rule can tell what a statement grants. `Resource` is not one:
a document built as an object may name resources by ARNs that are unknown at preview (the stack's
own bucket or key), which leaves what it allows, and to whom, known."""


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in as_list(value))


def _resources(value: Any) -> tuple[Any, ...]:
    """Resource ARNs; one unknown at preview stays `UNKNOWN_VALUE`, never a made-up string."""
    return tuple(item if item is UNKNOWN_VALUE else str(item) for item in as_list(value))


def _principals(value: Any) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {"*": ("*",)} if value == "*" else {"AWS": (value,)}
    if isinstance(value, Mapping):
        return {str(kind): _strings(members) for kind, members in value.items()}
    raise PolicyDocumentError(f"Principal must be a string or an object, not {type(value).__name__}")


def parse_policy(document: Any) -> list[Statement]:
    """The statements of an IAM policy document given as a JSON string or as a mapping (pulumi-aws
    accepts both), with every one-or-many field normalised to a tuple. A mapping may hold
    `UNKNOWN_VALUE` leaves (read with `catalog.known_tree`): in `Resource` they are kept, in a
    field that decides what the statement grants they raise `UnknownPolicyPart`."""
    if document is None or document == "":
        return []
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as exc:
            raise PolicyDocumentError(f"policy is not valid JSON: {exc.msg}") from exc
    if not isinstance(document, Mapping):
        raise PolicyDocumentError("policy must be a JSON object")
    if document.get("Statement") is UNKNOWN_VALUE:
        raise UnknownPolicyPart("Statement")
    statements = as_list(document.get("Statement"))
    parsed = []
    for index, raw in enumerate(statements):
        if raw is UNKNOWN_VALUE:
            raise UnknownPolicyPart(f"Statement[{index}]")
        if not isinstance(raw, Mapping):
            raise PolicyDocumentError("each Statement must be an object")
        for field in _DECIDING_FIELDS:
            if contains_unknown(raw.get(field)):
                raise UnknownPolicyPart(f"Statement[{index}].{field}")
        conditions = {
            str(operator): {str(key): _strings(values) for key, values in dict(keys).items()}
            for operator, keys in dict(raw.get("Condition") or {}).items()
        }
        principal = raw.get("Principal", raw.get("NotPrincipal"))
        parsed.append(
            Statement(
                effect=str(raw.get("Effect", "")),
                actions=_strings(raw.get("Action")),
                not_actions=_strings(raw.get("NotAction")),
                resources=_resources(raw.get("Resource")),
                principals=_principals(principal),
                conditions=conditions,
                sid=str(raw.get("Sid", "")),
            )
        )
    return parsed


def action_matches_everything_in(action: str, service: str) -> bool:
    """Whether an action pattern grants every action of `service` (`s3:*`, `*`, `S3:*`)."""
    action = action.strip().lower()
    return action == "*" or action == f"{service.lower()}:*"


def wildcard_service_actions(statement: Statement, services: Iterable[str]) -> list[str]:
    """The actions of an Allow statement that grant all of one of `services`, in document order."""
    if not statement.allows:
        return []
    services = [service.lower() for service in services]
    hits = []
    for action in statement.actions:
        if any(action_matches_everything_in(action, service) for service in services):
            hits.append(action)
    return hits


def allowed_principals(statements: Iterable[Statement]) -> Iterator[tuple[Statement, str, str]]:
    """(statement, principal type, principal) for every principal an Allow statement names."""
    for statement in statements:
        if not statement.allows:
            continue
        for kind, members in statement.principals.items():
            for member in members:
                yield statement, kind, member


def principal_account(principal: str) -> str | None:
    """The account an AWS principal belongs to: a bare account ID or the account field of an ARN."""
    if re.fullmatch(r"\d{12}", principal):
        return principal
    return arn_account(principal)


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
