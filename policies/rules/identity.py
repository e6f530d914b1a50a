"""Least privilege: no broad managed policies, no wildcard data actions, narrow role trust."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

from stackyard.policies import iam_access, iam_data, iam_documents, placeholders, resource_properties
from stackyard.policies.catalog import ResourceCheck, policy_statements, resource_rule
from stackyard.policies.iam_data import AccessLevel

_LEAST_PRIVILEGE = {
    "nist-800-53": ["AC-6", "AC-6(10)", "AC-2"],
    "iso-27001": ["A.5.15", "A.8.2"],
    "gdpr": ["Art. 25", "Art. 32(4)"],
    "hipaa": ["164.308(a)(4)", "164.312(a)(1)"],
    "soc2": ["CC6.1", "CC6.3"],
}

AWS_MANAGED_POLICY = re.compile(r"^arn:aws[\w-]*:iam::aws:policy/(?:[\w+=,.@-]+/)*(?P<name>[\w+=,.@-]+)$")
ADMIN_POLICIES = frozenset({"AdministratorAccess", "PowerUserAccess", "AdministratorAccess-Amplify"})

ATTACHMENT_TYPES = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
    "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": "policyArns",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": "policyArns",
    "aws:iam/role:Role": "managedPolicyArns",
}


def attached_managed_policies(ctx: ResourceCheck) -> list[str]:
    """Names of the AWS managed policies a resource attaches (customer policies are checked by content)."""
    key = ATTACHMENT_TYPES[ctx.type]
    arns = resource_properties.as_list(ctx.props.get(key)) if key in ctx.props else []
    names = []
    for arn in arns:
        match = AWS_MANAGED_POLICY.match(str(arn))
        if match:
            names.append(match.group("name"))
    return names


def _judged_by_name(name: str) -> str:
    return (
        f"attaches the AWS managed policy '{name}', judged by its name alone: the IAM dataset "
        f"({iam_data.source()}) does not know this policy"
    )


@resource_rule(
    id="SY-IAM-001",
    name="no-full-access-managed-policies",
    group="identity",
    severity="high",
    enforcement="mandatory",
    description="No identity gets an AWS managed policy that grants full access to a service, administrator or "
    "power-user access, or IAM permissions management, judged by the policy's document.",
    remediation="Replace the managed policy with an inline or customer managed policy that lists the "
    "actions and resources the workload needs.",
    frameworks=_LEAST_PRIVILEGE,
    peers={"cdk-nag": ["AwsSolutions-IAM4"], "aws-config": ["iam-policy-blacklisted-check"]},
    types=list(ATTACHMENT_TYPES),
)
def no_full_access_managed_policies(ctx: ResourceCheck) -> None:
    for name in attached_managed_policies(ctx):
        granted = iam_access.managed_policy_grants(name)
        if granted is None:
            if name.endswith("FullAccess") or name in ADMIN_POLICIES:
                ctx.violation(_judged_by_name(name))
            continue
        broad = iam_access.describe_broad_access(granted)
        if broad:
            ctx.violation(f"attaches the AWS managed policy '{name}', which grants {'; '.join(broad)}")


@resource_rule(
    id="SY-IAM-002",
    name="no-admin-managed-policies",
    group="identity",
    severity="critical",
    enforcement="mandatory",
    description="No identity gets administrator or power-user access from an AWS managed policy, judged by the "
    "policy's document.",
    remediation="Remove the AdministratorAccess/PowerUserAccess attachment; grant the specific actions needed.",
    frameworks=_LEAST_PRIVILEGE,
    peers={"checkov": ["CKV_AWS_274"], "aws-config": ["iam-policy-blacklisted-check"]},
    types=list(ATTACHMENT_TYPES),
)
def no_admin_managed_policies(ctx: ResourceCheck) -> None:
    for name in attached_managed_policies(ctx):
        granted = iam_access.managed_policy_grants(name)
        if granted is None:
            if name in ADMIN_POLICIES:
                ctx.violation(_judged_by_name(name))
            continue
        admin = iam_access.administrator_access(granted)
        if admin:
            ctx.violation(f"attaches the AWS managed policy '{name}', which grants {admin}")


POLICY_DOCUMENT_TYPES = {
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
}


def identity_policy_documents(ctx: ResourceCheck) -> Iterator[Any]:
    """The identity policy documents a resource defines: its `policy`, or a role's inline policies."""
    if ctx.type == "aws:iam/role:Role":
        for inline in resource_properties.as_list(ctx.props.get("inlinePolicies")):
            if inline.get("policy"):
                yield inline["policy"]
    elif "policy" in ctx.props:
        yield ctx.props["policy"]


_IDENTITY_DOCUMENT_TYPES = [*POLICY_DOCUMENT_TYPES, "aws:iam/role:Role"]


def _report_unparsable(ctx: ResourceCheck, document: Any) -> list[iam_documents.Statement] | None:
    try:
        return policy_statements(document)
    except iam_documents.PolicyDocumentError as exc:
        ctx.violation(f"policy document cannot be checked: {exc}")
        return None


def _data_service_wildcards(statement: iam_documents.Statement, services: list[str]) -> Iterator[str]:
    """Why each wildcard Action entry of an Allow statement is too broad for a data service: it names
    every action of one, or some of its permissions-management actions. Entries naming every action of
    every service are SY-IAM-004's."""
    if not statement.allows:
        return
    wanted = {service.lower() for service in services}
    for action in statement.actions:
        if not iam_access.is_wildcard(action) or iam_access.names_every_action(action):
            continue
        named = iam_data.matching(action)
        whole = [s for s in iam_access.whole_services(action) if s in wanted]
        # A data service the dataset does not know yet is still caught when named with `<service>:*`.
        whole += [s for s in wanted - set(iam_data.prefixes()) if action.strip().lower() == f"{s}:*"]
        if whole:
            plain = [f"{s}:*" for s in whole] == [action.strip().lower()]
            yield f"allows the wildcard action '{action}'" + (
                "" if plain else f", every action of {', '.join(sorted(whole))}"
            )
            continue
        for service in sorted(wanted & named.keys()):
            managing = iam_access.at_level(named, service, AccessLevel.PERMISSIONS_MANAGEMENT)
            if managing:
                yield (
                    f"allows the wildcard action '{action}', which grants permissions management of "
                    f"{service} ({iam_access.listed(managing)})"
                )


@resource_rule(
    id="SY-IAM-003",
    name="no-wildcard-data-actions",
    group="identity",
    severity="high",
    enforcement="mandatory",
    description="Identity policies grant no data service (s3, sagemaker, kms, ...) whole through a wildcard "
    "('s3:*'), and no wildcard that grants a data service's permissions management ('s3:PutBucket*').",
    remediation="List the actions the workload needs (s3:GetObject, s3:PutObject, ...) instead of a wildcard.",
    frameworks=_LEAST_PRIVILEGE,
    peers={"cdk-nag": ["AwsSolutions-IAM5"]},
    types=_IDENTITY_DOCUMENT_TYPES,
    settings=["dataServices"],
)
def no_wildcard_data_actions(ctx: ResourceCheck) -> None:
    services = ctx.config["dataServices"]
    for document in identity_policy_documents(ctx):
        for statement in _report_unparsable(ctx, document) or []:
            for message in _data_service_wildcards(statement, services):
                ctx.violation(message)


@resource_rule(
    id="SY-IAM-004",
    name="no-full-admin-statements",
    group="identity",
    severity="critical",
    enforcement="mandatory",
    description="No identity policy allows every action ('Action': '*'), or every action but a list "
    "('NotAction' with Allow).",
    remediation="Remove the statement allowing '*'; list the actions and resources needed.",
    frameworks=_LEAST_PRIVILEGE,
    peers={
        "checkov": ["CKV_AWS_62", "CKV_AWS_1", "CKV_AWS_63"],
        "aws-config": ["iam-policy-no-statements-with-admin-access"],
    },
    types=_IDENTITY_DOCUMENT_TYPES,
)
def no_full_admin_statements(ctx: ResourceCheck) -> None:
    for document in identity_policy_documents(ctx):
        for statement in _report_unparsable(ctx, document) or []:
            if not statement.allows:
                continue
            everything = [a for a in statement.actions if iam_access.names_every_action(a)]
            if everything:
                ctx.violation(f"allows every action ('Action': '{everything[0].strip()}')")
            elif statement.not_actions:
                granted = iam_access.grants([dataclasses.replace(statement, resources=("*",))])
                broad = iam_access.describe_broad_access(granted)
                ctx.violation(
                    "allows everything except a list of actions ('NotAction' with Allow)"
                    + (f": {'; '.join(broad)}" if broad else "")
                )


def _trust_statements(ctx: ResourceCheck) -> list[iam_documents.Statement] | None:
    return _report_unparsable(ctx, ctx.props.get("assumeRolePolicy"))


@resource_rule(
    id="SY-IAM-005",
    name="role-trust-no-wildcard",
    group="identity",
    severity="critical",
    enforcement="mandatory",
    description="Role trust policies never let anyone assume the role: no '*' principal, and account or role "
    "principals only with an sts:ExternalId condition.",
    remediation="Name the service (sagemaker.amazonaws.com, ...) or the exact role that assumes this role; "
    "for a partner account add an sts:ExternalId condition.",
    frameworks=_LEAST_PRIVILEGE,
    peers={"checkov": ["CKV_AWS_60", "CKV_AWS_61"]},
    types=["aws:iam/role:Role"],
)
def role_trust_no_wildcard(ctx: ResourceCheck) -> None:
    for statement, kind, principal in iam_documents.allowed_principals(_trust_statements(ctx) or []):
        if principal == "*":
            ctx.violation(
                f"trust policy lets any {'principal' if kind == '*' else kind + ' principal'} assume the role"
            )
        elif kind == "AWS" and "sts:externalid" not in statement.condition_keys():
            ctx.violation(
                f"trust policy lets '{principal}' assume the role without an sts:ExternalId condition"
            )


@resource_rule(
    id="SY-IAM-006",
    name="role-trust-single-service",
    group="identity",
    severity="medium",
    enforcement="advisory",
    description="A service role trusts exactly one AWS service, the one that runs the workload.",
    remediation="Split the role: one role per service (SageMaker, EKS nodes, Batch, ...), each trusting only "
    "its service principal.",
    frameworks=_LEAST_PRIVILEGE,
    peers={},
    types=["aws:iam/role:Role"],
)
def role_trust_single_service(ctx: ResourceCheck) -> None:
    services = sorted(
        {p for _, kind, p in iam_documents.allowed_principals(_trust_statements(ctx) or []) if kind == "Service"}
    )
    if len(services) > 1:
        ctx.violation(f"trusts several services {services}")


def _is_oidc_provider(principal: str) -> bool:
    """An OIDC provider's ARN, or the placeholder of one of the stack's OIDC providers."""
    source = placeholders.placeholder(principal)
    if source is not None:
        return source.type == placeholders.OIDC_PROVIDER_TYPE
    return "oidc-provider" in principal


@resource_rule(
    id="SY-IAM-007",
    name="oidc-trust-scoped",
    group="identity",
    severity="critical",
    enforcement="mandatory",
    description="Roles assumed through an OIDC provider (IRSA) are limited to one service account by a 'sub' "
    "condition.",
    remediation="Add a StringEquals condition on '<issuer>:sub' = 'system:serviceaccount:<namespace>:<name>' "
    "(and '<issuer>:aud' = 'sts.amazonaws.com').",
    frameworks=_LEAST_PRIVILEGE,
    peers={},
    types=["aws:iam/role:Role"],
)
def oidc_trust_scoped(ctx: ResourceCheck) -> None:
    for statement, kind, principal in iam_documents.allowed_principals(_trust_statements(ctx) or []):
        if kind != "Federated" or not _is_oidc_provider(principal):
            continue
        scoped = [k for k in statement.condition_keys() if k.endswith(":sub")]
        wildcard = (
            any("*" in v for v in statement.condition_values("StringLike", scoped[0])) if scoped else False
        )
        if not scoped:
            ctx.violation("OIDC trust without a ':sub' condition lets every service account assume the role")
        elif wildcard:
            ctx.violation("OIDC trust matches service accounts with a wildcard ':sub' condition")
