from __future__ import annotations

import pytest

from stackyard.policies.rules.network import is_world
from tests.policies.harness import UNKNOWN, Stack, check_case, resource_case, stack_case

EKS = "aws:eks/cluster:Cluster"
MODEL = "aws:sagemaker/model:Model"
SERVICE = "kubernetes:core/v1:Service"


def _bucket_with_block(**flags: bool):
    def build(stack: Stack) -> None:
        bucket = stack.add("aws:s3/bucket:Bucket", "data", {})
        props = {
            "blockPublicAcls": True,
            "blockPublicPolicy": True,
            "ignorePublicAcls": True,
            "restrictPublicBuckets": True,
            **flags,
        }
        stack.add(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "data-public-access",
            {"bucket": UNKNOWN, **props},
            deps={"bucket": [bucket]},
        )

    return build


def _service(spec_type: str, annotations: dict | None = None) -> dict:
    return {
        "metadata": {"name": "svc", **({"annotations": annotations} if annotations else {})},
        "spec": {"type": spec_type, "ports": [{"port": 80.0}]},
    }


CASES = [
    resource_case(
        "SY-NET-001",
        "private",
        EKS,
        {"vpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": False}},
    ),
    resource_case(
        "SY-NET-001", "cidr-limited", EKS, {"vpcConfig": {"publicAccessCidrs": ["203.0.113.0/24"]}}
    ),
    resource_case(
        "SY-NET-001",
        "public-default",
        EKS,
        {"vpcConfig": {"subnetIds": ["subnet-1"]}},
        "the API endpoint is public to the whole internet: disable public access or limit publicAccessCidrs",
    ),
    resource_case("SY-NET-002", "isolated", MODEL, {"enableNetworkIsolation": True}),
    resource_case(
        "SY-NET-002",
        "not-isolated",
        MODEL,
        {"executionRoleArn": "arn:aws:iam::111122223333:role/sm"},
        "network isolation is off (enableNetworkIsolation is not true)",
    ),
    resource_case(
        "SY-NET-003", "in-vpc", MODEL, {"vpcConfig": {"subnets": ["subnet-1"], "securityGroupIds": ["sg-1"]}}
    ),
    resource_case("SY-NET-003", "no-vpc", MODEL, {}, "not attached to a VPC (vpcConfig has no subnets)"),
    resource_case(
        "SY-NET-003",
        "monitoring-no-vpc",
        "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
        {},
        "not attached to a VPC (networkConfig.vpcConfig has no subnets)",
    ),
    stack_case("SY-NET-004", "all-four", _bucket_with_block()),
    stack_case(
        "SY-NET-004",
        "policy-not-blocked",
        _bucket_with_block(blockPublicPolicy=False, restrictPublicBuckets=False),
        "data: public access block 'data-public-access' leaves ['blockPublicPolicy', 'restrictPublicBuckets'] off",
    ),
    stack_case(
        "SY-NET-004",
        "no-block",
        lambda s: s.add("aws:s3/bucket:Bucket", "data", {}),
        "data: bucket has no public access block",
    ),
    resource_case(
        "SY-NET-005",
        "vpc-only",
        "aws:ec2/securityGroup:SecurityGroup",
        {
            "ingress": [
                {"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrBlocks": ["10.40.0.0/16"]}
            ]
        },
    ),
    resource_case(
        "SY-NET-005",
        "inline-world",
        "aws:ec2/securityGroup:SecurityGroup",
        {"ingress": [{"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": ["0.0.0.0/0"]}]},
        "ingress open to the internet: 0.0.0.0/0 on ports 22.0-22.0",
    ),
    resource_case(
        "SY-NET-005",
        "rule-world-v6",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        {"cidrIpv6": "::/0", "fromPort": 443.0, "toPort": 443.0, "ipProtocol": "tcp"},
        "ingress open to the internet: ::/0 on ports 443.0-443.0",
    ),
    resource_case(
        "SY-NET-005",
        "legacy-rule-world",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        {"type": "ingress", "cidrBlocks": ["0.0.0.0/0"], "fromPort": 80.0, "toPort": 80.0, "protocol": "tcp"},
        "ingress open to the internet: 0.0.0.0/0 on ports 80.0-80.0",
    ),
    resource_case(
        "SY-NET-005",
        "egress-world-is-fine",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        {"type": "egress", "cidrBlocks": ["0.0.0.0/0"], "fromPort": 0.0, "toPort": 0.0, "protocol": "-1"},
    ),
    resource_case(
        "SY-NET-006",
        "internal-lb",
        SERVICE,
        _service("LoadBalancer", {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}),
    ),
    resource_case("SY-NET-006", "cluster-ip", SERVICE, _service("ClusterIP")),
    resource_case(
        "SY-NET-006",
        "public-lb",
        SERVICE,
        _service("LoadBalancer"),
        "LoadBalancer Service is internet-facing: annotate it as internal",
    ),
    resource_case("SY-NET-007", "private-db", "aws:rds/instance:Instance", {"publiclyAccessible": False}),
    resource_case(
        "SY-NET-007",
        "public-db",
        "aws:rds/instance:Instance",
        {"publiclyAccessible": True},
        "the database is publicly accessible (publiclyAccessible is true)",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}:{c.label}")
def test_rule(case) -> None:
    check_case(case)


@pytest.mark.parametrize(
    ("cidr", "expected"),
    [("0.0.0.0/0", True), ("::/0", True), ("10.0.0.0/8", False), ("0.0.0.0/1", False), ("not-a-cidr", False)],
)
def test_is_world(cidr: str, expected: bool) -> None:
    assert is_world(cidr) is expected
