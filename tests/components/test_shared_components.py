"""Encryption and Network: the shared key and the private network every capability uses."""

from __future__ import annotations

import json

import pytest

from stackyard.components.context import StackContext
from stackyard.components.encryption import Encryption, key_policy
from stackyard.components.network import Network, subnet_cidrs
from stackyard.plan.wire import UNKNOWN
from stackyard.spec.common import EncryptionSpec, NetworkSpec
from stackyard.testing import record

KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_managed_key_has_rotation_and_an_account_scoped_policy(prod_context: StackContext) -> None:
    plan = record(lambda: Encryption("enc", EncryptionSpec(), context=prod_context))

    key = plan.named("enc-key")
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30
    assert key.protect is True  # prod protects stateful resources
    policy = json.loads(key.inputs["policy"])
    principals = [statement["Principal"] for statement in policy["Statement"]]
    assert principals[0] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert key.inputs["tags"]["owner"] == "ml-platform"
    assert key.inputs["tags"]["Name"] == "enc-key"
    assert plan.named("enc-alias").inputs["name"] == "alias/demo-prod"
    assert key.parent == plan.named("enc").urn


def test_key_policy_limits_log_encryption_to_the_accounts_log_groups() -> None:
    policy = json.loads(key_policy("111122223333", "eu-central-1"))
    logs = next(s for s in policy["Statement"] if s["Sid"] == "CloudWatchLogsEncryptsThisAccountsLogs")
    assert logs["Principal"] == {"Service": "logs.eu-central-1.amazonaws.com"}
    assert logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] == (
        "arn:aws:logs:eu-central-1:111122223333:*"
    )


def test_existing_key_creates_nothing(dev_context: StackContext) -> None:
    plan = record(
        lambda: Encryption("enc", EncryptionSpec(mode="existing", kms_key_arn=KEY_ARN), context=dev_context)
    )
    assert plan.counts() == {"stackyard:security:Encryption": 1}


def test_created_network_is_private_with_endpoints_and_encrypted_flow_logs(dev_context: StackContext) -> None:
    plan = record(
        lambda: Network("net", NetworkSpec(), context=dev_context, kms_key_arn=KEY_ARN), preview=True
    )

    counts = plan.counts()
    assert counts["aws:ec2/subnet:Subnet"] == 2
    assert counts["aws:ec2/vpcEndpoint:VpcEndpoint"] == 7
    assert "aws:ec2/internetGateway:InternetGateway" not in counts
    assert "aws:ec2/natGateway:NatGateway" not in counts
    subnets = plan.of_type("aws:ec2/subnet:Subnet")
    assert {s.inputs["availabilityZone"] for s in subnets} == {"eu-west-1a", "eu-west-1b"}
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)
    s3 = plan.named("net-endpoint-s3")
    assert s3.inputs["vpcEndpointType"] == "Gateway"
    assert s3.inputs["serviceName"] == "com.amazonaws.eu-west-1.s3"
    runtime = plan.named("net-endpoint-sagemaker-runtime")
    assert runtime.inputs["vpcEndpointType"] == "Interface"
    assert runtime.inputs["privateDnsEnabled"] is True
    logs = plan.named("net-flow-logs")
    assert logs.inputs["kmsKeyId"] == KEY_ARN
    flow = plan.named("net-flow-log")
    assert flow.inputs["logDestination"] == UNKNOWN
    assert flow.property_dependencies["logDestination"] == [logs.urn]
    workloads = plan.named("net-workloads")
    assert all("0.0.0.0/0" not in rule.get("cidrBlocks", []) for rule in workloads.inputs["ingress"])


def test_internet_gateway_only_when_asked(dev_context: StackContext) -> None:
    plan = record(
        lambda: Network("net", NetworkSpec(internet_gateway=True), context=dev_context, kms_key_arn=KEY_ARN)
    )
    counts = plan.counts()
    assert counts["aws:ec2/internetGateway:InternetGateway"] == 1
    assert counts["aws:ec2/natGateway:NatGateway"] == 1
    assert counts["aws:ec2/subnet:Subnet"] == 4


def test_existing_network_adds_only_a_workload_security_group(dev_context: StackContext) -> None:
    spec = NetworkSpec(
        mode="existing", vpc_id="vpc-0abc12345def67890", subnet_ids=["subnet-0aaa1111", "subnet-0bbb2222"]
    )
    plan = record(lambda: Network("net", spec, context=dev_context, kms_key_arn=KEY_ARN))
    assert plan.counts() == {"stackyard:network:Network": 1, "aws:ec2/securityGroup:SecurityGroup": 1}
    assert plan.named("net-workloads").inputs["vpcId"] == "vpc-0abc12345def67890"


@pytest.mark.parametrize(
    ("cidr", "count", "offset", "expected"),
    [
        ("10.40.0.0/16", 2, 0, ["10.40.0.0/20", "10.40.16.0/20"]),
        ("10.40.0.0/16", 2, 8, ["10.40.128.0/20", "10.40.144.0/20"]),
        ("10.0.0.0/24", 3, 0, ["10.0.0.0/28", "10.0.0.16/28", "10.0.0.32/28"]),
    ],
)
def test_subnet_cidrs_are_stable_slots(cidr: str, count: int, offset: int, expected: list[str]) -> None:
    assert subnet_cidrs(cidr, count, offset=offset) == expected


def test_bucket_names_are_deterministic_prefixed_and_within_the_s3_limit() -> None:
    from stackyard.components.bucket import bucket_arn, bucket_name

    assert bucket_name("ml-prod-serving-capture", "ml-prod", "123456789012") == (
        "ml-prod-serving-capture-123456789012"
    )
    assert bucket_name("Capture", "ml-prod", "123456789012") == "ml-prod-capture-123456789012"
    long = bucket_name("x" * 80, "ml-prod", "123456789012")
    assert len(long) == 63 and long.endswith("x-123456789012")
    assert bucket_arn("b", "aws-cn") == "arn:aws-cn:s3:::b"


WORKLOAD_ENDPOINTS = [
    "autoscaling",
    "ec2",
    "ecs",
    "ecs-agent",
    "ecs-telemetry",
    "eks",
    "eks-auth",
    "elasticloadbalancing",
]


def test_platform_adds_the_endpoints_its_workloads_need() -> None:
    from stackyard.components.platform import Platform
    from tests.components.training_specs import batch_cluster, eks_cluster
    from tests.specs import make_spec

    spec = make_spec(training={"clusters": [eks_cluster(), batch_cluster()]})
    plan = record(lambda: Platform("p", spec), preview=True)
    services = sorted(
        r.inputs["serviceName"].removeprefix("com.amazonaws.eu-west-1.")
        for r in plan.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    )
    assert services == sorted(
        [
            *NetworkSpec().vpc_endpoints,
            "autoscaling",
            "ec2",
            "ecs",
            "ecs-agent",
            "ecs-telemetry",
            "eks",
            "eks-auth",
            "elasticloadbalancing",
        ]
    )
