"""Least privilege: no broad managed policies, no wildcard data actions, narrow role trust."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from stackyard.policies import iam_documents, placeholders, resource_properties
from stackyard.policies.catalog import ResourceCheck, policy_statements, resource_rule

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


@resource_rule(
    id="SY-IAM-001",
    name="no-full-access-managed-policies",
    group="identity",
    severity="high",
    enforcement="mandatory",
    description="No identity gets an AWS managed '*FullAccess' policy.",
    remediation="Replace the managed policy with an inline or customer managed policy that lists the "
    "actions and resources the workload needs.",
    frameworks=_LEAST_PRIVILEGE,
    peers={"cdk-nag": ["AwsSolutions-IAM4"], "aws-config": ["iam-policy-blacklisted-check"]},
    types=list(ATTACHMENT_TYPES),
)
def no_full_access_managed_policies(ctx: ResourceCheck) -> None:
    for name in attached_managed_policies(ctx):
        if name.endswith("FullAccess"):
            ctx.violation(f"attaches the AWS managed policy '{name}'")


@resource_rule(
    id="SY-IAM-002",
    name="no-admin-managed-policies",
    group="identity",
    severity="critical",
    enforcement="mandatory",
    description="No identity gets administrator or power-user access.",
    remediation="Remove the AdministratorAccess/PowerUserAccess attachment; grant the specific actions needed.",
    frameworks=_LEAST_PRIVILEGE,
    peers={"checkov": ["CKV_AWS_274"], "aws-config": ["iam-policy-blacklisted-check"]},
    types=list(ATTACHMENT_TYPES),
)
def no_admin_managed_policies(ctx: ResourceCheck) -> None:
    for name in attached_managed_policies(ctx):
        if name in ADMIN_POLICIES:
            ctx.violation(f"attaches the administrator policy '{name}'")


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


@resource_rule(
    id="SY-IAM-003",
    name="no-wildcard-data-actions",
    group="identity",
    severity="high",
    enforcement="mandatory",
    description="Identity policies grant no wildcard actions on data services (s3:*, sagemaker:*, kms:*, ...).",
    remediation="List the actions the workload needs (s3:GetObject, s3:PutObject, ...) instead of '<service>:*'.",
    frameworks=_LEAST_PRIVILEGE,
    peers={"cdk-nag": ["AwsSolutions-IAM5"]},
    types=_IDENTITY_DOCUMENT_TYPES,
    settings=["dataServices"],
)
def no_wildcard_data_actions(ctx: ResourceCheck) -> None:
    services = ctx.config["dataServices"]
    for document in identity_policy_documents(ctx):
        for statement in _report_unparsable(ctx, document) or []:
            for action in iam_documents.wildcard_service_actions(statement, services):
                if action.strip() != "*":  # full wildcards are SY-IAM-004's
                    ctx.violation(f"allows the wildcard action '{action}'")


@resource_rule(
    id="SY-IAM-004",
    name="no-full-admin-statements",
    group="identity",
    severity="critical",
    enforcement="mandatory",
    description="No identity policy allows every action ('Action': '*').",
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
            if statement.allows and "*" in [a.strip() for a in statement.actions]:
                ctx.violation("allows every action ('Action': '*')")
            elif statement.allows and statement.not_actions:
                ctx.violation("allows everything except a list of actions ('NotAction' with Allow)")


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
