"""Resolve values unknown at preview where the plan itself proves what they are.

A bucket's `kmsMasterKeyId` that comes from `aws.kms.Key("data").arn` is unknown at preview, so a
rule that requires a customer-managed key cannot decide and Pulumi downgrades it to advisory. The
plan records which resources each input came from (`propertyDependencies`): when an unknown input
is a field that holds a KMS key (or an IAM role ARN) and the input depends on a resource of that
type in the same stack, stackyard substitutes a well-formed placeholder built from that
resource's URN. The rule then decides, and the evidence records the substitution.

What the stack proves, field by field:
- a KMS key ARN (`kmsKeyId`, the EKS secrets `keyArn`, ...) from an `aws:kms/key:Key`;
- an IAM role ARN (`roleArn`, `executionRoleArn`, ...) from an `aws:iam/role:Role`;
- a list of subnet IDs (`subnets`, `subnetIds`) from the `aws:ec2/subnet:Subnet`s the input depends
  on, and a list of security group IDs (`securityGroupIds`, `securityGroups`) from the
  `aws:ec2/securityGroup:SecurityGroup`s: the placeholder list names every such dependency of the
  input (a component may pass a subset, so a rule may rely on "subnets of this stack, at least
  one", never on how many);

Then, for a stackyard plan, each input document that is still unknown (a policy, a trust policy, a
container definition: a JSON string the program built from other resources' computed outputs) is
replaced by the template the plan recorded for it (`stackyard.plan.placeholders`): the same JSON with
each unknown written as a typed placeholder, `${aws:s3/bucket:Bucket::data.arn}`. Rules that need only
the document's structure decide on it. Only JSON documents are substituted: a bare placeholder where a
rule expects an ARN or an ID (a `kmsKeyId`) stays unknown unless a dependency proves it, as above.

A placeholder is only built when everything in it is known: a KMS key ARN needs the region of the
key's provider; without it the value stays unknown and the rule stays indeterminate. A single
unknown item of a list (one subnet of several) is resolved only from a stackyard plan, whose template
of the item names the dependency it came from.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from stackyard.check.model import CheckInput, Resolution, Resource
from stackyard.check.pack_host import PLACEHOLDER
from stackyard.pulumi_documents import UNKNOWN

PLACEHOLDER_ACCOUNT = "000000000000"
"""Account of placeholder ARNs: the plan cannot know the account, and no rule may depend on it."""

_KMS_KEY_FIELDS = frozenset(
    {
        "kmsKeyId",
        "kmsMasterKeyId",
        "kmsKeyArn",
        "kmsKey",
        "kmsKeyIdentifier",
        "volumeKmsKeyId",
        "kmsKeyID",
        "keyArn",
    }
)
_KMS_KEY_TYPES = frozenset({"aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey"})
_ROLE_ARN_FIELDS = frozenset({"roleArn", "executionRoleArn", "serviceRoleArn", "iamRoleArn"})
_ROLE_TYPES = frozenset({"aws:iam/role:Role"})

_SUBNET_LIST_FIELDS = frozenset({"subnets", "subnetIds"})
_SUBNET_TYPES = frozenset({"aws:ec2/subnet:Subnet"})
_SECURITY_GROUP_LIST_FIELDS = frozenset({"securityGroupIds", "securityGroups", "vpcSecurityGroupIds"})
_SECURITY_GROUP_TYPES = frozenset({"aws:ec2/securityGroup:SecurityGroup"})

Builder = Callable[[Resource], str | None]


def _kms_key_arn(key: Resource) -> str | None:
    region = key.provider.properties.get("region") if key.provider else None
    if not isinstance(region, str) or region == UNKNOWN:
        return None
    key_id = uuid.uuid5(uuid.NAMESPACE_URL, key.urn)
    return f"arn:aws:kms:{region}:{PLACEHOLDER_ACCOUNT}:key/{key_id}"


def _role_arn(role: Resource) -> str | None:
    name = role.inputs.get("name")
    if not isinstance(name, str) or name == UNKNOWN:
        name = role.name
    return f"arn:aws:iam::{PLACEHOLDER_ACCOUNT}:role/{name}"


def _resource_id(prefix: str) -> Builder:
    """An AWS-style ID (`subnet-0123456789abcdef0`) derived from the resource's URN."""

    def build(resource: Resource) -> str:
        return f"{prefix}-{uuid.uuid5(uuid.NAMESPACE_URL, resource.urn).hex[:17]}"

    return build


_PROOFS: tuple[tuple[frozenset[str], frozenset[str], Builder], ...] = (
    (_KMS_KEY_FIELDS, _KMS_KEY_TYPES, _kms_key_arn),
    (_ROLE_ARN_FIELDS, _ROLE_TYPES, _role_arn),
)
"""Fields holding one value: the first dependency of the right type proves it."""

_LIST_PROOFS: tuple[tuple[frozenset[str], frozenset[str], Builder], ...] = (
    (_SUBNET_LIST_FIELDS, _SUBNET_TYPES, _resource_id("subnet")),
    (_SECURITY_GROUP_LIST_FIELDS, _SECURITY_GROUP_TYPES, _resource_id("sg")),
)
"""Fields holding a list: every dependency of the right type is one item."""


def resolve_unknowns(checked: CheckInput) -> CheckInput:
    """Return the input with provable unknowns replaced; resources are left untouched otherwise."""
    by_urn = {r.urn: r for r in checked.resources}
    resources = tuple(_resolve(r, by_urn) for r in checked.resources)
    return dataclasses.replace(checked, resources=resources)


def _resolve(resource: Resource, by_urn: Mapping[str, Resource]) -> Resource:
    resolutions: list[Resolution] = []
    inputs = resource.inputs
    for key, deps in resource.property_dependencies.items():
        if key not in inputs or not deps:
            continue
        candidates = [by_urn[d] for d in deps if d in by_urn]
        if not candidates:
            continue
        new_value = _walk(inputs[key], key, key, candidates, resolutions, resource.templates)
        if new_value is not inputs[key]:
            if inputs is resource.inputs:
                inputs = dict(inputs)
            inputs[key] = new_value
    if resource.templates:
        inputs = _with_templates(inputs, resource.templates, resolutions)
    if not resolutions:
        return resource
    return dataclasses.replace(resource, inputs=inputs, resolutions=tuple(resolutions))


def _json_document(template: str) -> bool:
    if template.lstrip()[:1] not in ("{", "["):
        return False
    try:
        json.loads(template)
    except ValueError:
        return False
    return True


def _with_templates(value: Any, templates: Mapping[str, str], found: list[Resolution], path: str = "") -> Any:
    """`value` with each unknown document whose path has a template replaced by it; the same object
    when nothing changed. Paths are built as the plan built them (`a.b[0].c`)."""
    if value == UNKNOWN:
        template = templates.get(path)
        if template is not None and _json_document(template):
            found.append(Resolution(path, "", "", template, kind="template"))
            return template
        return value
    if isinstance(value, dict):
        changed = {
            k: _with_templates(v, templates, found, f"{path}.{k}" if path else k) for k, v in value.items()
        }
        return changed if any(changed[k] is not value[k] for k in value) else value
    if isinstance(value, list):
        items = [_with_templates(v, templates, found, f"{path}[{i}]") for i, v in enumerate(value)]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    return value


def _walk(
    value: Any,
    field: str,
    path: str,
    candidates: list[Resource],
    found: list[Resolution],
    templates: Mapping[str, str],
    *,
    item: bool = False,
) -> Any:
    """Return `value` with provable unknowns replaced; the same object when nothing changed."""
    if value == UNKNOWN:
        # The plan's template says which resource an unknown came from when it is that one output.
        source = _single_source(templates.get(path), candidates)
        placeholder: str | list[str] | None
        if source is not None and item:
            placeholder = _substitute_item(field, path, source, found)
        else:
            placeholder = _substitute(field, path, [source] if source else candidates, found, item=item)
        return value if placeholder is None else placeholder
    if isinstance(value, dict):
        changed = {k: _walk(v, k, f"{path}.{k}", candidates, found, templates) for k, v in value.items()}
        return changed if any(changed[k] is not value[k] for k in value) else value
    if isinstance(value, list):
        items = [
            _walk(v, field, f"{path}[{i}]", candidates, found, templates, item=True)
            for i, v in enumerate(value)
        ]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    return value


def _single_source(template: str | None, candidates: list[Resource]) -> Resource | None:
    """The dependency a template of one whole placeholder (`${<type>::<name>.<output>}`) names."""
    if not template or not PLACEHOLDER.fullmatch(template):
        return None
    source_type, _, rest = template[2:-1].partition("::")
    return next((c for c in candidates if c.type == source_type and rest.startswith(f"{c.name}.")), None)


def _substitute_item(field: str, path: str, source: Resource, found: list[Resolution]) -> str | None:
    """One unknown item of a list field, from the dependency its template names."""
    for fields, types, build in _LIST_PROOFS:
        if field in fields and source.type in types and (placeholder := build(source)) is not None:
            found.append(Resolution(path, source.urn, source.type, placeholder))
            return placeholder
    return None


def _substitute(
    field: str, path: str, candidates: list[Resource], found: list[Resolution], *, item: bool
) -> str | list[str] | None:
    for fields, types, build in _PROOFS:
        if field not in fields:
            continue
        for source in candidates:
            if source.type in types and (placeholder := build(source)) is not None:
                found.append(Resolution(path, source.urn, source.type, placeholder))
                return placeholder
    if item:
        return None
    for fields, types, build in _LIST_PROOFS:
        if field not in fields:
            continue
        sources = [source for source in candidates if source.type in types]
        items = [build(source) for source in sources]
        if not sources or any(placeholder is None for placeholder in items):
            continue
        found.extend(
            Resolution(f"{path}[{i}]", source.urn, source.type, str(placeholder))
            for i, (source, placeholder) in enumerate(zip(sources, items, strict=True))
        )
        return [str(placeholder) for placeholder in items]
    return None
