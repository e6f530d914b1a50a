"""Network isolation: private endpoints, no public access, no world-open ingress."""

from __future__ import annotations

import ipaddress
from typing import Any

from stackyard.policies import resource_properties
from stackyard.policies.catalog import ResourceCheck, StackCheck, resource_rule, stack_rule

_BOUNDARY = {
    "nist-800-53": ["SC-7", "AC-4"],
    "iso-27001": ["A.8.20", "A.8.22"],
    "gdpr": ["Art. 32(1)(b)"],
    "hipaa": ["164.312(e)(1)"],
    "soc2": ["CC6.6"],
}
_PUBLIC_ACCESS = {
    "nist-800-53": ["AC-3", "AC-21", "SC-7"],
    "iso-27001": ["A.8.3", "A.8.20"],
    "gdpr": ["Art. 32(1)(b)"],
    "hipaa": ["164.312(a)(1)"],
    "soc2": ["CC6.1", "CC6.6"],
}

PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def is_world(cidr: Any) -> bool:
    """Whether a CIDR covers the whole IPv4 or IPv6 internet (0.0.0.0/0, ::/0)."""
    try:
        return ipaddress.ip_network(str(cidr), strict=False).prefixlen == 0
    except ValueError:
        return False


@resource_rule(
    id="SY-NET-001",
    name="eks-endpoint-private",
    group="network",
    severity="high",
    enforcement="mandatory",
    description="EKS API endpoints are private, or public only to listed CIDRs.",
    remediation="Set vpc_config.endpoint_public_access=False (with endpoint_private_access=True), or set "
    "public_access_cidrs to your office or CI ranges.",
    frameworks=_BOUNDARY,
    peers={
        "checkov": ["CKV_AWS_38", "CKV_AWS_39"],
        "cdk-nag": ["AwsSolutions-EKS1"],
        "aws-config": ["eks-endpoint-no-public-access"],
    },
    types=["aws:eks/cluster:Cluster"],
)
def eks_endpoint_private(ctx: ResourceCheck) -> None:
    vpc = resource_properties.first(resource_properties.get_path(ctx.props, "vpcConfig")) or {}
    # The EKS API defaults endpointPublicAccess to true and publicAccessCidrs to 0.0.0.0/0.
    if vpc.get("endpointPublicAccess") is False:
        return
    cidrs = [str(c) for c in resource_properties.as_list(vpc.get("publicAccessCidrs"))]
    if not cidrs or any(is_world(c) for c in cidrs):
        ctx.violation(
            "the API endpoint is public to the whole internet: disable public access or limit publicAccessCidrs"
        )


@resource_rule(
    id="SY-NET-002",
    name="sagemaker-model-network-isolation",
    group="network",
    severity="medium",
    enforcement="mandatory",
    description="SageMaker models run with network isolation: containers make no outbound calls.",
    remediation="Set enable_network_isolation=True on the model (artifacts and images still load through "
    "SageMaker).",
    frameworks=_BOUNDARY,
    peers={"aws-config": ["sagemaker-model-isolation-enabled"]},
    types=["aws:sagemaker/model:Model"],
)
def sagemaker_model_network_isolation(ctx: ResourceCheck) -> None:
    if ctx.props.get("enableNetworkIsolation") is not True:
        ctx.violation("network isolation is off (enableNetworkIsolation is not true)")


@resource_rule(
    id="SY-NET-003",
    name="sagemaker-model-in-vpc",
    group="network",
    severity="medium",
    enforcement="mandatory",
    description="SageMaker models, training and monitoring jobs run in the stack's VPC.",
    remediation="Set vpc_config (subnets and security_group_ids) on the model, or network_config on the job.",
    frameworks=_BOUNDARY,
    peers={"aws-config": ["sagemaker-model-in-vpc"]},
    types=[
        "aws:sagemaker/model:Model",
        "aws:sagemaker/trainingJob:TrainingJob",
        "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
    ],
)
def sagemaker_model_in_vpc(ctx: ResourceCheck) -> None:
    path = "networkConfig.vpcConfig" if "dataQualityJob" in ctx.type else "vpcConfig"
    vpc = resource_properties.get_path(ctx.props, path) or {}
    subnets = resource_properties.as_list(vpc.get("subnets"))
    if not subnets:
        ctx.violation(f"not attached to a VPC ({path} has no subnets)")


@stack_rule(
    id="SY-NET-004",
    name="s3-public-access-block",
    group="network",
    severity="critical",
    enforcement="mandatory",
    description="Every S3 bucket has a public access block with all four settings on.",
    remediation="Add an aws.s3.BucketPublicAccessBlock for the bucket with block_public_acls, "
    "block_public_policy, ignore_public_acls and restrict_public_buckets all True.",
    frameworks=_PUBLIC_ACCESS,
    peers={
        "checkov": ["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV2_AWS_6"],
        "cdk-nag": ["AwsSolutions-S2"],
        "aws-config": ["s3-bucket-level-public-access-prohibited"],
    },
)
def s3_public_access_block(ctx: StackCheck) -> None:
    kind = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
    for bucket in ctx.of_type("aws:s3/bucket:Bucket"):
        with ctx.guard(bucket):
            blocks = ctx.referencing(bucket, [kind], "bucket")
            if not blocks:
                ctx.violation("bucket has no public access block", bucket)
                continue
            for block in blocks:
                off = [flag for flag in PUBLIC_ACCESS_FLAGS if block.props.get(flag) is not True]
                if off:
                    ctx.violation(f"public access block '{block.name}' leaves {off} off", bucket)


def _world_ingress(ctx: ResourceCheck) -> list[str]:
    """Descriptions of ingress rules open to the internet, for the three ways pulumi-aws writes them."""
    found = []
    if ctx.type == "aws:ec2/securityGroup:SecurityGroup":
        for rule in resource_properties.as_list(ctx.props.get("ingress")):
            cidrs = resource_properties.as_list(rule.get("cidrBlocks")) + resource_properties.as_list(rule.get("ipv6CidrBlocks"))
            found += [
                f"{c} on ports {rule.get('fromPort')}-{rule.get('toPort')}" for c in cidrs if is_world(c)
            ]
    elif ctx.type == "aws:ec2/securityGroupRule:SecurityGroupRule":
        if ctx.props.get("type") == "ingress":
            cidrs = resource_properties.as_list(ctx.props.get("cidrBlocks")) + resource_properties.as_list(
                ctx.props.get("ipv6CidrBlocks")
            )
            ports = f"{ctx.props.get('fromPort')}-{ctx.props.get('toPort')}"
            found += [f"{c} on ports {ports}" for c in cidrs if is_world(c)]
    else:
        ports = f"{ctx.props.get('fromPort')}-{ctx.props.get('toPort')}"
        for key in ("cidrIpv4", "cidrIpv6"):
            if key in ctx.props and is_world(ctx.props[key]):
                found.append(f"{ctx.props[key]} on ports {ports}")
    return found


@resource_rule(
    id="SY-NET-005",
    name="no-world-open-ingress",
    group="network",
    severity="critical",
    enforcement="mandatory",
    description="No security group accepts traffic from the whole internet.",
    remediation="Replace 0.0.0.0/0 and ::/0 with the CIDRs or security groups that need access; reach AWS "
    "services through VPC endpoints.",
    frameworks=_BOUNDARY,
    peers={
        "checkov": ["CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260"],
        "cdk-nag": ["AwsSolutions-EC23"],
        "aws-config": ["vpc-sg-open-only-to-authorized-ports", "restricted-ssh"],
    },
    types=[
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    ],
)
def no_world_open_ingress(ctx: ResourceCheck) -> None:
    for opening in _world_ingress(ctx):
        ctx.violation(f"ingress open to the internet: {opening}")


INTERNAL_LB_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": {"true", "0.0.0.0/0"},
    "service.beta.kubernetes.io/aws-load-balancer-scheme": {"internal"},
}


@resource_rule(
    id="SY-NET-006",
    name="no-public-k8s-load-balancer",
    group="network",
    severity="high",
    enforcement="mandatory",
    description="Kubernetes Services of type LoadBalancer are internal, never internet-facing.",
    remediation="Annotate the Service with service.beta.kubernetes.io/aws-load-balancer-scheme: internal "
    "(AWS Load Balancer Controller) or use a ClusterIP Service behind an internal ingress.",
    frameworks=_BOUNDARY,
    peers={},
    types=["kubernetes:core/v1:Service"],
)
def no_public_k8s_load_balancer(ctx: ResourceCheck) -> None:
    if resource_properties.get_path(ctx.props, "spec.type") != "LoadBalancer":
        return
    annotations = resource_properties.get_path(ctx.props, "metadata.annotations", {})
    for key, values in INTERNAL_LB_ANNOTATIONS.items():
        if str(annotations.get(key, "")).lower() in values:
            return
    ctx.violation("LoadBalancer Service is internet-facing: annotate it as internal")


@resource_rule(
    id="SY-NET-007",
    name="rds-not-public",
    group="network",
    severity="critical",
    enforcement="mandatory",
    description="Databases are not reachable from the internet.",
    remediation="Set publicly_accessible=False and place the database in private subnets.",
    frameworks=_PUBLIC_ACCESS,
    peers={"checkov": ["CKV_AWS_17"], "aws-config": ["rds-instance-public-access-check"]},
    types=["aws:rds/instance:Instance"],
)
def rds_not_public(ctx: ResourceCheck) -> None:
    if ctx.props.get("publiclyAccessible") is True:
        ctx.violation("the database is publicly accessible (publiclyAccessible is true)")
