"""The Checkov comparison's converter: a stackyard plan becomes the Terraform plan JSON Checkov reads
(`terraform show -json` shape). Checkov itself is optional and never needed here."""

from __future__ import annotations

import re
from typing import Any

import pytest

from benchmarks.checkov import UNKNOWN, catalog_checks, checkov_counts, terraform_type, to_terraform_plan

STACK = "urn:pulumi:dev::ml::pulumi:pulumi:Stack::ml-dev"


def _step(type_token: str, name: str, inputs: dict[str, Any], custom: bool = True) -> dict[str, Any]:
    urn = f"urn:pulumi:dev::ml::{type_token}::{name}"
    return {"op": "create", "urn": urn, "newState": {"urn": urn, "type": type_token, "custom": custom, "inputs": inputs}}


@pytest.mark.parametrize(
    ("pulumi_type", "terraform"),
    [
        ("aws:s3/bucket:Bucket", "aws_s3_bucket"),
        ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
         "aws_s3_bucket_server_side_encryption_configuration"),
        ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws_cloudwatch_metric_alarm"),
        ("aws:sagemaker/endpointConfiguration:EndpointConfiguration", "aws_sagemaker_endpoint_configuration"),
        ("aws:iam/rolePolicy:RolePolicy", "aws_iam_role_policy"),
        ("aws:ec2/vpc:Vpc", "aws_vpc"),
        ("aws:ec2/securityGroup:SecurityGroup", "aws_security_group"),
        ("aws:ec2/vpcEndpoint:VpcEndpoint", "aws_vpc_endpoint"),
        ("aws:autoscaling/tag:Tag", "aws_autoscaling_group_tag"),
        ("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "aws_iam_openid_connect_provider"),
        ("aws:rds/instance:Instance", "aws_db_instance"),
        ("kubernetes:apps/v1:Deployment", "kubernetes_deployment_v1"),
        ("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "kubernetes_cluster_role_binding_v1"),
        ("pulumi:providers:aws", None),
        ("stackyard:storage:SecureBucket", None),
        ("pulumi:pulumi:Stack", None),
    ],
)
def test_pulumi_types_map_to_terraform_types(pulumi_type: str, terraform: str | None) -> None:
    assert terraform_type(pulumi_type) == terraform


def test_a_plan_becomes_a_terraform_plan_checkov_reads() -> None:
    document = {
        "steps": [
            {"op": "same", "urn": STACK, "newState": {"urn": STACK, "type": "pulumi:pulumi:Stack", "custom": False}},
            _step("stackyard:storage:SecureBucket", "data", {}, custom=False),
            _step("aws:s3/bucket:Bucket", "data", {"bucket": "ml-data", "forceDestroy": False, "tags": {"owner": "ml", "Name": UNKNOWN}}),
            _step(
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "data-sse",
                {
                    "bucket": UNKNOWN,
                    "rules": [
                        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": UNKNOWN}, "bucketKeyEnabled": True}
                    ],
                },
            ),
            _step("aws:s3/bucket:Bucket", "data@2", {"bucket": "ml-other", "subnetIds": ["subnet-1", UNKNOWN]}),
        ]
    }

    plan = to_terraform_plan(document)

    assert plan["format_version"] == "1.2"
    assert [r["address"] for r in plan["resource_changes"]] == [
        "aws_s3_bucket.data",
        "aws_s3_bucket_server_side_encryption_configuration.data-sse",
        "aws_s3_bucket.data_2",
    ]
    bucket, sse, other = plan["resource_changes"]
    assert bucket["change"] == {
        "actions": ["create"],
        "before": None,
        "after": {"bucket": "ml-data", "force_destroy": False, "tags": {"owner": "ml"}},
        "after_unknown": {"tags": {"Name": True}},
        "before_sensitive": False,
        "after_sensitive": {},
    }
    assert sse["change"]["after"] == {
        "rules": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}], "bucket_key_enabled": True}]
    }
    assert sse["change"]["after_unknown"] == {
        "bucket": True,
        "rules": [{"apply_server_side_encryption_by_default": [{"kms_master_key_id": True}]}],
    }
    assert other["change"]["after"] == {"bucket": "ml-other", "subnet_ids": ["subnet-1", None]}
    assert other["change"]["after_unknown"] == {"subnet_ids": [False, True]}
    planned = plan["planned_values"]["root_module"]["resources"]
    assert [(r["address"], r["values"]) for r in planned] == [
        (r["address"], r["change"]["after"]) for r in plan["resource_changes"]
    ]
    assert {r["provider_name"] for r in planned} == {"registry.terraform.io/hashicorp/aws"}


def test_the_equivalent_checks_are_the_catalogs_checkov_peers() -> None:
    checks = catalog_checks()
    assert "CKV_AWS_158" in checks  # SY-ENC-012: log groups encrypted with KMS
    assert all(re.fullmatch(r"CKV2?_(AWS|K8S)_\d+", check) for check in checks), checks


def test_checkov_counts_read_its_json_report() -> None:
    output = 'noise before\n{"check_type": "terraform_plan", "summary": {"passed": 889, "failed": 103, "skipped": 0}}'
    assert checkov_counts(output) == {"passed": 889, "failed": 103}
    assert checkov_counts('[{"summary": {"passed": 1, "failed": 2}}, {"summary": {"passed": 3, "failed": 0}}]') == {
        "passed": 4,
        "failed": 2,
    }
