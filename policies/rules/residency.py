"""Data residency: where resources and their copies live, and who else may read them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from stackyard.policies import iam_documents, resource_properties
from stackyard.policies.catalog import (
    Indeterminate,
    ResourceCheck,
    StackCheck,
    policy_statements,
    resource_rule,
    stack_rule,
)

_RESIDENCY_FRAMEWORKS = {
    "nist-800-53": ["SA-9(5)", "AC-4"],
    "iso-27001": ["A.5.34", "A.8.10"],
    "gdpr": ["Art. 44", "Art. 46"],
    "soc2": ["C1.1"],
}

GLOBAL_MODULES = frozenset(
    {"iam", "organizations", "route53", "route53domains", "cloudfront", "budgets", "costexplorer", "shield"}
)
"""pulumi-aws modules of global services: their resources have no region to check."""


def _allowed_accounts(
    ctx: ResourceCheck | StackCheck, provider_props: Mapping[str, Any] | None
) -> set[str] | None:
    """Accounts data may go to: allowedAccounts plus the provider's `allowedAccountIds`. None when
    neither names any: a grant to a specific account cannot then be judged (it may be our own)."""
    accounts = set(ctx.config["allowedAccounts"])
    if provider_props is not None and "allowedAccountIds" in provider_props:
        accounts |= {str(a) for a in resource_properties.as_list(provider_props["allowedAccountIds"])}
    return accounts or None


def _allowed_regions(ctx: ResourceCheck) -> list[str]:
    """The allowed regions; without any the rule is not applicable: it never guesses a region list."""
    regions = list(ctx.config["allowedRegions"])
    if not regions:
        ctx.not_applicable("no allowedRegions configured")
    return regions


@resource_rule(
    id="SY-RES-001",
    name="resource-region-allowed",
    group="residency",
    severity="critical",
    enforcement="mandatory",
    description="Every AWS resource is created in an allowed region.",
    remediation="Set the provider's region (or the resource's `region` input) to one of allowedRegions, "
    "or add the region to allowedRegions if residency permits it.",
    frameworks=_RESIDENCY_FRAMEWORKS,
    peers={},
    settings=["allowedRegions"],
)
def resource_region_allowed(ctx: ResourceCheck) -> None:
    if not ctx.type.startswith("aws:"):
        ctx.not_applicable("not an AWS resource")
    if ctx.type.split(":")[1].split("/")[0] in GLOBAL_MODULES:
        ctx.not_applicable("global service: no region")
    allowed = _allowed_regions(ctx)
    region = resource_properties.resource_region(ctx.props, ctx.provider_props)
    if region is None:
        raise Indeterminate("no region on the resource or its provider (it comes from the environment)")
    if region not in allowed:
        ctx.violation(f"region '{region}' is not in the allowed regions {allowed}")


BUCKET = "aws:s3/bucket:Bucket"


def _region_of(resource: PolicyResource) -> str | None:
    provider = resource.provider.props if resource.provider is not None else None
    return resource_properties.resource_region(resource.props, provider)


def _destination_buckets(ctx: StackCheck, config: PolicyResource) -> list[PolicyResource]:
    """The stack's buckets a replication configuration copies to: those its `rules` depend on (an
    Output such as `bucket.arn`, unknown at preview) and those a literal destination ARN names.
    A literal ARN of a bucket outside the stack is indeterminate: bucket ARNs carry no region."""
    found = [d for d in config.property_dependencies.get("rules", []) if d.resource_type == BUCKET]
    by_arn = {f"arn:aws:s3:::{b.props['bucket']}": b for b in ctx.of_type(BUCKET) if "bucket" in b.props}
    for rule in resource_properties.as_list(config.props.get("rules")):
        destination = resource_properties.get_path(rule, "destination", {})
        try:
            arn = str(destination["bucket"]) if "bucket" in destination else ""
        except UnknownValueError:
            if found:
                continue  # an Output of a bucket the rules depend on
            raise
        if arn in by_arn:
            if by_arn[arn] not in found:
                found.append(by_arn[arn])
        elif not found:
            raise Indeterminate(f"destination bucket '{arn}' is not in the stack; its region is unknown")
    return found


@stack_rule(
    id="SY-RES-002",
    name="s3-replication-in-region",
    group="residency",
    severity="critical",
    enforcement="mandatory",
    description="S3 replication copies data only to buckets in allowed regions and allowed accounts.",
    remediation="Replicate to a bucket in one of allowedRegions (and an allowed account), or remove the "
    "replication rule.",
    frameworks=_RESIDENCY_FRAMEWORKS,
    peers={},
    settings=["allowedRegions", "allowedAccounts"],
)
def s3_replication_in_region(ctx: StackCheck) -> None:
    allowed = ctx.config["allowedRegions"]
    for config in ctx.of_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig"):
        with ctx.guard(config):
            provider = config.provider.props if config.provider is not None else None
            accounts = _allowed_accounts(ctx, provider)
            for rule in resource_properties.as_list(config.props.get("rules")):
                account = resource_properties.get_path(rule, "destination.account")
                if account and accounts is not None and str(account) not in accounts:
                    ctx.violation(f"replicates to account {account}, which is not an allowed account", config)
            if not allowed:
                continue
            for bucket in _destination_buckets(ctx, config):
                region = _region_of(bucket)
                if region is None:
                    raise Indeterminate(f"bucket '{bucket.name}' has no region on it or its provider")
                if region not in allowed:
                    ctx.violation(
                        f"replicates to bucket '{bucket.name}' in region '{region}', outside the allowed "
                        f"regions {allowed}",
                        config,
                    )


RESOURCE_POLICY_TYPES = {
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:kms/key:Key": "policy",
    "aws:kms/keyPolicy:KeyPolicy": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:sns/topic:Topic": "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": "resourcePolicy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
}


@resource_rule(
    id="SY-RES-003",
    name="no-cross-account-sharing",
    group="residency",
    severity="high",
    enforcement="mandatory",
    description="Resource policies (buckets, keys, topics, repositories, model packages) grant access only "
    "to allowed accounts, never to everyone.",
    remediation="Remove Allow statements for '*' or for principals of accounts outside allowedAccounts, or "
    "add the partner account to allowedAccounts after a data-sharing review.",
    frameworks={
        "nist-800-53": ["AC-3", "AC-21"],
        "iso-27001": ["A.5.14", "A.8.3"],
        "gdpr": ["Art. 28", "Art. 44"],
        "hipaa": ["164.308(b)(1)"],
        "soc2": ["CC6.1"],
    },
    peers={
        "checkov": ["CKV_AWS_70", "CKV_AWS_33"],
        "cdk-nag": ["AwsSolutions-S5"],
        "aws-config": ["s3-bucket-policy-grantee-check"],
    },
    types=list(RESOURCE_POLICY_TYPES),
    settings=["allowedAccounts"],
)
def no_cross_account_sharing(ctx: ResourceCheck) -> None:
    key = RESOURCE_POLICY_TYPES[ctx.type]
    document = ctx.props.get(key) if key in ctx.props else None
    allowed = _allowed_accounts(ctx, ctx.provider_props)
    for statement, kind, principal in iam_documents.allowed_principals(policy_statements(document)):
        if kind in ("*", "AWS") and principal == "*":
            if not statement.conditions:
                ctx.violation("an Allow statement grants access to every principal ('*') without a condition")
            continue
        if kind != "AWS":
            continue
        account = iam_documents.principal_account(principal)
        if account is not None and allowed is not None and account not in allowed:
            ctx.violation(f"grants access to account {account}, which is not an allowed account")


@resource_rule(
    id="SY-RES-004",
    name="ram-share-allowed-accounts",
    group="residency",
    severity="high",
    enforcement="mandatory",
    description="AWS RAM shares resources only with allowed accounts and not with external principals.",
    remediation="Share only with accounts in allowedAccounts; set allowExternalPrincipals to false.",
    frameworks={"nist-800-53": ["AC-21"], "iso-27001": ["A.5.14"], "gdpr": ["Art. 44"], "soc2": ["CC6.1"]},
    peers={},
    types=["aws:ram/principalAssociation:PrincipalAssociation", "aws:ram/resourceShare:ResourceShare"],
    settings=["allowedAccounts"],
)
def ram_share_allowed_accounts(ctx: ResourceCheck) -> None:
    if ctx.type == "aws:ram/resourceShare:ResourceShare":
        if ctx.props.get("allowExternalPrincipals") is True:
            ctx.violation("allowExternalPrincipals is true: accounts outside the organization can be added")
        return
    principal = str(ctx.props.get("principal", ""))
    account = iam_documents.principal_account(principal)
    if account is None:
        return  # an organization or OU ARN stays within the organization
    allowed = _allowed_accounts(ctx, ctx.provider_props)
    if allowed is None:
        ctx.not_applicable("no allowedAccounts configured")
    if account not in allowed:  # type: ignore[operator]
        ctx.violation(f"shares with account {account}, which is not an allowed account")


@resource_rule(
    id="SY-RES-005",
    name="dynamodb-replicas-in-region",
    group="residency",
    severity="critical",
    enforcement="mandatory",
    description="DynamoDB global table replicas are in allowed regions.",
    remediation="Remove replicas outside allowedRegions.",
    frameworks=_RESIDENCY_FRAMEWORKS,
    peers={},
    types=["aws:dynamodb/table:Table"],
    settings=["allowedRegions"],
)
def dynamodb_replicas_in_region(ctx: ResourceCheck) -> None:
    allowed = _allowed_regions(ctx)
    for replica in resource_properties.as_list(ctx.props.get("replicas")):
        region = str(replica.get("regionName", ""))
        if region not in allowed:
            ctx.violation(f"replica in region '{region}' is outside the allowed regions {allowed}")


@resource_rule(
    id="SY-RES-006",
    name="ecr-replication-in-region",
    group="residency",
    severity="high",
    enforcement="mandatory",
    description="ECR registry replication copies images (and the model code in them) only to allowed "
    "regions and accounts.",
    remediation="Remove replication destinations outside allowedRegions or allowedAccounts.",
    frameworks=_RESIDENCY_FRAMEWORKS,
    peers={},
    types=["aws:ecr/replicationConfiguration:ReplicationConfiguration"],
    settings=["allowedRegions", "allowedAccounts"],
)
def ecr_replication_in_region(ctx: ResourceCheck) -> None:
    allowed = _allowed_regions(ctx)
    accounts = _allowed_accounts(ctx, ctx.provider_props)
    rules = resource_properties.get_path(ctx.props, "replicationConfiguration.rules", [])
    for rule in resource_properties.as_list(rules):
        for destination in resource_properties.as_list(rule.get("destinations")):
            region = str(destination.get("region", ""))
            registry = str(destination.get("registryId", ""))
            if region not in allowed:
                ctx.violation(f"replicates to region '{region}', outside the allowed regions {allowed}")
            if accounts is not None and registry and registry not in accounts:
                ctx.violation(f"replicates to registry {registry}, which is not an allowed account")
