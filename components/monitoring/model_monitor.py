"""Model Monitor data quality: the analyzer image, S3 locations and the job role's policy, as
plain values (the resources are made by `Monitoring`)."""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

from stackyard.components.iam import policy_document
from stackyard.spec.aws import ecr_hostname

PROCESSING_INPUT = "/opt/ml/processing/input/endpoint"
PROCESSING_OUTPUT = "/opt/ml/processing/output"
ANALYZER_REPOSITORY = "sagemaker-model-monitor-analyzer"


@cache
def analyzer_image(region: str) -> str:
    """The Model Monitor analyzer image for `region`: the registry account the sagemaker SDK's
    image config lists for the region, and its repository.

    The config (`sagemaker/core/image_uri_config/model-monitor.json`) is read as data, because
    importing the SDK takes about a second and this image has no versions, processors or tags: it is
    what `image_uris.retrieve("model-monitor", region)` returns (a test compares every region)."""
    config = _sdk_image_config("model-monitor")["versions"][""]
    registries: dict[str, str] = config["registries"]
    if region not in registries:
        raise ValueError(
            f"the sagemaker SDK has no Model Monitor image for region {region}; "
            f"it has one for {', '.join(sorted(registries))}"
        )
    return f"{registries[region]}.dkr.{ecr_hostname(region)}/{config['repository']}"


def _sdk_image_config(name: str) -> dict[str, Any]:
    """One of the sagemaker SDK's image URI configs, found without importing the SDK."""
    spec = importlib.util.find_spec("sagemaker")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / "core" / "image_uri_config" / f"{name}.json"
        if path.is_file():
            return dict(json.loads(path.read_text(encoding="utf-8")))
    raise RuntimeError(f"the installed sagemaker SDK has no image config '{name}'")


def split_s3_uri(uri: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix/` -> ("bucket", "some/prefix")."""
    if not uri.startswith("s3://"):
        raise ValueError(f"'{uri}' is not an S3 URI")
    bucket, _, key = uri[len("s3://") :].partition("/")
    return bucket, key.strip("/")


def _objects_under(uri: str, partition: str) -> str:
    bucket, key = split_s3_uri(uri)
    return f"arn:{partition}:s3:::{bucket}/{key}/*" if key else f"arn:{partition}:s3:::{bucket}/*"


def monitor_role_policy(
    *,
    capture_uri: str,
    output_uri: str,
    baseline_uris: list[str],
    key_arn: str,
    region: str,
    account_id: str,
    image_uri: str,
    partition: str = "aws",
) -> str:
    """Least privilege for one endpoint's data quality job: read that endpoint's captured data and
    baseline, write its reports, use the stack key, pull the analyzer image, write its logs, and
    manage the network interfaces a job in a VPC needs (EC2 takes no resource ARNs for those)."""
    capture_bucket, capture_prefix = split_s3_uri(capture_uri)
    image_account = image_uri.split(".", 1)[0]
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadCapturedData",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": _objects_under(capture_uri, partition),
        },
        {
            "Sid": "ListCapturedData",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": f"arn:{partition}:s3:::{capture_bucket}",
            "Condition": {"StringLike": {"s3:prefix": [f"{capture_prefix}/*" if capture_prefix else "*"]}},
        },
        {
            "Sid": "WriteReports",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
            "Resource": _objects_under(output_uri, partition),
        },
    ]
    if baseline_uris:
        statements.append(
            {
                "Sid": "ReadBaseline",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": [f"arn:{partition}:s3:::{'/'.join(split_s3_uri(uri))}" for uri in baseline_uris],
            }
        )
    statements += [
        {
            "Sid": "UseTheStackKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"],
            "Resource": key_arn,
        },
        {
            "Sid": "PullAnalyzerImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            "Resource": f"arn:{partition}:ecr:{region}:{image_account}:repository/{ANALYZER_REPOSITORY}",
        },
        {"Sid": "EcrToken", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {
            "Sid": "WriteJobLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"arn:{partition}:logs:{region}:{account_id}:log-group:/aws/sagemaker/ProcessingJobs:*",
        },
        {
            "Sid": "RunInTheVpc",
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterface",
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeVpcs",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
            ],
            "Resource": "*",
        },
    ]
    return policy_document(statements)
