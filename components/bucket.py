"""A hardened S3 bucket: the one way stackyard stores data in S3.

Pure functions build the documents (testable without Pulumi); `SecureBucket` wires them to the
pulumi-aws v7 bucket resources.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from stackyard.components.context import StackContext
from stackyard.components.iam import policy_document


def tls_only_policy(bucket_arn: str) -> str:
    """A bucket policy that denies every request not made over TLS (aws:SecureTransport)."""
    return policy_document(
        [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]
    )


BUCKET_NAME_MAX = 63
ACCOUNT_ID_LENGTH = 12


def bucket_name(name: str, name_prefix: str, account_id: str) -> str:
    """The bucket's physical name, `<project>-<env>-<role>-<account-id>`: deterministic, so it is
    known at preview (the account comes from an invoke, answered at preview) and everything built
    from it (the bucket's ARN in its policy, `s3://` URIs handed to other services) is known too.
    S3 names are global: the account ID keeps two accounts' stacks of one project apart, the
    project and environment keep stacks of one account apart. `name` is the Pulumi name, prefixed
    with `name_prefix` when it does not start with it, cut to fit the 63-character limit."""
    base = name if name.startswith(f"{name_prefix}-") else f"{name_prefix}-{name}"
    base = base.lower()[: BUCKET_NAME_MAX - ACCOUNT_ID_LENGTH - 1].rstrip("-.")
    return f"{base}-{account_id}"


def bucket_arn(bucket: str, partition: str = "aws") -> str:
    return f"arn:{partition}:s3:::{bucket}"


def retention_rules(
    retention_days: int | None, prefix_retention_days: Mapping[str, int] | None = None
) -> list[aws.s3.BucketLifecycleConfigurationRuleArgsDict]:
    """Lifecycle rules: always clean up incomplete uploads and old versions; expire current
    objects after the retention period when one is set (GDPR storage limitation).

    `prefix_retention_days` gives data under a key prefix its own period (one rule per prefix,
    in key order so the rules never reorder between runs), for buckets that hold several data
    sets with different retention, such as the offline stores of several feature groups."""
    rules: list[aws.s3.BucketLifecycleConfigurationRuleArgsDict] = [
        {
            "id": "abort-incomplete-uploads",
            "status": "Enabled",
            "filter": {},
            "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
        },
        {
            "id": "expire-noncurrent-versions",
            "status": "Enabled",
            "filter": {},
            "noncurrent_version_expiration": {"noncurrent_days": 30},
        },
    ]
    if retention_days is not None:
        rules.append(
            {
                "id": "expire-after-retention",
                "status": "Enabled",
                "filter": {},
                "expiration": {"days": retention_days},
            }
        )
    for prefix, days in sorted((prefix_retention_days or {}).items()):
        rules.append(
            {
                "id": f"expire-{prefix.strip('/')}-after-retention",
                "status": "Enabled",
                "filter": {"prefix": prefix},
                "expiration": {"days": days},
            }
        )
    return rules


class SecureBucket(pulumi.ComponentResource):
    """An S3 bucket with SSE-KMS (customer key, bucket key), versioning, all four public-access
    blocks, a TLS-only policy and lifecycle rules; protected when the stack protects stateful data."""

    bucket: aws.s3.Bucket
    arn: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        context: StackContext,
        kms_key_arn: pulumi.Input[str],
        retention_days: int | None = None,
        prefix_retention_days: Mapping[str, int] | None = None,
        tags: dict[str, str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("stackyard:storage:SecureBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        invoke = pulumi.InvokeOutputOptions(parent=self)
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke).partition
        physical_name = account_id.apply(lambda account: bucket_name(name, context.name_prefix, account))
        self.bucket = aws.s3.Bucket(
            name,
            bucket=physical_name,
            force_destroy=False,
            tags=tags or context.tags_for(name),
            opts=pulumi.ResourceOptions.merge(child, context.stateful_options()),
        )
        bucket_id = self.bucket.id
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket_id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": kms_key_arn,
                    },
                    "bucket_key_enabled": True,
                }
            ],
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket_id,
            versioning_configuration={"status": "Enabled"},
            opts=child,
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-tls-only",
            bucket=bucket_id,
            # Built from the bucket's known name, not its `arn` output, so the policy is known at
            # preview and the TLS rule can be checked before the bucket exists.
            policy=pulumi.Output.all(physical_name, partition).apply(
                lambda values: tls_only_policy(bucket_arn(values[0], values[1]))
            ),
            # S3 rejects a bucket policy while the public-access block is being changed.
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[public_access])),
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket_id,
            rules=retention_rules(retention_days, prefix_retention_days),
            opts=child,
        )

        self.arn = self.bucket.arn
        self.name = self.bucket.bucket
        self.register_outputs({"arn": self.arn, "name": self.name})
