"""Resources the audit tests create in moto, and the Pulumi program that declares the same ones,
so `check` on its plan and `audit` on the account can be compared rule for rule."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tests.moto_server import ACCOUNT, REGION, client

TAGS = {"owner": "ml-team", "cost-center": "cc-0001", "data-classification": "internal"}
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-execution"
IMAGE = f"683313688378.dkr.ecr.{REGION}.amazonaws.com/sagemaker-xgboost:1.7-1"
MODEL_DATA = "s3://models-bucket/churn/model.tar.gz"
INSECURE_BUCKET = "insecure-data"
INSECURE_MODEL = "insecure-model"
INSECURE_CONFIG = "insecure-config"
COMPLIANT_BUCKET = "compliant-data"
COMPLIANT_MODEL = "compliant-model"
COMPLIANT_CONFIG = "compliant-config"
SUBNETS = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
SECURITY_GROUP = "sg-0a1b2c3d4e5f60003"


def _tag_list(key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in TAGS.items()]


def tls_only_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


def create_insecure(url: str) -> None:
    """A bucket with nothing configured, and an endpoint configuration (and its model) without a key."""
    s3: Any = client(url, "s3")
    s3.create_bucket(Bucket=INSECURE_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    sagemaker: Any = client(url, "sagemaker")
    sagemaker.create_model(
        ModelName=INSECURE_MODEL,
        ExecutionRoleArn=ROLE_ARN,
        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": MODEL_DATA},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=INSECURE_CONFIG,
        ProductionVariants=[
            {
                "VariantName": "main",
                "ModelName": INSECURE_MODEL,
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )


@dataclass(frozen=True)
class Compliant:
    key_id: str
    key_arn: str


def create_compliant(url: str) -> Compliant:
    kms: Any = client(url, "kms")
    key = kms.create_key(Description="stack key", Tags=_tag_list("TagKey", "TagValue"))["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    s3: Any = client(url, "s3")
    s3.create_bucket(Bucket=COMPLIANT_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_tagging(Bucket=COMPLIANT_BUCKET, Tagging={"TagSet": _tag_list()})
    s3.put_bucket_encryption(
        Bucket=COMPLIANT_BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key["Arn"],
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3.put_bucket_versioning(Bucket=COMPLIANT_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(
        Bucket=COMPLIANT_BUCKET,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_policy(Bucket=COMPLIANT_BUCKET, Policy=tls_only_policy(COMPLIANT_BUCKET))
    sagemaker: Any = client(url, "sagemaker")
    sagemaker.create_model(
        ModelName=COMPLIANT_MODEL,
        ExecutionRoleArn=ROLE_ARN,
        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": MODEL_DATA},
        EnableNetworkIsolation=True,
        VpcConfig={"SecurityGroupIds": [SECURITY_GROUP], "Subnets": SUBNETS},
        Tags=_tag_list(),
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=COMPLIANT_CONFIG,
        ProductionVariants=[
            {
                "VariantName": "main",
                "ModelName": COMPLIANT_MODEL,
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
        KmsKeyId=key["Arn"],
        DataCaptureConfig={
            "EnableCapture": True,
            "InitialSamplingPercentage": 20,
            "DestinationS3Uri": f"s3://{COMPLIANT_BUCKET}/capture",
            "KmsKeyId": key["Arn"],
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        },
        Tags=_tag_list(),
    )
    return Compliant(key_id=key["KeyId"], key_arn=key["Arn"])


INSECURE_PROGRAM = f'''
import pulumi_aws as aws

aws.s3.Bucket("{INSECURE_BUCKET}", bucket="{INSECURE_BUCKET}")
aws.sagemaker.Model(
    "{INSECURE_MODEL}",
    name="{INSECURE_MODEL}",
    execution_role_arn="{ROLE_ARN}",
    primary_container={{"image": "{IMAGE}", "model_data_url": "{MODEL_DATA}"}},
)
aws.sagemaker.EndpointConfiguration(
    "{INSECURE_CONFIG}",
    name="{INSECURE_CONFIG}",
    production_variants=[
        {{"variant_name": "main", "model_name": "{INSECURE_MODEL}", "instance_type": "ml.m5.large",
          "initial_instance_count": 1}}
    ],
)
'''
"""The insecure set as a Pulumi program with literal names, as `check` sees it planned."""
