"""IAM policy documents as the rules read them: statements parsed from a document's JSON or object
form, with the parts that decide what a statement grants checked for values unknown at preview.

Nothing here imports Pulumi (see `resource_properties` for how properties arrive).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stackyard.policies.resource_properties import UNKNOWN_VALUE, arn_account, as_list


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
    not_resources: tuple[Any, ...] = ()
    """NotResource ARN patterns: the statement applies to every resource but these."""

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
                not_resources=_resources(raw.get("NotResource")),
            )
        )
    return parsed


def action_matches_everything_in(action: str, service: str) -> bool:
    """Whether an action pattern grants every action of `service` (`s3:*`, `*`, `S3:*`)."""
    action = action.strip().lower()
    return action == "*" or action == f"{service.lower()}:*"


def allowed_principals(statements: Iterable[Statement]) -> Iterator[tuple[Statement, str, str]]:
    """(statement, principal type, principal) for every principal an Allow statement names."""
    for statement in statements:
        if not statement.allows:
            continue
        for kind, members in statement.principals.items():
            for member in members:
                yield statement, kind, member


def principal_account(principal: str) -> str | None:
    """The account an AWS principal belongs to: a bare account ID or the account field of an ARN.
    None for a template's placeholder: a resource of this stack, in the stack's own account."""
    if re.fullmatch(r"\d{12}", principal):
        return principal
    return arn_account(principal)


