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
