"""The audit's readers for what moto's server does not implement (ListFeatureGroups,
GetModelPackageGroupPolicy, ListMlflowTrackingServers and DescribeMlflowTrackingServer answer 500;
CreateModel drops EnableNetworkIsolation), against botocore's Stubber: every request is checked
against the real service model, and the answers are shaped as the model says."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from stackyard.audit.readers import (
    FEATURE_GROUP,
    MODEL,
    MODEL_PACKAGE_GROUP,
    MODEL_PACKAGE_GROUP_POLICY,
    TRACKING_SERVER,
    LiveResource,
    read_feature_groups,
    read_model_package_groups,
    read_sagemaker_models,
    read_tracking_servers,
)
from stackyard.aws_clients import AwsAccess
from tests.audit.shapes import unknown_inputs

REGION = "eu-west-1"
ARN = "arn:aws:sagemaker:eu-west-1:123456789012"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/0d5e3f5e-6f5c-4c1e-9a57-2d0f3b1f6a10"
TAGS = [{"Key": "owner", "Value": "ml-team"}]
WHEN = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


@pytest.fixture
def stubbed() -> Iterator[tuple[AwsAccess, Stubber]]:
    session = boto3.Session(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y")
    sagemaker = session.client("sagemaker")
    access = AwsAccess(region=REGION)
    access._clients["sagemaker"] = sagemaker
    with Stubber(sagemaker) as stub:
        yield access, stub
        stub.assert_no_pending_responses()


def _tags(stub: Stubber, arn: str) -> None:
    stub.add_response("list_tags", {"Tags": TAGS}, {"ResourceArn": arn})


def test_feature_groups(stubbed: tuple[AwsAccess, Stubber]) -> None:
    access, stub = stubbed
    arn = f"{ARN}:feature-group/customers"
    stub.add_response(
        "list_feature_groups",
        {
            "FeatureGroupSummaries": [
                {"FeatureGroupName": "customers", "FeatureGroupArn": arn, "CreationTime": WHEN}
            ],
        },
        {},
    )
    stub.add_response(
        "describe_feature_group",
        {
            "FeatureGroupArn": arn,
            "FeatureGroupName": "customers",
            "RecordIdentifierFeatureName": "customer_id",
            "EventTimeFeatureName": "event_time",
            "FeatureDefinitions": [
                {"FeatureName": "customer_id", "FeatureType": "String"},
                {"FeatureName": "event_time", "FeatureType": "Fractional"},
            ],
            "CreationTime": WHEN,
            "OnlineStoreConfig": {
                "EnableOnlineStore": True,
                "SecurityConfig": {"KmsKeyId": KEY},
                "TtlDuration": {"Unit": "Days", "Value": 30},
            },
            "OfflineStoreConfig": {
                "S3StorageConfig": {"S3Uri": "s3://offline/customers", "KmsKeyId": KEY},
                "TableFormat": "Iceberg",
            },
            "RoleArn": "arn:aws:iam::123456789012:role/fs",
            "FeatureGroupStatus": "Created",
            "NextToken": "",
        },
        {"FeatureGroupName": "customers"},
    )
    _tags(stub, arn)
    found = list(read_feature_groups(access))
    assert unknown_inputs(found) == {}
    assert found == [
        LiveResource(
            FEATURE_GROUP,
            "customers",
            "customers",
            {
                "featureGroupName": "customers",
                "recordIdentifierFeatureName": "customer_id",
                "eventTimeFeatureName": "event_time",
                "roleArn": "arn:aws:iam::123456789012:role/fs",
                "featureDefinitions": [
                    {"featureName": "customer_id", "featureType": "String"},
                    {"featureName": "event_time", "featureType": "Fractional"},
                ],
                "onlineStoreConfig": {
                    "enableOnlineStore": True,
                    "securityConfig": {"kmsKeyId": KEY},
                    "ttlDuration": {"unit": "Days", "value": 30},
                },
                "offlineStoreConfig": {
                    "s3StorageConfig": {"s3Uri": "s3://offline/customers", "kmsKeyId": KEY},
                    "tableFormat": "Iceberg",
                },
                "tags": {"owner": "ml-team"},
            },
        )
    ]


def test_model_package_groups_and_their_policies(stubbed: tuple[AwsAccess, Stubber]) -> None:
    access, stub = stubbed
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                "Action": "sagemaker:DescribeModelPackage",
                "Resource": "*",
            }
        ],
    }
    groups = [
        {
            "ModelPackageGroupName": name,
            "ModelPackageGroupArn": f"{ARN}:model-package-group/{name}",
            "CreationTime": WHEN,
            "ModelPackageGroupStatus": "Completed",
        }
        for name in ("churn", "fraud")
    ]
    stub.add_response("list_model_package_groups", {"ModelPackageGroupSummaryList": groups}, {})
    _tags(stub, groups[0]["ModelPackageGroupArn"])
    stub.add_response(
        "get_model_package_group_policy",
        {"ResourcePolicy": json.dumps(policy)},
        {"ModelPackageGroupName": "churn"},
    )
    _tags(stub, groups[1]["ModelPackageGroupArn"])
    stub.add_client_error(
        "get_model_package_group_policy",
        "ResourceNotFound",
        "no policy",
        expected_params={"ModelPackageGroupName": "fraud"},
    )
    found = list(read_model_package_groups(access))
    assert unknown_inputs(found) == {}
    assert [(r.type, r.id) for r in found] == [
        (MODEL_PACKAGE_GROUP, "churn"),
        (MODEL_PACKAGE_GROUP_POLICY, "churn"),
        (MODEL_PACKAGE_GROUP, "fraud"),
    ]
    assert found[1].inputs == {
        "modelPackageGroupName": "churn",
        "resourcePolicy": json.dumps(policy, sort_keys=True),
    }


def test_tracking_servers(stubbed: tuple[AwsAccess, Stubber]) -> None:
    access, stub = stubbed
    arn = f"{ARN}:mlflow-tracking-server/ml-prod-mlflow"
    stub.add_response(
        "list_mlflow_tracking_servers",
        {"TrackingServerSummaries": [{"TrackingServerArn": arn, "TrackingServerName": "ml-prod-mlflow"}]},
        {},
    )
    stub.add_response(
        "describe_mlflow_tracking_server",
        {
            "TrackingServerArn": arn,
            "TrackingServerName": "ml-prod-mlflow",
            "ArtifactStoreUri": "s3://ml-prod-mlflow-artifacts",
            "TrackingServerSize": "Medium",
            "MlflowVersion": "2.16.2",
            "RoleArn": "arn:aws:iam::123456789012:role/mlflow",
            "TrackingServerStatus": "Created",
            "AutomaticModelRegistration": True,
            "WeeklyMaintenanceWindowStart": "Sun:03:00",
        },
        {"TrackingServerName": "ml-prod-mlflow"},
    )
    _tags(stub, arn)
    (server,) = read_tracking_servers(access)
    assert unknown_inputs([server]) == {}
    assert server == LiveResource(
        TRACKING_SERVER,
        "ml-prod-mlflow",
        "ml-prod-mlflow",
        {
            "trackingServerName": "ml-prod-mlflow",
            "artifactStoreUri": "s3://ml-prod-mlflow-artifacts",
            "roleArn": "arn:aws:iam::123456789012:role/mlflow",
            "trackingServerSize": "Medium",
            "mlflowVersion": "2.16.2",
            "automaticModelRegistration": True,
            "weeklyMaintenanceWindowStart": "Sun:03:00",
            "tags": {"owner": "ml-team"},
        },
    )


def test_an_isolated_model_maps_to_network_isolation_on(stubbed: tuple[AwsAccess, Stubber]) -> None:
    access, stub = stubbed
    arn = f"{ARN}:model/churn"
    stub.add_response(
        "list_models", {"Models": [{"ModelName": "churn", "ModelArn": arn, "CreationTime": WHEN}]}, {}
    )
    described: dict[str, Any] = {
        "ModelName": "churn",
        "ModelArn": arn,
        "CreationTime": WHEN,
        "PrimaryContainer": {"Image": "image:1", "ModelDataUrl": "s3://m/model.tar.gz"},
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/serving",
        "EnableNetworkIsolation": True,
        "VpcConfig": {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]},
    }
    stub.add_response("describe_model", described, {"ModelName": "churn"})
    _tags(stub, arn)
    (model,) = read_sagemaker_models(access)
    assert model.type == MODEL
    assert model.inputs["enableNetworkIsolation"] is True
    assert model.inputs["vpcConfig"] == {"securityGroupIds": ["sg-1"], "subnets": ["subnet-1"]}


def test_batch_compute_environments() -> None:
    """Batch's (camelCase) compute environments, stubbed: moto's server would start EC2 instances
    for a managed environment."""
    from stackyard.audit.readers import COMPUTE_ENVIRONMENT, read_batch

    session = boto3.Session(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y")
    batch = session.client("batch")
    access = AwsAccess(region=REGION)
    access._clients["batch"] = batch
    with Stubber(batch) as stub:
        stub.add_response(
            "describe_compute_environments",
            {
                "computeEnvironments": [
                    {
                        "computeEnvironmentName": "ml-prod-training-jobs-compute",
                        "computeEnvironmentArn": "arn:aws:batch:eu-west-1:123456789012:compute-environment/x",
                        "type": "MANAGED",
                        "state": "ENABLED",
                        "serviceRole": "arn:aws:iam::123456789012:role/batch",
                        "computeResources": {
                            "type": "SPOT",
                            "minvCpus": 0,
                            "maxvCpus": 256,
                            "instanceTypes": ["g5", "g6"],
                            "subnets": ["subnet-1"],
                            "securityGroupIds": ["sg-1"],
                            "instanceRole": "arn:aws:iam::123456789012:instance-profile/batch",
                            "allocationStrategy": "SPOT_PRICE_CAPACITY_OPTIMIZED",
                        },
                        "tags": {"owner": "ml-team"},
                    }
                ]
            },
            {},
        )
        (environment,) = read_batch(access)
    assert unknown_inputs([environment]) == {}
    assert environment.type == COMPUTE_ENVIRONMENT
    assert environment.inputs["computeResources"] == {
        "type": "SPOT",
        "instanceTypes": ["g5", "g6"],
        "minVcpus": 0,
        "maxVcpus": 256,
        "subnets": ["subnet-1"],
        "securityGroupIds": ["sg-1"],
        "instanceRole": "arn:aws:iam::123456789012:instance-profile/batch",
        "allocationStrategy": "SPOT_PRICE_CAPACITY_OPTIMIZED",
    }


def test_clients_retry_in_standard_mode_and_readers_follow_every_page() -> None:
    access = AwsAccess(region=REGION)
    session = boto3.Session(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y")
    access._session = session
    s3 = access.client("s3")
    assert s3.meta.config.retries == {"mode": "standard", "total_max_attempts": 10}
    from stackyard.audit.readers import read_s3

    with Stubber(s3) as stub:
        pages = [
            ({"Buckets": [{"Name": "first", "BucketRegion": REGION}], "ContinuationToken": "page-2"}, {}),
            ({"Buckets": [{"Name": "second", "BucketRegion": REGION}]}, {"ContinuationToken": "page-2"}),
        ]
        # The reader reads each bucket of a page before it asks for the next page.
        for (page, params), name in zip(pages, ("first", "second"), strict=True):
            stub.add_response("list_buckets", page, params)
            stub.add_client_error("get_bucket_tagging", "NoSuchTagSet", expected_params={"Bucket": name})
            stub.add_client_error(
                "get_bucket_encryption",
                "ServerSideEncryptionConfigurationNotFoundError",
                expected_params={"Bucket": name},
            )
            stub.add_response("get_bucket_versioning", {}, {"Bucket": name})
            stub.add_client_error(
                "get_public_access_block",
                "NoSuchPublicAccessBlockConfiguration",
                expected_params={"Bucket": name},
            )
            stub.add_client_error("get_bucket_policy", "NoSuchBucketPolicy", expected_params={"Bucket": name})
            stub.add_client_error(
                "get_bucket_lifecycle_configuration",
                "NoSuchLifecycleConfiguration",
                expected_params={"Bucket": name},
            )
        found = list(read_s3(access))
        stub.assert_no_pending_responses()
    assert [(r.type, r.id) for r in found] == [
        ("aws:s3/bucket:Bucket", "first"),
        ("aws:s3/bucket:Bucket", "second"),
    ]
