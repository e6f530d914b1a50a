"""The pack starts as the Pulumi engine starts it (`python __main__.py` in the pack directory), prints
its port, and answers the analyzer protocol with every rule, the config and real evaluations."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import pulumi_policy
import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from stackyard.check.indeterminate import INDETERMINATE_PREFIX, parse_indeterminate
from stackyard.policies.catalog import all_rules
from tests.policies.harness import UNKNOWN

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"


@contextmanager
def start_pack(
    *python_flags: str, env: dict[str, str] | None = None
) -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    """Start the pack as the engine does and connect to the port it prints."""
    process = subprocess.Popen(
        [sys.executable, *python_flags, "-u", "__main__.py"],
        cwd=PACK_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode().strip()
        assert line.isdigit(), process.stderr.read().decode() if process.stderr else line
        channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        grpc.channel_ready_future(channel).result(timeout=30)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    with start_pack() as stub:
        yield stub


def _struct(value: dict) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(value)
    return result


def _provider(region: str) -> analyzer_pb2.AnalyzerProviderResource:
    return analyzer_pb2.AnalyzerProviderResource(
        type="pulumi:providers:aws",
        properties=_struct({"region": region}),
        urn="urn:pulumi:dev::p::pulumi:providers:aws::default",
        name="default",
    )


def test_lists_every_rule_with_metadata(analyzer) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "stackyard" and info.supportsConfig
    listed = {p.name: p for p in info.policies}
    assert set(listed) == {rule.id for rule in all_rules()}
    enc = listed["SY-ENC-001"]
    assert enc.policy_type == analyzer_pb2.PolicyType.POLICY_TYPE_STACK
    assert listed["SY-ENC-003"].policy_type == analyzer_pb2.PolicyType.POLICY_TYPE_RESOURCE
    assert enc.displayName == "s3-sse-kms-customer-key"
    assert enc.enforcementLevel == analyzer_pb2.MANDATORY
    assert enc.severity == analyzer_pb2.POLICY_SEVERITY_HIGH
    assert "aws-config:s3-default-encryption-kms" in enc.tags
    assert enc.framework.name == "NIST SP 800-53 Rev. 5"
    schema = json_format.MessageToDict(listed["SY-RES-001"].configSchema.properties)
    assert schema["allowedRegions"]["type"] == "array"


def test_analyzes_with_config_violations_and_unknowns(analyzer) -> None:
    analyzer.Configure(
        analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                "SY-RES-001": analyzer_pb2.PolicyConfig(
                    enforcementLevel=analyzer_pb2.MANDATORY,
                    properties=_struct({"allowedRegions": ["eu-west-1"]}),
                ),
            }
        )
    )
    response = analyzer.Analyze(
        analyzer_pb2.AnalyzeRequest(
            type="aws:sns/topic:Topic",
            urn="urn:pulumi:dev::p::aws:sns/topic:Topic::alerts",
            name="alerts",
            properties=_struct({"kmsMasterKeyId": UNKNOWN, "tags": {"owner": "ml"}}),
            provider=_provider("us-east-1"),
        )
    )
    by_policy = {d.policyName: d for d in response.diagnostics}
    assert by_policy["SY-RES-001"].message == (
        "Every AWS resource is created in an allowed region.\nregion 'us-east-1' is not in the allowed regions ['eu-west-1']"
    )
    assert by_policy["SY-TAG-001"].message.endswith(
        "missing required tags ['cost-center', 'data-classification']"
    )
    unknown = by_policy["SY-ENC-011"]
    assert unknown.enforcementLevel == analyzer_pb2.ADVISORY
    assert f"during preview: {INDETERMINATE_PREFIX}" in unknown.message
    assert [i.reason for i in parse_indeterminate(unknown.message)] == [
        "string value at .kmsMasterKeyId can't be known during preview"
    ]
    assert "SY-ENC-001" not in by_policy  # stack rules run in AnalyzeStack only
    assert "SY-K8S-001" in {n.policy_name for n in response.not_applicable}


def test_stack_rules_report_per_resource_and_list_unknowns_with_urns(analyzer) -> None:
    bucket_urn = "urn:pulumi:dev::p::aws:s3/bucket:Bucket::data"
    bucket = analyzer_pb2.AnalyzerResource(
        type="aws:s3/bucket:Bucket",
        urn=bucket_urn,
        name="data",
        properties=_struct({"bucket": UNKNOWN}),
        provider=_provider("eu-west-1"),
    )
    policy = analyzer_pb2.AnalyzerResource(
        type="aws:s3/bucketPolicy:BucketPolicy",
        urn="urn:pulumi:dev::p::aws:s3/bucketPolicy:BucketPolicy::data-tls",
        name="data-tls",
        properties=_struct({"bucket": UNKNOWN, "policy": UNKNOWN}),
        provider=_provider("eu-west-1"),
        dependencies=[bucket_urn],
        propertyDependencies={"bucket": analyzer_pb2.AnalyzerPropertyDependencies(urns=[bucket_urn])},
    )
    response = analyzer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=[bucket, policy]))
    by_policy: dict[str, list] = {}
    for diagnostic in response.diagnostics:
        by_policy.setdefault(diagnostic.policyName, []).append(diagnostic)
    [no_encryption] = by_policy["SY-ENC-001"]
    assert (no_encryption.urn, no_encryption.message.splitlines()[-1]) == (
        bucket_urn,
        "bucket has no server-side encryption configuration",
    )
    [tls] = by_policy["SY-ENC-014"]
    assert tls.enforcementLevel == analyzer_pb2.ADVISORY
    assert [(i.reason, i.urn) for i in parse_indeterminate(tls.message)] == [
        ("string value at .policy can't be known during preview", bucket_urn)
    ]


def test_pack_starts_from_a_checkout_without_stackyard_installed() -> None:
    # -S skips site-packages' .pth files, and with them the editable install of stackyard; the
    # dependencies stay importable through PYTHONPATH, as in a pack virtualenv built from requirements.txt.
    site_packages = str(Path(pulumi_policy.__file__).resolve().parents[1])
    with start_pack("-S", env={"PYTHONPATH": site_packages}) as stub:
        info = stub.GetAnalyzerInfo(empty_pb2.Empty())
    assert {p.name for p in info.policies} == {rule.id for rule in all_rules()}
