"""Data protection: stateful resources survive mistakes; data is versioned, retained no longer than
allowed, and backed up."""

from __future__ import annotations

from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from stackyard.policies import resource_properties
from stackyard.policies.catalog import (
    Indeterminate,
    ResourceCheck,
    StackCheck,
    known_names,
    resource_rule,
    stack_rule,
)
from stackyard.stateful import STATEFUL_TYPES

_RESILIENCE = {
    "nist-800-53": ["CP-9", "CP-10", "SI-12"],
    "iso-27001": ["A.8.13", "A.5.33"],
    "gdpr": ["Art. 32(1)(c)"],
    "hipaa": ["164.308(a)(7)(ii)(A)"],
    "soc2": ["A1.2", "A1.3"],
}


def _require_environment(ctx: ResourceCheck, environments: tuple[str, ...]) -> str:
    environment = ctx.environment()
    if environment is None:
        ctx.not_applicable("environment unknown: set the environment setting or an 'environment' tag")
    if environment not in environments:
        ctx.not_applicable(f"applies in {list(environments)}, not in '{environment}'")
    return str(environment)


@resource_rule(
    id="SY-DP-001",
    name="stateful-protected-in-prod",
    group="data_protection",
    severity="high",
    enforcement="mandatory",
    description="In production, stateful resources (buckets, feature groups, databases, tables, keys, "
    "registries) are protected against deletion with Pulumi's `protect` option.",
    remediation="Create the resource with ResourceOptions(protect=True) (stackyard components do this in "
    "prod); unprotect explicitly before a planned removal.",
    frameworks=_RESILIENCE,
    peers={},
    types=sorted(STATEFUL_TYPES),
    settings=["environment"],
)
def stateful_protected_in_prod(ctx: ResourceCheck) -> None:
    _require_environment(ctx, ("prod",))
    if not ctx.protected:
        ctx.violation("stateful resource is not protected (protect=True) in prod")


BUCKET = "aws:s3/bucket:Bucket"
BUCKET_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"


def _versioning_status(ctx: StackCheck, bucket: PolicyResource) -> str | None:
    statuses = [
        str(resource_properties.get_path(v.props, "versioningConfiguration.status", ""))
        for v in ctx.referencing(bucket, [BUCKET_VERSIONING], "bucket")
    ]
    inline = resource_properties.get_path(bucket.props, "versioning.enabled")
    if inline is True:
        statuses.append("Enabled")
    return "Enabled" if "Enabled" in statuses else (statuses[0] if statuses else None)


@stack_rule(
    id="SY-DP-002",
    name="bucket-versioning",
    group="data_protection",
    severity="medium",
    enforcement="mandatory",
    description="S3 buckets (model artifacts, datasets, feature data) keep object versions, so an overwrite "
    "or delete can be undone.",
    remediation="Add an aws.s3.BucketVersioning for the bucket with versioning_configuration status "
    "'Enabled'; expire old versions with a lifecycle rule.",
    frameworks=_RESILIENCE,
    peers={"checkov": ["CKV_AWS_21"], "aws-config": ["s3-bucket-versioning-enabled"]},
)
def bucket_versioning(ctx: StackCheck) -> None:
    for bucket in ctx.of_type("aws:s3/bucket:Bucket"):
        with ctx.guard(bucket):
            status = _versioning_status(ctx, bucket)
            if status is None:
                ctx.violation("bucket has no versioning configuration", bucket)
            elif status != "Enabled":
                ctx.violation(f"bucket versioning is '{status}', not 'Enabled'", bucket)


def _expiration_days(ctx: StackCheck, bucket: PolicyResource, prefix: str | None) -> list[int]:
    """Expiration days of the enabled lifecycle rules of `bucket` that cover objects under `prefix`.
    With the prefix unknown at preview only whole-bucket rules are known to cover it."""
    days = []
    undecided = False
    kind = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
    expirations = ctx.view(_LifecycleExpirations)
    for config in ctx.referencing(bucket, [kind], "bucket"):
        for rule_prefix, expiration in expirations.of(config):
            if prefix is None and rule_prefix:
                undecided = True
            elif prefix is None or prefix.startswith(rule_prefix):
                days.append(int(expiration))
    if undecided and not days:
        raise Indeterminate(
            "the offline store's S3 prefix is unknown, so prefixed lifecycle rules cannot be matched"
        )
    return days


class _LifecycleExpirations:
    """Each lifecycle configuration's enabled expiring rules as (prefix, expiration days), read once per check:
    every feature group of a shared offline bucket asks about the same configuration, whose rules
    are one per group (reading them per group was quadratic in the groups). A configuration whose
    rules cannot be read (an unknown value) raises the same error for each group that asks."""

    def __init__(self, ctx: StackCheck) -> None:
        self._read: dict[str, list[tuple[str, Any]] | Exception] = {}

    def of(self, config: PolicyResource) -> list[tuple[str, Any]]:
        if config.urn not in self._read:
            try:
                self._read[config.urn] = self._expiring_rules(config)
            except Exception as exc:
                self._read[config.urn] = exc
        read = self._read[config.urn]
        if isinstance(read, Exception):
            raise read
        return read

    @staticmethod
    def _expiring_rules(config: PolicyResource) -> list[tuple[str, Any]]:
        found = []
        for rule in resource_properties.as_list(config.props.get("rules")):
            if rule.get("status") != "Enabled":
                continue
            rule_prefix = str(resource_properties.get_path(rule, "filter.prefix", "") or rule.get("prefix") or "")
            expiration = resource_properties.get_path(rule, "expiration.days")
            if not expiration:
                continue
            found.append((rule_prefix, expiration))
        return found


def _offline_store_location(
    ctx: StackCheck, group: PolicyResource
) -> tuple[PolicyResource, str | None] | None:
    """The stack's bucket an offline store writes to (through a property dependency, or by the
    bucket name in a literal s3Uri) and the key prefix under it (None when unknown at preview)."""
    deps = [d for d in group.property_dependencies.get("offlineStoreConfig", []) if d.resource_type == BUCKET]
    try:
        uri: str | None = str(resource_properties.get_path(group.props, "offlineStoreConfig.s3StorageConfig.s3Uri", ""))
    except UnknownValueError:
        if not deps:
            raise
        uri = None
    if uri is None:
        return deps[0], None
    bucket_name, _, prefix = uri.removeprefix("s3://").partition("/")
    for bucket in ctx.of_type(BUCKET):
        if bucket in deps or bucket_name in known_names(bucket):
            return bucket, prefix
    return None


@stack_rule(
    id="SY-DP-003",
    name="offline-store-retention",
    group="data_protection",
    severity="medium",
    enforcement="mandatory",
    description="Offline feature store data expires: the bucket has a lifecycle rule covering the store's "
    "prefix, within the configured maximum retention.",
    remediation="Add an aws.s3.BucketLifecycleConfiguration rule on the offline store bucket that expires "
    "objects after at most maxOfflineRetentionDays (stackyard's SecureBucket takes retention_days).",
    frameworks={
        "nist-800-53": ["SI-12", "AU-11"],
        "iso-27001": ["A.8.10"],
        "gdpr": ["Art. 5(1)(e)"],
        "hipaa": ["164.316(b)(2)(i)"],
        "soc2": ["C1.2", "P4.2"],
    },
    peers={"checkov": ["CKV2_AWS_61"], "aws-config": ["s3-lifecycle-policy-check"]},
    settings=["maxOfflineRetentionDays"],
)
def offline_store_retention(ctx: StackCheck) -> None:
    limit = int(ctx.config["maxOfflineRetentionDays"])
    for group in ctx.of_type("aws:sagemaker/featureGroup:FeatureGroup"):
        with ctx.guard(group):
            if not resource_properties.get_path(group.props, "offlineStoreConfig"):
                continue
            location = _offline_store_location(ctx, group)
            if location is None:
                raise Indeterminate("the offline store bucket is not in the stack; its lifecycle is unknown")
            days = _expiration_days(ctx, *location)
            if not days:
                ctx.violation(
                    "offline store data never expires: no enabled lifecycle expiration covers it", group
                )
            elif limit and min(days) > limit:
                ctx.violation(
                    f"offline store data is kept {min(days)} days, more than the maximum {limit}", group
                )


_RDS = ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"]


@resource_rule(
    id="SY-DP-004",
    name="rds-deletion-protection",
    group="data_protection",
    severity="high",
    enforcement="mandatory",
    description="Databases in staging and prod have deletion protection on.",
    remediation="Set deletion_protection=True (stackyard's presets do this outside dev).",
    frameworks=_RESILIENCE,
    peers={
        "checkov": ["CKV_AWS_293", "CKV_AWS_139"],
        "cdk-nag": ["AwsSolutions-RDS10"],
        "aws-config": ["rds-instance-deletion-protection-enabled"],
    },
    types=_RDS,
    settings=["environment"],
)
def rds_deletion_protection(ctx: ResourceCheck) -> None:
    if ctx.type == "aws:rds/instance:Instance" and str(ctx.props.get("engine", "")).startswith("aurora"):
        ctx.not_applicable("Aurora instances are protected through their cluster")
    _require_environment(ctx, ("staging", "prod"))
    if ctx.props.get("deletionProtection") is not True:
        ctx.violation("deletion protection is off (deletionProtection is not true)")


@resource_rule(
    id="SY-DP-005",
    name="rds-backups",
    group="data_protection",
    severity="high",
    enforcement="mandatory",
    description="Databases keep automated backups for at least the configured number of days.",
    remediation="Set backup_retention_period to at least minBackupRetentionDays.",
    frameworks=_RESILIENCE,
    peers={
        "checkov": ["CKV_AWS_133"],
        "cdk-nag": ["AwsSolutions-RDS11"],
        "aws-config": ["db-instance-backup-enabled"],
    },
    types=_RDS,
    settings=["minBackupRetentionDays"],
)
def rds_backups(ctx: ResourceCheck) -> None:
    if ctx.type == "aws:rds/instance:Instance" and str(ctx.props.get("engine", "")).startswith("aurora"):
        ctx.not_applicable("Aurora instances are backed up through their cluster")
    minimum = int(ctx.config["minBackupRetentionDays"])
    # RDS keeps 1 day of backups when the input is omitted (the API default for instances and clusters).
    retention = int(ctx.props["backupRetentionPeriod"]) if "backupRetentionPeriod" in ctx.props else 1
    if retention < minimum:
        ctx.violation(f"keeps backups {retention} days, fewer than the minimum {minimum}")


@resource_rule(
    id="SY-DP-006",
    name="rds-final-snapshot",
    group="data_protection",
    severity="medium",
    enforcement="mandatory",
    description="Production databases take a final snapshot when deleted.",
    remediation="Set skip_final_snapshot=False and a final_snapshot_identifier.",
    frameworks=_RESILIENCE,
    peers={},
    types=_RDS,
    settings=["environment"],
)
def rds_final_snapshot(ctx: ResourceCheck) -> None:
    if ctx.type == "aws:rds/instance:Instance" and str(ctx.props.get("engine", "")).startswith("aurora"):
        ctx.not_applicable("Aurora instances are snapshotted through their cluster")
    _require_environment(ctx, ("prod",))
    if ctx.props.get("skipFinalSnapshot") is True:
        ctx.violation("deleting the database skips the final snapshot (skipFinalSnapshot is true)")
