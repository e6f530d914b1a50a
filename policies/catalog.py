"""The rule catalog: what a rule is, the registry of all rules, and their `pulumi_policy` policies.

A rule is one small unit: metadata (ID, name, severity, default enforcement, description,
remediation, framework controls, peer check IDs, settings) plus a check function. Rule modules
(`stackyard.policies.rules.*`) declare rules with `resource_rule` / `stack_rule`; this module turns
each into a real `ResourceValidationPolicy` or `StackValidationPolicy`. Only the pack's
`__main__.py` constructs a `PolicyPack` (it starts a gRPC server and never returns).

Unknown values (preview)
------------------------
A rule never passes or fails on a value that is unknown at preview. Reading an unknown property
raises the policy SDK's `UnknownValueError`; the wrapper built here turns it into `Indeterminate`,
an `UnknownValueError` whose message starts with `INDETERMINATE_PREFIX`. The Pulumi policy runtime
reports an `UnknownValueError` as an *advisory* diagnostic (it never blocks a preview) with the
message ``can't run policy '<id>' from policy pack '<pack>@v<version>' during preview: <message>``;
`pulumi up` sees resolved values and runs the real check. Stack rules check every resource and
collect the unknown ones, report the real violations, then raise one `Indeterminate` listing each
unknown resource on its own line as ``indeterminate: <reason> [<urn>]``.

Another tool detects an indeterminate result with `parse_indeterminate(message)`
(`stackyard.check.indeterminate`, where the convention is defined): a diagnostic is
indeterminate when its message (after Pulumi's lead-in) starts with `INDETERMINATE_PREFIX`, each
such line being one result, or when it is Pulumi's own ``can't run policy ... during preview`` notice
for a pack that does not use the prefix. Real violations use `report_violation` and never start
with the prefix.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, TypeVar

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from stackyard.check.indeterminate import INDETERMINATE_PREFIX, IndeterminateItem
from stackyard.policies import iam_documents, resource_properties
from stackyard.policies.frameworks import FRAMEWORK_NAMES, PEER_NAMES
from stackyard.policies.settings import SETTINGS, Setting

T = TypeVar("T")

PACK_NAME = "stackyard"

GROUPS = (
    "residency",
    "encryption",
    "network",
    "identity",
    "tagging",
    "data_protection",
    "serving",
    "cost",
    "kubernetes",
)
RULE_ID = re.compile(r"^SY-[A-Z0-9]+-\d{3}$")
NOT_CHECKED_TYPE = "resource type not checked by this rule"
"""Why a resource rule is not applicable to a resource of a type it does not look at."""

SeverityName = Literal["critical", "high", "medium", "low"]
EnforcementName = Literal["advisory", "mandatory"]


class Indeterminate(UnknownValueError):
    """A rule could not decide because a value it needs is unknown at preview."""

    def __init__(self, reason: str) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, [])
        self.reason = reason
        self.message = reason if reason.startswith(INDETERMINATE_PREFIX) else INDETERMINATE_PREFIX + reason

    def __str__(self) -> str:
        return self.message


# --- reading properties ---


def read_tolerantly(value: Any) -> dict[str, Any]:
    """A mapping read entry by entry, unknown values replaced by `resource_properties.UNKNOWN_VALUE`, so that one
    computed entry (a `Name` tag from an Output) does not hide the known ones."""
    if not isinstance(value, Mapping):
        return {}
    result: dict[str, Any] = {}
    for key in value:
        try:
            result[key] = value[key]
        except UnknownValueError:
            result[key] = resource_properties.UNKNOWN_VALUE
    return result


def known_tree(value: Any) -> Any:
    """A property read whole into plain dicts and lists, each unknown leaf replaced by
    `resource_properties.UNKNOWN_VALUE`, so the known parts of a structured value (a policy document whose
    `Resource` ARNs are Outputs) stay readable. A value unknown as a whole still raises."""
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key in value:
            try:
                result[key] = known_tree(value[key])
            except UnknownValueError:
                result[key] = resource_properties.UNKNOWN_VALUE
        return result
    if isinstance(value, Sequence) and not isinstance(value, str):
        items: list[Any] = []
        for index in range(len(value)):
            try:
                items.append(known_tree(value[index]))
            except UnknownValueError:
                items.append(resource_properties.UNKNOWN_VALUE)
        return items
    return value


def policy_statements(document: Any) -> list[iam_documents.Statement]:
    """The statements of a policy document property (a JSON string, or an object whose leaves may
    be unknown at preview). Raises `Indeterminate` when a part that decides what the document
    grants is unknown, `iam_documents.PolicyDocumentError` when it is no policy document."""
    try:
        return iam_documents.parse_policy(known_tree(document))
    except iam_documents.UnknownPolicyPart as exc:
        raise Indeterminate(f"the policy document's {exc} can't be known during preview") from exc


def resource_tags(props: Mapping[str, Any], provider_props: Mapping[str, Any] | None) -> dict[str, Any]:
    """A resource's own tags over its AWS provider's `defaultTags.tags`, read tolerantly."""
    own = props.get("tags")
    defaults = resource_properties.get_path(provider_props, "defaultTags.tags") if provider_props is not None else None
    return resource_properties.effective_tags(read_tolerantly(own), read_tolerantly(defaults))


def _known_environment(environment: Any) -> str | None:
    if environment is resource_properties.UNKNOWN_VALUE:
        raise Indeterminate("the environment tag is unknown at preview")
    return environment  # type: ignore[no-any-return]


# --- check contexts ------------------------------------------------------------------------------


class ResourceCheck:
    """What a resource rule's check sees: the resource as the engine sends it, the rule's settings
    (defaults applied) and a way to report violations."""

    def __init__(self, args: ResourceValidationArgs, report: ReportViolation, config: Mapping[str, Any]):
        self.args = args
        self.type = args.resource_type
        self.props = args.props
        self.name = args.name
        self.urn = args.urn
        self.config = config
        self._report = report

    @property
    def provider_props(self) -> Mapping[str, Any] | None:
        return self.args.provider.props if self.args.provider is not None else None

    @property
    def protected(self) -> bool:
        return bool(self.args.opts.protect) if self.args.opts is not None else False

    def violation(self, message: str) -> None:
        self._report(message, None)

    def not_applicable(self, reason: str) -> None:
        self.args.not_applicable(reason)

    def tags(self) -> dict[str, Any]:
        return resource_tags(self.props, self.provider_props)

    def environment(self) -> str | None:
        return _known_environment(resource_properties.environment_of(self.config.get("environment"), self.tags()))


class StackCheck:
    """What a stack rule's check sees: every resource, the rule's settings and a way to report
    violations per resource. Wrap each resource's evaluation in `guard(resource)` so an unknown value
    makes that resource indeterminate without stopping the others."""

    def __init__(self, args: StackValidationArgs, report: ReportViolation, config: Mapping[str, Any]):
        self.args = args
        self.resources: Sequence[PolicyResource] = args.resources
        self.config = config
        self._report = report
        self.unknown: list[IndeterminateItem] = []
        self._by_type: dict[str, list[PolicyResource]] | None = None
        self._views: dict[Callable[[StackCheck], Any], Any] = {}

    def violation(self, message: str, resource: PolicyResource) -> None:
        self._report(message, resource.urn)

    def view(self, build: Callable[[StackCheck], T]) -> T:
        """`build(self)`, once per check: an index of the stack that the checks of many resources
        share (alarms by the endpoint they watch, ...), so a rule stays linear in the stack's size."""
        if build not in self._views:
            self._views[build] = build(self)
        return self._views[build]  # type: ignore[no-any-return]

    @contextmanager
    def guard(self, resource: PolicyResource) -> Iterator[None]:
        try:
            yield
        except Indeterminate as exc:
            self.unknown.append(IndeterminateItem(exc.message[len(INDETERMINATE_PREFIX) :], resource.urn))
        except UnknownValueError as exc:
            self.unknown.append(IndeterminateItem(exc.message, resource.urn))

    def of_type(self, *types: str) -> list[PolicyResource]:
        """The resources of `types`, in stack order."""
        if self._by_type is None:
            self._by_type = {}
            for resource in self.resources:
                self._by_type.setdefault(resource.resource_type, []).append(resource)
        if len(types) == 1:
            return list(self._by_type.get(types[0], ()))
        wanted = set(types)
        return [r for r in self.resources if r.resource_type in wanted]

    def tags(self, resource: PolicyResource) -> dict[str, Any]:
        provider = resource.provider.props if resource.provider is not None else None
        return resource_tags(resource.props, provider)

    def environment(self, resource: PolicyResource) -> str | None:
        return _known_environment(resource_properties.environment_of(self.config.get("environment"), self.tags(resource)))

    def referencing(self, target: PolicyResource, types: Sequence[str], prop: str) -> list[PolicyResource]:
        """Resources of `types` whose `prop` input points at `target`: through a property dependency
        (an Output of `target`, as components and most hand-written programs pass it), or, for a
        literal value, by equal name (`prop` equals the target's `bucket`/`name`/`id` input).
        A literal that is unknown at preview raises, making the caller indeterminate."""
        names = known_names(target)
        found = []
        for resource in self.of_type(*types):
            deps = resource.property_dependencies.get(prop, [])
            if any(dep.urn == target.urn for dep in deps) or (
                not deps and prop in resource.props and str(resource.props[prop]) in names
            ):
                found.append(resource)
        return found

    def referenced(self, source: PolicyResource, prop: str, types: Sequence[str]) -> list[PolicyResource]:
        """Resources of `types` that `source`'s `prop` input points at: its property dependencies, or
        for a literal value the resources whose `name` input equals it."""
        deps = [dep for dep in source.property_dependencies.get(prop, []) if dep.resource_type in types]
        if deps or source.property_dependencies.get(prop) or prop not in source.props:
            return deps
        value = str(source.props[prop])
        return [r for r in self.of_type(*types) if value in known_names(r)]

    def finish(self) -> None:
        if self.unknown:
            lines = [f"{INDETERMINATE_PREFIX}{item.reason} [{item.urn}]" for item in self.unknown]
            raise Indeterminate("\n".join(lines))


def known_names(resource: PolicyResource) -> set[str]:
    """The physical names (`bucket`, `name` inputs) of a resource that are known. An auto-generated or
    computed name is unknown at preview, and then no literal elsewhere can refer to it."""
    names = set()
    for key in ("bucket", "name"):
        try:
            value = resource.props.get(key)
        except UnknownValueError:
            continue
        if value:
            names.add(str(value))
    return names


ResourceCheckFn = Callable[[ResourceCheck], None]
StackCheckFn = Callable[[StackCheck], None]


# --- rules ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    group: str
    severity: SeverityName
    enforcement: EnforcementName
    description: str
    remediation: str
    frameworks: Mapping[str, tuple[str, ...]]
    peers: Mapping[str, tuple[str, ...]]
    kind: Literal["resource", "stack"]
    check: Callable[[Any], None]
    resource_types: tuple[str, ...] = ()
    """Types a resource rule looks at; empty means every resource type (the check then decides)."""
    settings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not RULE_ID.match(self.id):
            raise ValueError(f"rule ID '{self.id}' does not match SY-<GROUP>-<nnn>")
        if self.group not in GROUPS:
            raise ValueError(f"rule {self.id}: unknown group '{self.group}'")
        unknown = set(self.frameworks) - set(FRAMEWORK_NAMES) | set(self.peers) - set(PEER_NAMES)
        if unknown:
            raise ValueError(f"rule {self.id}: unknown framework or peer {sorted(unknown)}")
        for setting in self.settings:
            if setting not in SETTINGS:
                raise ValueError(f"rule {self.id}: unknown setting '{setting}'")

    @property
    def setting_defs(self) -> tuple[Setting, ...]:
        return tuple(SETTINGS[name] for name in self.settings)

    def config_schema(self) -> dict[str, Any]:
        """JSON Schema of this rule's `--policy-pack-config` entry (without `enforcementLevel`)."""
        return {
            "type": "object",
            "properties": {setting.name: setting.schema() for setting in self.setting_defs},
            "additionalProperties": False,
        }

    def resolve_config(self, given: Mapping[str, Any] | None) -> dict[str, Any]:
        """The rule's settings: what the pack config gives, defaults for the rest."""
        given = given or {}
        return {s.name: given[s.name] if s.name in given else s.default_value() for s in self.setting_defs}

    def framework_tags(self) -> list[str]:
        tags = [f"group:{self.group}"]
        tags += [f"{fw}:{control}" for fw, controls in self.frameworks.items() for control in controls]
        tags += [f"{peer}:{check}" for peer, checks in self.peers.items() for check in checks]
        return tags

    def policy(self) -> ResourceValidationPolicy | StackValidationPolicy:
        """The `pulumi_policy` policy for this rule, named by its ID."""
        nist = self.frameworks.get("nist-800-53", ())
        common: dict[str, Any] = {
            "name": self.id,
            "description": self.description,
            "enforcement_level": EnforcementLevel(self.enforcement),
            "config_schema": (
                PolicyConfigSchema(properties={s.name: s.schema() for s in self.setting_defs})
                if self.settings
                else None
            ),
            "display_name": self.name,
            "severity": Severity(self.severity),
            "framework": (
                PolicyComplianceFramework(
                    name=FRAMEWORK_NAMES["nist-800-53"], version="rev5", reference=", ".join(nist)
                )
                if nist
                else None
            ),
            "tags": self.framework_tags(),
            "remediation_steps": self.remediation,
        }
        if self.kind == "resource":
            return ResourceValidationPolicy(validate=self._validate_resource, **common)
        return StackValidationPolicy(validate=self._validate_stack, **common)

    def checks_type(self, resource_type: str) -> bool:
        """Whether this resource rule looks at resources of `resource_type` at all; for the others
        it is not applicable (`NOT_CHECKED_TYPE`) whatever their properties."""
        return not self.resource_types or resource_type in self.resource_types

    def _validate_resource(self, args: ResourceValidationArgs, report: ReportViolation) -> None:
        if not self.checks_type(args.resource_type):
            args.not_applicable(NOT_CHECKED_TYPE)
        ctx = ResourceCheck(args, report, self.resolve_config(args.get_config()))
        try:
            self.check(ctx)
        except Indeterminate:
            raise
        except UnknownValueError as exc:
            raise Indeterminate(exc.message) from exc

    def _validate_stack(self, args: StackValidationArgs, report: ReportViolation) -> None:
        ctx = StackCheck(args, report, self.resolve_config(args.get_config()))
        try:
            self.check(ctx)
        except Indeterminate:
            raise
        except UnknownValueError as exc:
            raise Indeterminate(exc.message) from exc
        ctx.finish()

    def as_dict(self) -> dict[str, Any]:
        """Plain metadata, for listings and reports."""
        return {
            "id": self.id,
            "name": self.name,
            "group": self.group,
            "kind": self.kind,
            "severity": self.severity,
            "enforcement": self.enforcement,
            "description": self.description,
            "remediation": self.remediation,
            "frameworks": {fw: list(c) for fw, c in self.frameworks.items()},
            "peers": {peer: list(c) for peer, c in self.peers.items()},
            "resource_types": list(self.resource_types),
            "settings": {s.name: s.schema() for s in self.setting_defs},
        }


_REGISTRY: dict[str, Rule] = {}


def _declare(kind: Literal["resource", "stack"], **meta: Any) -> Callable[[Callable[[Any], None]], Rule]:
    def decorator(fn: Callable[[Any], None]) -> Rule:
        rule = Rule(
            kind=kind,
            check=fn,
            frameworks={k: tuple(v) for k, v in meta.pop("frameworks").items()},
            peers={k: tuple(v) for k, v in meta.pop("peers").items()},
            resource_types=tuple(meta.pop("types", ())),
            settings=tuple(meta.pop("settings", ())),
            **meta,
        )
        if rule.id in _REGISTRY:
            raise ValueError(f"duplicate rule ID {rule.id}")
        _REGISTRY[rule.id] = rule
        return rule

    return decorator


def resource_rule(**meta: Any) -> Callable[[ResourceCheckFn], Rule]:
    """Declare a resource rule; the decorated function receives a `ResourceCheck`."""
    return _declare("resource", **meta)


def stack_rule(**meta: Any) -> Callable[[StackCheckFn], Rule]:
    """Declare a stack rule; the decorated function receives a `StackCheck`."""
    return _declare("stack", **meta)


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule of the catalog, ordered by ID."""
    for group in GROUPS:
        importlib.import_module(f"stackyard.policies.rules.{group}")
    return tuple(sorted(_REGISTRY.values(), key=lambda rule: rule.id))


def get_rule(rule_id: str) -> Rule:
    rules = {rule.id: rule for rule in all_rules()}
    if rule_id not in rules:
        raise KeyError(f"no rule '{rule_id}'")
    return rules[rule_id]


def policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    """The `pulumi_policy` policies of every rule, for a `PolicyPack`."""
    return [rule.policy() for rule in all_rules()]


def pack_arguments() -> dict[str, Any]:
    """The pack's `PolicyPack(...)` arguments: the pack process serves them (`__main__.py`), and
    `stackyard check` evaluates the same pack in-process (`stackyard.check.in_process`)."""
    return {
        "name": PACK_NAME,
        "policies": policies(),
        "enforcement_level": EnforcementLevel.ADVISORY,
        "description": "stackyard compliance rules for MLOps stacks: residency, encryption, network, "
        "identity, tagging, data protection, serving reliability, GPU cost and Kubernetes workloads.",
        "display_name": "stackyard",
        "provider": "aws",
        "tags": ["mlops", "aws", "kubernetes", "compliance"],
    }


@dataclass(frozen=True)
class RuleConfig:
    enforcement: str
    settings: Mapping[str, Any]


def effective_config(config: Mapping[str, Any] | None) -> dict[str, RuleConfig]:
    """What a `--policy-pack-config` document means for each rule, as the policy runtime applies it:
    a rule's own entry (a level, or an object with `enforcementLevel` and settings) over `all`, over
    the rule's default level; settings not given take their defaults."""
    config = config or {}
    everything = config.get("all")
    result = {}
    for rule in all_rules():
        entry = config.get(rule.id)
        given = entry if isinstance(entry, Mapping) else {}
        level = entry if isinstance(entry, str) else given.get("enforcementLevel")
        result[rule.id] = RuleConfig(
            enforcement=str(level or everything or rule.enforcement), settings=rule.resolve_config(given)
        )
    return result


def pack_config_schema() -> dict[str, Any]:
    """JSON Schema of a whole `--policy-pack-config` file for this pack: per rule ID an enforcement
    level, or an object with `enforcementLevel` and the rule's settings; `all` sets every level."""
    levels = {"type": "string", "enum": [level.value for level in EnforcementLevel]}
    properties: dict[str, Any] = {"all": levels}
    for rule in all_rules():
        entry = rule.config_schema()
        entry["properties"] = {"enforcementLevel": levels, **entry["properties"]}
        properties[rule.id] = {"oneOf": [levels, entry]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "stackyard policy pack configuration",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
