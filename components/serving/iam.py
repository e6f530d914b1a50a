"""The execution role of a SageMaker model: what the endpoint's instances may do, and nothing more.

Plain functions building policy JSON (tested without Pulumi); the component fills in the values
that are Outputs (account, key ARN, bucket ARN) with one `apply`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stackyard.components.iam import policy_document
from stackyard.components.serving.spec import S3_URI

ECR_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]

# SageMaker attaches network interfaces in the stack's subnets on the role's behalf. The Describe*
# actions have no resource-level permissions at all, and CreateNetworkInterface must also be
# allowed on the network interface it creates, whose ARN does not exist before the call: AWS
# documents `*` for these (AmazonSageMakerFullAccess does the same, for far more actions).
VPC_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
]


def s3_object_arns(partition: str, s3_uri: str) -> list[str]:
    """The model artifact: the object itself, or everything under it when the URI is a prefix
    (uncompressed models are read from a prefix)."""
    match = S3_URI.match(s3_uri)
    if match is None:
        raise ValueError(f"'{s3_uri}' is not an S3 object URI")
    key = match["key"]
    arn = f"arn:{partition}:s3:::{match['bucket']}/{key}"
    return [f"{arn}*"] if key.endswith("/") else [arn]


def execution_role_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    endpoint_name: str,
    kms_key_arn: str,
    model_s3_uri: str | None,
    image_repository_arns: Sequence[str],
    capture_bucket_arn: str | None,
    capture_prefix: str | None,
    in_vpc: bool = True,
) -> str:
    """The role's inline policy.

    - the model artifact: read, scoped to the object when the spec names one; a model package's
      artifacts live wherever the package says, so they are readable in this account only
      (`s3:ResourceAccount`);
    - the image: pull from its ECR repository (for AWS's Deep Learning Containers that repository
      is in AWS's registry account); `ecr:GetAuthorizationToken` has no resource-level permissions;
    - the endpoint's log group, the stack key, its own prefix of the data capture bucket;
    - network interfaces in the stack's subnets (see VPC_ACTIONS), unless serverless (no VPC).
    """
    statements: list[dict[str, Any]] = []
    if model_s3_uri:
        statements.append(
            {
                "Sid": "ReadModelArtifact",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": s3_object_arns(partition, model_s3_uri),
            }
        )
    else:
        statements.append(
            {
                "Sid": "ReadModelPackageArtifactsInThisAccount",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": f"arn:{partition}:s3:::*/*",
                "Condition": {"StringEquals": {"s3:ResourceAccount": account_id}},
            }
        )
    statements.append(
        {
            "Sid": "PullImage",
            "Effect": "Allow",
            "Action": ECR_PULL_ACTIONS,
            "Resource": sorted(set(image_repository_arns)),
        }
    )
    statements.append(
        {"Sid": "EcrToken", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"}
    )
    log_group = (
        f"arn:{partition}:logs:{region}:{account_id}:log-group:/aws/sagemaker/Endpoints/{endpoint_name}"
    )
    statements.append(
        {
            "Sid": "WriteEndpointLogs",
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:DescribeLogStreams",
                "logs:PutLogEvents",
            ],
            "Resource": [log_group, f"{log_group}:log-stream:*"],
        }
    )
    statements.append(
        {
            "Sid": "UseStackKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": kms_key_arn,
        }
    )
    if capture_bucket_arn and capture_prefix:
        statements.append(
            {
                "Sid": "WriteDataCapture",
                "Effect": "Allow",
                "Action": ["s3:PutObject"],
                "Resource": f"{capture_bucket_arn}/{capture_prefix}/*",
            }
        )
    if in_vpc:
        statements.append(
            {"Sid": "AttachToStackSubnets", "Effect": "Allow", "Action": VPC_ACTIONS, "Resource": "*"}
        )
    return policy_document(statements)


def pullable_repositories(partition: str, region: str, account_id: str, image_uri: str | None) -> list[str]:
    """The ECR repository the role may pull from: the image's; without an image (a model package
    carries its own) the repositories of this account in this region."""
    from stackyard.components.serving.images import parse_ecr_image

    image = parse_ecr_image(image_uri) if image_uri else None
    if image is None:
        return [f"arn:{partition}:ecr:{region}:{account_id}:repository/*"]
    return [image.repository_arn(partition)]
