"""What an IAM policy grants, in the terms of the IAM dataset (`stackyard.policies.iam_data`): its
wildcards and `NotAction` lists expanded to the actions they name, and those actions' access levels.

A statement counts as granting on *every resource* when its Resource is `*` (or an ARN pattern whose
region, account and resource are all wildcards, `arn:aws:logs:*:*:*`), or it uses NotResource. Unknown
resources never match a wildcard: a value unknown at preview is one specific resource of the stack.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache

from stackyard.policies import iam_data
from stackyard.policies.iam_data import AccessLevel, ActionSet
from stackyard.policies.iam_documents import Statement, parse_policy


def _union(sets: Iterable[ActionSet]) -> dict[str, frozenset[str]]:
    result: dict[str, frozenset[str]] = {}
    for action_set in sets:
        for service, actions in action_set.items():
            result[service] = result.get(service, frozenset()) | actions
    return result


def statement_actions(statement: Statement) -> ActionSet:
    """The actions of the dataset a statement names: its Action entries, or, for NotAction, every
    action but those."""
    if not statement.not_actions:
        return _union(iam_data.matching(action) for action in statement.actions)
    return _subtract(iam_data.every_action(), _union(iam_data.matching(a) for a in statement.not_actions))


def _every_resource(resource: object) -> bool:
    """`*`; or an ARN pattern for any region and account (`arn:aws:logs:*:*:*`) whose resource part is
    `*` or every resource of one type (`ipset/*`, `log-group:*`) in any account."""
    if not isinstance(resource, str):
        return False  # unknown at preview: one resource of the stack
    resource = resource.strip()
    if resource == "*":
        return True
    parts = resource.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[3] not in ("", "*") or parts[4] not in ("", "*"):
        return False
    if parts[5] == "*":
        return True
    kind, separator, rest = parts[5].replace(":", "/", 1).partition("/")
    # An S3 ARN has no account field: `arn:aws:s3:::bucket/*` is one bucket's objects.
    return parts[4] == "*" and bool(separator) and rest == "*" and "*" not in kind and "?" not in kind


def on_every_resource(statement: Statement) -> bool:
    """Whether a statement applies to every resource of the actions it names."""
    return bool(statement.not_resources) or any(_every_resource(r) for r in statement.resources)


_READ_ONLY = frozenset({AccessLevel.LIST, AccessLevel.READ})


@cache
def _changing_actions(service: str) -> frozenset[str]:
    """The actions of a service that change something: Write, Permissions management, Tagging."""
    if service not in iam_data.changing_prefixes():
        return frozenset()
    info = iam_data.service(service)
    assert info is not None, service
    return frozenset(a for a, level in info.levels.items() if level not in _READ_ONLY)


@dataclass(frozen=True)
class Grants:
    """What a document allows on every resource, less what an unconditioned Deny on every resource
    takes away. Conditions do not narrow an Allow here: a condition limits who or when, not what."""

    actions: ActionSet
    wildcard_services: frozenset[str]
    """Services all of whose actions a wildcard (`s3:*`, `*`) or a NotAction grants."""

    @cached_property
    def full_services(self) -> tuple[str, ...]:
        """Services granted whole, sorted: by a wildcard or NotAction, or by listing every action of the
        service that changes something. A read-only service granted whole is read access, not full
        access; and a service with one changing action is left out of the listing test (listing its
        one action, such as `eks-auth:AssumeRoleForPodIdentity`, is as narrow as a grant gets)."""
        full = []
        for service, actions in self.actions.items():
            changing = _changing_actions(service)
            if not changing:
                continue
            if service in self.wildcard_services or (len(changing) > 1 and changing <= actions):
                full.append(service)
        return tuple(sorted(full))

    @property
    def every_action(self) -> bool:
        return len(self.wildcard_services) == len(iam_data.prefixes())

    @property
    def most_services(self) -> bool:
        """Full access to more than half of the services that can change something: power-user style."""
        return len(self.full_services) * 2 > len(iam_data.changing_prefixes())

    @property
    def partial_services(self) -> tuple[str, ...]:
        """Services that can change something and are not granted whole, sorted."""
        full = set(self.full_services)
        return tuple(sorted(s for s in iam_data.changing_prefixes() if s not in full))

    def at_level(self, service: str, level: AccessLevel) -> tuple[str, ...]:
        return at_level(self.actions, service, level)


def _whole_services(statement: Statement, named: ActionSet) -> set[str]:
    if statement.not_actions:
        return {s for s, actions in named.items() if actions == iam_data.actions_of(s)}
    return {s for pattern in statement.actions if is_wildcard(pattern) for s in whole_services(pattern)}


def _subtract(granted: ActionSet, taken: ActionSet) -> dict[str, frozenset[str]]:
    result = {}
    for service, actions in granted.items():
        left = actions - taken.get(service, frozenset())
        if left:
            result[service] = left
    return result


def grants(statements: Iterable[Statement]) -> Grants:
    allowed: list[ActionSet] = []
    denied: list[ActionSet] = []
    whole: set[str] = set()
    for statement in statements:
        if not on_every_resource(statement):
            continue
        if statement.allows:
            named = statement_actions(statement)
            allowed.append(named)
            whole |= _whole_services(statement, named)
        elif statement.effect == "Deny" and not statement.conditions:
            denied.append(statement_actions(statement))
    granted = _subtract(_union(allowed), _union(denied))
    return Grants(granted, frozenset(s for s in whole if granted.get(s) == iam_data.actions_of(s)))


def administrator_access(granted: Grants) -> str | None:
    """The phrase for a grant of every action, or of most services whole (power-user style); None
    for anything narrower."""
    if granted.every_action:
        return "every action of every service (administrator access)"
    if granted.most_services:
        return f"full access to every service but {listed(granted.partial_services)} (power-user access)"
    return None


def describe_broad_access(granted: Grants) -> list[str]:
    """What makes a grant broad, one phrase each: administrator or power-user access, full access to
    services, IAM permissions management. Empty for a scoped grant."""
    admin = administrator_access(granted)
    if granted.every_action:
        return [admin] if admin else []
    phrases = [admin] if admin else []
    if not admin and granted.full_services:
        phrases.append(f"full access to {listed(granted.full_services)}")
    if "iam" not in granted.full_services:
        managing = granted.at_level("iam", AccessLevel.PERMISSIONS_MANAGEMENT)
        if managing:
            phrases.append(f"IAM permissions management ({listed(managing)})")
    return phrases


@cache
def managed_policy_grants(name: str) -> Grants | None:
    """What the AWS managed policy of this name grants, or None if the dataset does not know it."""
    policy = iam_data.managed_policy(name)
    if policy is None:
        return None
    return grants(parse_policy(policy.document))


def is_wildcard(action: str) -> bool:
    return "*" in action or "?" in action


@lru_cache(maxsize=8192)
def names_every_action(action: str) -> bool:
    """Whether one Action entry (`*`, `*:*`) names every action of every service."""
    pattern = action.strip().lower()
    if pattern == "*":
        return True
    service_part, separator, action_part = pattern.partition(":")
    if not separator or not all(iam_data.glob(service_part).fullmatch(p) for p in iam_data.prefixes()):
        return False  # decided without indexing every service's actions, as most entries are
    return set(action_part) == {"*"} or iam_data.matching(action) == iam_data.every_action()


@lru_cache(maxsize=8192)
def whole_services(action: str) -> tuple[str, ...]:
    """The services one Action entry names every action of (`s3:*`, `s*:*`), sorted."""
    return tuple(sorted(s for s, actions in iam_data.matching(action).items() if actions == iam_data.actions_of(s)))


def at_level(actions: ActionSet, service: str, level: AccessLevel) -> tuple[str, ...]:
    """The actions of `service` in `actions` at `level`, in AWS's spelling (`iam:PutRolePolicy`), sorted."""
    info = iam_data.service(service)
    if info is None:
        return ()
    return tuple(sorted(info.qualified(a) for a in actions.get(service, ()) if info.levels[a] is level))


def listed(names: tuple[str, ...], limit: int = 5) -> str:
    """`a, b, c` or, past `limit` names, `a, b, c, d, e and 7 more`."""
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"
