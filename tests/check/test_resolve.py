"""Unknown inputs resolved through the plan's property dependencies."""

from __future__ import annotations

from pathlib import Path

from stackyard.check.inputs import read_input
from stackyard.check.resolve import resolve_unknowns
from tests.check.checkdocs import BUCKET, KMS_KEY, SSE, UNKNOWN, PlanBuilder, sse_inputs

KEY_PATH = "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId"


def resolved(plan: PlanBuilder, tmp_path: Path, name: str) -> object:
    checked = resolve_unknowns(read_input(plan.write(tmp_path / "plan.json")))
    return next(r for r in checked.resources if r.name == name)


def test_a_key_from_a_kms_key_of_the_stack_is_resolved(tmp_path: Path) -> None:
    plan = PlanBuilder(region="eu-west-1")
    key = plan.add(KMS_KEY, "key", {})
    bucket = plan.add(BUCKET, "data", {})
    plan.add(SSE, "sse", sse_inputs(UNKNOWN), property_dependencies={"bucket": [bucket], "rules": [key]})
    sse = resolved(plan, tmp_path, "sse")
    placeholder = sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]
    assert placeholder.startswith("arn:aws:kms:eu-west-1:000000000000:key/")
    [resolution] = sse.resolutions
    assert (resolution.path, resolution.from_urn, resolution.from_type) == (KEY_PATH, key, KMS_KEY)
    assert resolution.placeholder == placeholder
    assert sse.inputs["bucket"] == UNKNOWN  # a bucket name is not a key: it stays unknown


def test_a_key_from_another_kind_of_resource_stays_unknown(tmp_path: Path) -> None:
    plan = PlanBuilder()
    bucket = plan.add(BUCKET, "data", {})
    plan.add(SSE, "sse", sse_inputs(UNKNOWN), property_dependencies={"rules": [bucket]})
    sse = resolved(plan, tmp_path, "sse")
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == UNKNOWN
    assert sse.resolutions == ()


def test_without_the_key_region_nothing_is_invented(tmp_path: Path) -> None:
    plan = PlanBuilder(region=UNKNOWN)
    key = plan.add(KMS_KEY, "key", {})
    plan.add(SSE, "sse", sse_inputs(UNKNOWN), property_dependencies={"rules": [key]})
    assert resolved(plan, tmp_path, "sse").resolutions == ()


def test_a_role_arn_from_a_role_of_the_stack_is_resolved(tmp_path: Path) -> None:
    plan = PlanBuilder()
    role = plan.add("aws:iam/role:Role", "exec", {"name": "ml-prod-exec"})
    plan.add(
        "aws:sagemaker/model:Model",
        "model",
        {"executionRoleArn": UNKNOWN},
        property_dependencies={"executionRoleArn": [role]},
    )
    model = resolved(plan, tmp_path, "model")
    assert model.inputs["executionRoleArn"] == "arn:aws:iam::000000000000:role/ml-prod-exec"
    assert [r.path for r in model.resolutions] == ["executionRoleArn"]


SUBNET = "aws:ec2/subnet:Subnet"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"


def _network(plan: PlanBuilder) -> tuple[str, str, str]:
    first = plan.add(SUBNET, "private-1", {"cidrBlock": "10.0.0.0/19", "vpcId": UNKNOWN})
    second = plan.add(SUBNET, "private-2", {"cidrBlock": "10.0.32.0/19", "vpcId": UNKNOWN})
    group = plan.add(SECURITY_GROUP, "workloads", {"vpcId": UNKNOWN})
    return first, second, group


def test_subnet_and_security_group_lists_from_the_stack_network_are_resolved(tmp_path: Path) -> None:
    """A SageMaker model's vpcConfig as the serving component passes it: both lists are Outputs of
    the network component, so the whole lists are unknown and depend on its subnets and group."""
    plan = PlanBuilder()
    first, second, group = _network(plan)
    plan.add(
        "aws:sagemaker/model:Model",
        "model",
        {"vpcConfig": {"subnets": UNKNOWN, "securityGroupIds": UNKNOWN}},
        property_dependencies={"vpcConfig": [group, first, second]},
    )
    model = resolved(plan, tmp_path, "model")
    subnets = model.inputs["vpcConfig"]["subnets"]
    groups = model.inputs["vpcConfig"]["securityGroupIds"]
    assert len(subnets) == 2 and all(s.startswith("subnet-") for s in subnets)
    assert len(groups) == 1 and groups[0].startswith("sg-")
    assert [(r.path, r.from_urn) for r in model.resolutions] == [
        ("vpcConfig.subnets[0]", first),
        ("vpcConfig.subnets[1]", second),
        ("vpcConfig.securityGroupIds[0]", group),
    ]


def test_a_data_quality_job_network_config_is_resolved(tmp_path: Path) -> None:
    plan = PlanBuilder()
    first, second, group = _network(plan)
    plan.add(
        "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
        "job",
        {"networkConfig": {"enableNetworkIsolation": True, "vpcConfig": {"subnets": UNKNOWN}}},
        property_dependencies={"networkConfig": [group, first, second]},
    )
    job = resolved(plan, tmp_path, "job")
    assert len(job.inputs["networkConfig"]["vpcConfig"]["subnets"]) == 2
    assert job.inputs["networkConfig"]["enableNetworkIsolation"] is True


def test_subnets_from_no_subnet_of_the_stack_stay_unknown(tmp_path: Path) -> None:
    """Subnet IDs that come from a security group (or a config value) prove nothing."""
    plan = PlanBuilder()
    _, _, group = _network(plan)
    plan.add(
        "aws:sagemaker/model:Model",
        "model",
        {"vpcConfig": {"subnets": UNKNOWN}},
        property_dependencies={"vpcConfig": [group]},
    )
    model = resolved(plan, tmp_path, "model")
    assert model.inputs["vpcConfig"]["subnets"] == UNKNOWN
    assert model.resolutions == ()


def test_one_unknown_subnet_of_a_list_is_not_guessed(tmp_path: Path) -> None:
    plan = PlanBuilder()
    first, second, _ = _network(plan)
    plan.add(
        "aws:eks/cluster:Cluster",
        "cluster",
        {"vpcConfig": {"subnetIds": ["subnet-0123456789abcdef0", UNKNOWN]}},
        property_dependencies={"vpcConfig": [first, second]},
    )
    cluster = resolved(plan, tmp_path, "cluster")
    assert cluster.inputs["vpcConfig"]["subnetIds"] == ["subnet-0123456789abcdef0", UNKNOWN]


def test_the_eks_secrets_key_from_a_kms_key_of_the_stack_is_resolved(tmp_path: Path) -> None:
    plan = PlanBuilder(region="eu-west-1")
    key = plan.add(KMS_KEY, "key", {})
    plan.add(
        "aws:eks/cluster:Cluster",
        "cluster",
        {"encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": UNKNOWN}}},
        property_dependencies={"encryptionConfig": [key]},
    )
    cluster = resolved(plan, tmp_path, "cluster")
    key_arn = cluster.inputs["encryptionConfig"]["provider"]["keyArn"]
    assert key_arn.startswith("arn:aws:kms:eu-west-1:000000000000:key/")
    assert [r.path for r in cluster.resolutions] == ["encryptionConfig.provider.keyArn"]
