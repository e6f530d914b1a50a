"""`stackyard audit` against moto's server on 127.0.0.1: the insecure set fails with exactly the
rule IDs `check` reports on a plan of the same resources, the compliant set passes, drift against
an export is reported, and bad usage exits 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stackyard.audit.run import AuditOptions, AuditRun, run_audit
from stackyard.aws_clients import AwsAccess
from stackyard.check.evaluate import CheckOptions, CheckRun, run_check
from stackyard.check.model import Result
from stackyard.cli import app
from stackyard.commands.check import default_pack
from stackyard.plan.document import write_document
from stackyard.plan.engine import plan_project
from tests.audit.account import (
    COMPLIANT_BUCKET,
    COMPLIANT_CONFIG,
    COMPLIANT_MODEL,
    INSECURE_BUCKET,
    INSECURE_CONFIG,
    INSECURE_PROGRAM,
    create_compliant,
    create_insecure,
)
from tests.audit.shapes import unknown_inputs
from tests.moto_server import REGION, client

MOTO_LACKS = ("feature-groups", "model-package-groups", "tracking-servers")
"""Readers whose APIs moto's server does not implement (ListFeatureGroups, GetModelPackageGroupPolicy,
ListMlflowTrackingServers answer 500): tested with botocore's Stubber in test_readers_stubbed."""
READERS = (
    "s3",
    "kms",
    "sagemaker-models",
    "sagemaker-endpoint-configs",
    "sagemaker-endpoints",
    "iam",
    "sns",
    "logs",
)


def _audit(url: str, state: Path | None = None) -> AuditRun:
    return run_audit(
        AuditOptions(
            access=AwsAccess(region=REGION, endpoint_url=url),
            packs=[default_pack()],
            state=state,
            readers=READERS,
        )
    )


def _failures(run: CheckRun, names: set[str]) -> set[tuple[str, str, str]]:
    """(rule, resource type, resource name) of every failed finding on the named resources."""
    return {
        (f.rule.name, f.resource_type, f.urn.rsplit("::", 1)[-1])
        for f in run.findings
        if f.result is Result.FAIL and f.urn.rsplit("::", 1)[-1] in names
    }


def _plan_and_check(tmp_path: Path, program: str) -> CheckRun:
    project = tmp_path / "insecure-project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: insecure\nruntime:\n  name: python\n")
    (project / "Pulumi.dev.yaml").write_text(f"config:\n  aws:region: {REGION}\n")
    (project / "__main__.py").write_text(program)
    plan = tmp_path / "plan.json"
    write_document(plan_project(project, "dev"), plan)
    return run_check(CheckOptions(input_path=plan, packs=[default_pack()]))


INSECURE = {INSECURE_BUCKET, "insecure-model", INSECURE_CONFIG}


def test_audit_reports_the_ids_check_reports_on_a_plan_of_the_same_resources(
    aws: str, tmp_path: Path
) -> None:
    create_insecure(aws)
    run = _audit(aws)
    assert unknown_inputs(run.live) == {}  # every mapped input is one pulumi-aws has
    audited = _failures(run.check, INSECURE)
    planned = _failures(_plan_and_check(tmp_path, INSECURE_PROGRAM), INSECURE)
    assert audited == planned
    # What the insecure set is, so the comparison cannot pass on two empty sets.
    bucket = "aws:s3/bucket:Bucket"
    config = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
    assert {
        ("SY-ENC-001", bucket, INSECURE_BUCKET),
        ("SY-DP-002", bucket, INSECURE_BUCKET),
        ("SY-NET-004", bucket, INSECURE_BUCKET),
        ("SY-ENC-014", bucket, INSECURE_BUCKET),
        ("SY-TAG-001", bucket, INSECURE_BUCKET),
        ("SY-ENC-003", config, INSECURE_CONFIG),
    } <= audited


def test_the_compliant_set_passes(aws: str) -> None:
    create_compliant(aws)
    # Another region's bucket is that region's audit, not this one's.
    import boto3

    other: Any = boto3.client("s3", region_name="us-west-2", endpoint_url=aws)
    other.create_bucket(Bucket="elsewhere", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    run = _audit(aws)
    assert unknown_inputs(run.live) == {}
    assert {r.type for r in run.live} >= {
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:kms/key:Key",
        "aws:sagemaker/model:Model",
        "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
    }
    assert "elsewhere" not in {f.urn.rsplit("::", 1)[-1] for f in run.check.findings}
    compliant = {COMPLIANT_BUCKET, COMPLIANT_MODEL, COMPLIANT_CONFIG}
    # moto's CreateModel drops EnableNetworkIsolation (its DescribeModel always answers false), so
    # the model fails SY-NET-002 here; test_readers_stubbed shows an isolated model maps to true.
    assert _failures(run.check, compliant) == {("SY-NET-002", "aws:sagemaker/model:Model", COMPLIANT_MODEL)}
    checked = {f.urn.rsplit("::", 1)[-1] for f in run.check.findings if f.result is Result.PASS}
    assert compliant <= checked


def _export(resources: list[dict[str, Any]]) -> dict[str, Any]:
    stack = "urn:pulumi:prod::ml::pulumi:pulumi:Stack::ml-prod"
    return {
        "version": 3,
        "deployment": {
            "manifest": {"version": "v3.200.0"},
            "resources": [{"urn": stack, "type": "pulumi:pulumi:Stack", "custom": False}, *resources],
        },
    }


def _exported(type_: str, name: str, id_: str, outputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "urn": f"urn:pulumi:prod::ml::{type_}::{name}",
        "type": type_,
        "custom": True,
        "id": id_,
        "inputs": {},
        "outputs": outputs,
        "protect": True,
    }


def test_drift_between_an_export_and_the_account(aws: str, tmp_path: Path) -> None:
    keys = create_compliant(aws)
    create_insecure(aws)
    # Changed outside Pulumi: versioning suspended, a tag edited.
    s3: Any = client(aws, "s3")
    s3.put_bucket_versioning(Bucket=COMPLIANT_BUCKET, VersioningConfiguration={"Status": "Suspended"})
    versioning = "aws:s3/bucketVersioning:BucketVersioning"
    bucket = "aws:s3/bucket:Bucket"
    key = "aws:kms/key:Key"
    tags = {"owner": "ml-team", "cost-center": "cc-0001", "data-classification": "internal"}
    export = _export(
        [
            _exported(
                bucket, "data", COMPLIANT_BUCKET, {"bucket": COMPLIANT_BUCKET, "tags": tags, "tagsAll": tags}
            ),
            _exported(
                versioning,
                "data-versioning",
                COMPLIANT_BUCKET,
                {
                    "bucket": COMPLIANT_BUCKET,
                    "versioningConfiguration": {"status": "Enabled", "mfaDelete": ""},
                },
            ),
            _exported(
                key,
                "key",
                keys.key_id,
                {"enableKeyRotation": True, "tags": {**tags, "owner": "someone-else"}},
            ),
            # Deleted outside Pulumi.
            _exported(bucket, "gone", "deleted-bucket", {"bucket": "deleted-bucket"}),
        ]
    )
    state = tmp_path / "prod.json"
    state.write_text(json.dumps(export))
    run = _audit(aws, state)
    assert run.drift is not None
    assert run.drift.missing == ("urn:pulumi:prod::ml::aws:s3/bucket:Bucket::gone",)
    changed = {
        (c.urn.rsplit("::", 1)[-1], c.path, json.dumps(c.recorded), json.dumps(c.live))
        for c in run.drift.changed
    }
    assert changed == {
        ("data-versioning", "versioningConfiguration.status", '"Enabled"', '"Suspended"'),
        ("key", "tags", json.dumps({**tags, "owner": "someone-else"}), json.dumps(tags)),
    }
    unmanaged = {(r.type, r.id) for r in run.drift.unmanaged}
    assert (bucket, INSECURE_BUCKET) in unmanaged
    assert ("aws:sagemaker/endpointConfiguration:EndpointConfiguration", INSECURE_CONFIG) in unmanaged
    assert (bucket, COMPLIANT_BUCKET) not in unmanaged
    # Managed resources keep the export's URNs (and its protect flags) in the evidence.
    urns = {r.urn for r in run.check.input.resources}
    assert "urn:pulumi:prod::ml::aws:s3/bucket:Bucket::data" in urns
    assert run.check.input.kind == "audit"
    assert (run.check.input.project, run.check.input.stack) == ("ml", "prod")


def test_cli_exit_codes_reports_and_drift_file(aws: str, tmp_path: Path) -> None:
    create_insecure(aws)
    runner = CliRunner()
    only = [arg for key in READERS for arg in ("--only", key)]
    out = tmp_path / "reports"
    out.mkdir()
    state = tmp_path / "state.json"
    state.write_text(json.dumps(_export([])))
    result = runner.invoke(
        app,
        [
            "audit",
            "--region",
            REGION,
            "--endpoint-url",
            aws,
            *only,
            "--state",
            str(state),
            "--format",
            "json",
            "--format",
            "sarif",
            "--out-dir",
            str(out),
        ],
    )
    assert result.exit_code == 1, result.output
    assert "SY-ENC-001" in result.output
    assert f"unmanaged  aws:s3/bucket:Bucket  {INSECURE_BUCKET}" in result.output
    drift = json.loads((out / "stackyard-drift.json").read_text())
    assert {"type": "aws:s3/bucket:Bucket", "id": INSECURE_BUCKET} in drift["unmanaged"]
    evidence = json.loads((out / "stackyard-check.json").read_text())
    assert evidence["input"]["kind"] == "audit"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "buckets"], "unknown resource kind buckets"),
        (["--format", "pdf"], "unknown report format pdf"),
        (["--state", "/nonexistent/state.json"], "/nonexistent/state.json: cannot read the state"),
    ],
)
def test_bad_usage_exits_2(
    aws: str,
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from stackyard.cli import main

    code = main(["audit", "--region", REGION, "--endpoint-url", aws, *args])
    assert code == 2
    assert message in capsys.readouterr().err


def test_no_credentials_is_bad_usage(
    aws: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from stackyard.cli import main

    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code = main(["audit", "--region", REGION, "--endpoint-url", aws, "--only", "s3"])
    assert code == 2
    assert "no AWS credentials" in capsys.readouterr().err


def test_drift_fails_the_run_only_when_asked(aws: str, tmp_path: Path) -> None:
    create_compliant(aws)
    state = tmp_path / "state.json"
    state.write_text(json.dumps(_export([])))
    args = ["audit", "--region", REGION, "--endpoint-url", aws, "--only", "s3", "--state", str(state)]
    reported = CliRunner().invoke(app, args)
    assert reported.exit_code == 0, reported.output
    assert "drift: 5 unmanaged, 0 missing, 0 changed outside Pulumi" in reported.output
    failed = CliRunner().invoke(app, [*args, "--fail-on-drift"])
    assert failed.exit_code == 1


def test_every_reader_moto_serves_maps_to_pulumi_aws_inputs(aws: str) -> None:
    """EKS, log groups, SNS, IAM and VPCs, created in moto, read back as pulumi-aws inputs, and the
    rules read them: a role's inline policy allowing every action fails SY-IAM-004."""
    iam: Any = client(aws, "iam")
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    role = iam.create_role(RoleName="cluster", AssumeRolePolicyDocument=trust)["Role"]
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    managed = iam.create_policy(PolicyName="admin", PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="cluster", PolicyArn=managed)
    iam.put_role_policy(RoleName="cluster", PolicyName="everything", PolicyDocument=json.dumps(document))
    ec2: Any = client(aws, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    s3: Any = client(aws, "s3")
    s3.create_bucket(Bucket="flow-logs", CreateBucketConfiguration={"LocationConstraint": REGION})
    ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::flow-logs",
    )
    eks: Any = client(aws, "eks")
    eks.create_cluster(name="research", roleArn=role["Arn"], resourcesVpcConfig={"subnetIds": [subnet]})
    eks.create_nodegroup(
        clusterName="research",
        nodegroupName="a10g",
        nodeRole=role["Arn"],
        subnets=[subnet],
        instanceTypes=["g5.2xlarge"],
        scalingConfig={"minSize": 0, "maxSize": 4, "desiredSize": 0},
    )
    logs: Any = client(aws, "logs")
    logs.create_log_group(logGroupName="/stackyard/audit")
    sns: Any = client(aws, "sns")
    sns.create_topic(Name="alarms")
    run = run_audit(
        AuditOptions(
            access=AwsAccess(region=REGION, endpoint_url=aws),
            packs=[default_pack()],
            readers=("eks", "logs", "sns", "iam", "vpc"),
        )
    )
    assert unknown_inputs(run.live) == {}
    by_type = {(r.type, r.id): r.inputs for r in run.live}
    assert by_type[("aws:eks/nodeGroup:NodeGroup", "research:a10g")]["scalingConfig"] == {
        "minSize": 0,
        "maxSize": 4,
        "desiredSize": 0,
    }
    assert by_type[("aws:iam/rolePolicyAttachment:RolePolicyAttachment", f"cluster/{managed}")] == {
        "role": "cluster",
        "policyArn": managed,
    }
    assert json.loads(by_type[("aws:iam/rolePolicy:RolePolicy", "cluster:everything")]["policy"]) == document
    assert by_type[("aws:cloudwatch/logGroup:LogGroup", "/stackyard/audit")] == {"name": "/stackyard/audit"}
    flow_logs = [i for (t, _), i in by_type.items() if t == "aws:ec2/flowLog:FlowLog"]
    assert flow_logs and flow_logs[0]["vpcId"] == vpc
    failed = {(f.rule.name, f.urn.rsplit("::", 1)[-1]) for f in run.check.findings if f.result is Result.FAIL}
    assert ("SY-IAM-004", "cluster-everything") in failed
    assert ("SY-ENC-012", "stackyard-audit") in failed  # the log group has no KMS key
    assert ("SY-ENC-011", "alarms") in failed  # nor the topic
