"""IAM and resource policy documents of the registry, as plain functions of plain values.

Built with `json.dumps` (no provider invokes), tested without mocks. Every grant is scoped to
the stack's artifact bucket and prefix, its key, its database secret and its own model groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stackyard.components.iam import policy_document as _document

READER_ACTIONS = (
    "sagemaker:DescribeModelPackage",
    "sagemaker:DescribeModelPackageGroup",
    "sagemaker:ListModelPackages",
)
"""What another account may do with a model group: see it and its versions, nothing that changes them."""

AUTOMATIC_REGISTRATION_ACTIONS = (
    "sagemaker:AddTags",
    "sagemaker:CreateModelPackage",
    "sagemaker:CreateModelPackageGroup",
    "sagemaker:DescribeModelPackage",
    "sagemaker:DescribeModelPackageGroup",
    "sagemaker:UpdateModelPackage",
)
"""What SageMaker managed MLflow needs to mirror registered models into the model registry."""


def model_package_arn_pattern(group_arn: str) -> str:
    """`...:model-package-group/<name>` -> `...:model-package/<name>/*`, the group's versions."""
    return group_arn.replace(":model-package-group/", ":model-package/", 1) + "/*"


def model_package_group_arn(group_name: str, region: str, account_id: str, partition: str = "aws") -> str:
    return f"arn:{partition}:sagemaker:{region}:{account_id}:model-package-group/{group_name}"


def model_group_reader_policy(group_arn: str, readers: Sequence[str], partition: str = "aws") -> str:
    """Resource policy letting `readers` (account IDs) describe and list a group's versions."""
    return _document(
        [
            {
                "Sid": "ReaderAccountsDescribeModels",
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:{partition}:iam::{account}:root" for account in sorted(readers)]},
                "Action": list(READER_ACTIONS),
                "Resource": [group_arn, model_package_arn_pattern(group_arn)],
            }
        ]
    )


def artifact_statements(bucket_arn: str, prefix: str, kms_key_arn: str, region: str) -> list[dict[str, Any]]:
    """Read and write MLflow artifacts under `prefix` of the bucket, through the stack key used
    only by S3 on the role's behalf."""
    return [
        {
            "Sid": "ListArtifactPrefix",
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
            "Resource": bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [prefix, f"{prefix}/*"]}},
        },
        {
            "Sid": "ReadWriteArtifacts",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
            "Resource": f"{bucket_arn}/{prefix}/*",
        },
        {
            "Sid": "UseStackKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": kms_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
        },
    ]


def sagemaker_mlflow_policy(
    *,
    bucket_arn: str,
    prefix: str,
    kms_key_arn: str,
    region: str,
    account_id: str,
    name_prefix: str,
    automatic_model_registration: bool,
    partition: str = "aws",
) -> str:
    """The tracking server's permissions: its artifacts, and with automatic registration the
    stack's own model groups (`<project>-<env>-*`), nothing else in the registry."""
    statements = artifact_statements(bucket_arn, prefix, kms_key_arn, region)
    if automatic_model_registration:
        arn = f"arn:{partition}:sagemaker:{region}:{account_id}"
        statements.append(
            {
                "Sid": "RegisterIntoStackModelGroups",
                "Effect": "Allow",
                "Action": list(AUTOMATIC_REGISTRATION_ACTIONS),
                "Resource": [
                    f"{arn}:model-package-group/{name_prefix}-*",
                    f"{arn}:model-package/{name_prefix}-*/*",
                ],
            }
        )
    return _document(statements)


def issuer_of(oidc_provider_arn: str) -> str:
    """The issuer host and path an IAM OIDC provider ARN names (`...:oidc-provider/<issuer>`)."""
    return oidc_provider_arn.split(":oidc-provider/", 1)[1]


def mlflow_server_policy(
    *, bucket_arn: str, prefix: str, kms_key_arn: str, region: str, database_secret_arn: str
) -> str:
    """The self-hosted server's permissions: its artifacts, and reading the one secret RDS keeps
    the database password in (encrypted with the stack key, decrypted only through Secrets Manager)."""
    statements = artifact_statements(bucket_arn, prefix, kms_key_arn, region)
    statements += [
        {
            "Sid": "ReadDatabaseSecret",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            "Resource": database_secret_arn,
        },
        {
            "Sid": "DecryptDatabaseSecret",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": kms_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
        },
    ]
    return _document(statements)
