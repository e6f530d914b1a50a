"""`stackyard verify endpoint`, `feature-store` and `STATE.json` against moto's server on
127.0.0.1; the feature store runtime, which moto does not implement (PutRecord, GetRecord and
DeleteRecord answer 404), against botocore's Stubber with the real service model."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from typer.testing import CliRunner

from stackyard.aws_clients import AwsAccess
from stackyard.cli import app
from stackyard.errors import UserError
from stackyard.verify.endpoint import capture_prefixes
from stackyard.verify.feature_store import synthetic_record, verify_feature_group
from stackyard.verify.state import Verification, verifications
from stackyard.verify.tracking import VerificationFailed
from tests.loopback import free_port
from tests.moto_server import REGION, client

ROLE = "arn:aws:iam::123456789012:role/sagemaker"
ENDPOINT = "ml-prod-churn"
CAPTURE = "s3://ml-prod-capture/endpoints"


def _endpoint(url: str, *, capture: bool) -> None:
    sagemaker: Any = client(url, "sagemaker")
    sagemaker.create_model(ModelName="churn", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "image"})
    config: dict[str, Any] = {
        "EndpointConfigName": "churn-config",
        "ProductionVariants": [
            {
                "VariantName": "main",
                "ModelName": "churn",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    }
    if capture:
        config["DataCaptureConfig"] = {
            "EnableCapture": True,
            "InitialSamplingPercentage": 100,
            "DestinationS3Uri": CAPTURE,
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        }
        s3: Any = client(url, "s3")
        s3.create_bucket(Bucket="ml-prod-capture", CreateBucketConfiguration={"LocationConstraint": REGION})
    sagemaker.create_endpoint_config(**config)
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="churn-config")


@dataclass(frozen=True)
class Ran:
    exit_code: int
    output: str


def _verify(url: str, *args: str) -> Ran:
    """The CLI as `stackyard.cli.main` runs it: a `UserError` becomes its message and exit code."""
    result = CliRunner().invoke(app, ["verify", *args, "--region", REGION, "--endpoint-url", url])
    if isinstance(result.exception, UserError):
        return Ran(int(result.exception.exit_code), result.output + result.exception.message)
    return Ran(result.exit_code, result.output)


def test_endpoint_in_service_answers(aws: str, tmp_path: Path) -> None:
    _endpoint(aws, capture=False)
    payload = tmp_path / "sample.csv"
    payload.write_text("42,0.5,basic\n")
    result = _verify(aws, "endpoint", "--name", ENDPOINT, "--payload", str(payload))
    assert result.exit_code == 0, result.output
    assert (
        f"✓ endpoint is in service: '{ENDPOINT}' is InService (configuration churn-config)" in result.output
    )
    assert "✓ one invocation answers: HTTP 200 in " in result.output
    assert "✓ data capture: off for this endpoint: nothing to check" in result.output
    assert f"endpoint {ENDPOINT} works" in result.output


def test_endpoint_capture_object_is_found_or_the_step_fails(aws: str, tmp_path: Path) -> None:
    _endpoint(aws, capture=True)
    payload = tmp_path / "sample.csv"
    payload.write_text("42,0.5,basic\n")
    missing = _verify(
        aws, "endpoint", "--name", ENDPOINT, "--payload", str(payload), "--capture-timeout", "0"
    )
    assert missing.exit_code == 1
    now = dt.datetime.now(dt.UTC)
    assert (
        f"✗ data capture: no capture object under s3://ml-prod-capture/endpoints/{ENDPOINT}/main/{now:%Y/%m/%d}/"
        in (missing.output)
    )
    # moto does not capture; the object SageMaker would write for this hour is put by hand.
    s3: Any = client(aws, "s3")
    key = f"endpoints/{ENDPOINT}/main/{now:%Y/%m/%d/%H}/00-00-000-capture.jsonl"
    s3.put_object(Bucket="ml-prod-capture", Key=key, Body=b"{}\n")
    found = _verify(aws, "endpoint", "--name", ENDPOINT, "--payload", str(payload), "--capture-timeout", "0")
    assert found.exit_code == 0, found.output
    assert f"✓ data capture: s3://ml-prod-capture/{key}" in found.output


def test_missing_endpoint_fails_its_first_step(aws: str, tmp_path: Path) -> None:
    payload = tmp_path / "sample.csv"
    payload.write_text("1\n")
    result = _verify(aws, "endpoint", "--name", "nope", "--payload", str(payload))
    assert result.exit_code == 1
    assert "✗ endpoint is in service: ValidationException: " in result.output


def test_endpoint_without_a_sample_is_bad_usage(aws: str) -> None:
    result = _verify(aws, "endpoint", "--name", ENDPOINT)
    assert result.exit_code == 2
    assert f"no sample request for '{ENDPOINT}'" in result.output


def test_capture_prefixes_follow_sagemakers_layout() -> None:
    at = dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC)
    assert capture_prefixes("s3://b/p/", "e", ["a", "b"], at) == [
        ("b", "p/e/a/2026/12/31/23/"),
        ("b", "p/e/a/2027/01/01/00/"),
        ("b", "p/e/b/2026/12/31/23/"),
        ("b", "p/e/b/2027/01/01/00/"),
    ]


def _feature_group(url: str, *, online: bool) -> None:
    sagemaker: Any = client(url, "sagemaker")
    sagemaker.create_feature_group(
        FeatureGroupName="customers",
        RecordIdentifierFeatureName="customer_id",
        EventTimeFeatureName="event_time",
        FeatureDefinitions=[
            {"FeatureName": "customer_id", "FeatureType": "String"},
            {"FeatureName": "event_time", "FeatureType": "String"},
        ],
        OnlineStoreConfig={"EnableOnlineStore": online},
        OfflineStoreConfig={"S3StorageConfig": {"S3Uri": "s3://offline/customers"}},
        RoleArn=ROLE,
    )


def test_missing_feature_group_fails_its_first_step() -> None:
    """moto's DescribeFeatureGroup answers 500 for a group it does not have: stubbed instead."""
    session = boto3.Session(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y")
    sagemaker = session.client("sagemaker")
    access = AwsAccess(region=REGION)
    access._clients["sagemaker"] = sagemaker
    with Stubber(sagemaker) as stub:
        stub.add_client_error(
            "describe_feature_group",
            "ResourceNotFound",
            "Resource Not Found",
            expected_params={"FeatureGroupName": "nope"},
        )
        with pytest.raises(VerificationFailed) as failed:
            verify_feature_group(access, "nope", lambda step, detail: None)
    assert (failed.value.step, failed.value.reason) == (
        "feature group is created",
        "ResourceNotFound: Resource Not Found",
    )


def test_offline_only_group_has_nothing_to_read_back(aws: str) -> None:
    _feature_group(aws, online=False)
    result = _verify(aws, "feature-store", "--name", "customers")
    assert result.exit_code == 0, result.output
    assert "✓ feature group is created: 'customers' is Created (2 features)" in result.output
    assert "✓ online store round trip: the group has no online store: nothing to read back" in result.output


DEFINITIONS = [
    {"FeatureName": "customer_id", "FeatureType": "String"},
    {"FeatureName": "event_time", "FeatureType": "Fractional"},
    {"FeatureName": "tenure_days", "FeatureType": "Integral"},
    {"FeatureName": "plan", "FeatureType": "String"},
]


def test_synthetic_record_has_a_value_of_each_features_type() -> None:
    now = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)
    record_id, record = synthetic_record(DEFINITIONS, "customer_id", "event_time", now)
    assert record_id.startswith("stackyard-verify-")
    assert record == [
        {"FeatureName": "customer_id", "ValueAsString": record_id},
        {"FeatureName": "event_time", "ValueAsString": f"{now.timestamp():.3f}"},
        {"FeatureName": "tenure_days", "ValueAsString": "7"},
        {"FeatureName": "plan", "ValueAsString": "stackyard-verify"},
    ]


def _stubbed(read_back: list[dict[str, Any]] | None) -> tuple[AwsAccess, list[Stubber]]:
    """An AwsAccess whose SageMaker and feature store runtime clients answer from Stubbers, which
    check every request against the real service model."""
    session = boto3.Session(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y")
    sagemaker = session.client("sagemaker")
    runtime = session.client("sagemaker-featurestore-runtime")
    access = AwsAccess(region=REGION)
    access._clients.update({"sagemaker": sagemaker, "sagemaker-featurestore-runtime": runtime})
    control, data = Stubber(sagemaker), Stubber(runtime)
    control.add_response(
        "describe_feature_group",
        {
            "FeatureGroupArn": "arn:aws:sagemaker:eu-west-1:123456789012:feature-group/customers",
            "FeatureGroupName": "customers",
            "RecordIdentifierFeatureName": "customer_id",
            "EventTimeFeatureName": "event_time",
            "FeatureDefinitions": DEFINITIONS,
            "CreationTime": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
            "FeatureGroupStatus": "Created",
            "OnlineStoreConfig": {"EnableOnlineStore": True},
            "NextToken": "",
        },
        {"FeatureGroupName": "customers"},
    )
    data.add_response(
        "put_record", {}, {"FeatureGroupName": "customers", "Record": ANY, "TargetStores": ["OnlineStore"]}
    )
    data.add_response(
        "get_record",
        {"Record": read_back} if read_back is not None else {},
        {"FeatureGroupName": "customers", "RecordIdentifierValueAsString": ANY},
    )
    data.add_response(
        "delete_record",
        {},
        {
            "FeatureGroupName": "customers",
            "RecordIdentifierValueAsString": ANY,
            "EventTime": ANY,
            "TargetStores": ["OnlineStore"],
            "DeletionMode": "HardDelete",
        },
    )
    control.activate()
    data.activate()
    return access, [control, data]


FIXED = uuid.UUID("00000000-0000-4000-8000-0000000000ab")


def test_feature_store_round_trip_against_the_service_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("stackyard.verify.feature_store.uuid.uuid4", lambda: FIXED)
    now = dt.datetime.now(dt.UTC)
    record_id, record = synthetic_record(DEFINITIONS, "customer_id", "event_time", now)
    # The online store answers with the record as put.
    access, stubs = _stubbed(read_back=record)
    passed: list[tuple[str, str]] = []
    monkeypatch.setattr("stackyard.verify.feature_store.synthetic_record", lambda *args: (record_id, record))
    verify_feature_group(access, "customers", lambda step, detail: passed.append((step, detail)))
    assert [step for step, _ in passed] == [
        "feature group is created",
        "put a synthetic record",
        "read it back from the online store",
        "delete it",
    ]
    assert passed[1][1] == f"record '{record_id}' with 4 features"
    assert record_id == "stackyard-verify-000000000000"
    for stub in stubs:
        stub.assert_no_pending_responses()


def test_a_record_that_reads_back_different_fails_and_is_still_deleted() -> None:
    access, stubs = _stubbed(read_back=[{"FeatureName": "customer_id", "ValueAsString": "someone-else"}])
    with pytest.raises(VerificationFailed) as failed:
        verify_feature_group(access, "customers", lambda step, detail: None)
    assert failed.value.step == "read it back from the online store"
    for stub in stubs:
        stub.assert_no_pending_responses()  # the delete was sent


def _export(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {"version": 3, "deployment": {"manifest": {}, "resources": resources}}


def test_state_runs_every_verification_that_applies(aws: str, tmp_path: Path) -> None:
    """Endpoints and feature groups in moto pass; the tracking server is verified with the real
    mlflow client (here at a port nothing listens on, so its first step fails and names it)."""
    _endpoint(aws, capture=False)
    _feature_group(aws, online=False)
    payload = tmp_path / "sample.csv"
    payload.write_text("1,2\n")
    tracking = f"http://127.0.0.1:{free_port()}"
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps(
            _export(
                [
                    {
                        "urn": "urn:pulumi:prod::ml::pulumi:pulumi:Stack::ml-prod",
                        "type": "pulumi:pulumi:Stack",
                    },
                    {
                        "urn": "urn:pulumi:prod::ml::aws:sagemaker/endpoint:Endpoint::churn",
                        "type": "aws:sagemaker/endpoint:Endpoint",
                        "custom": True,
                        "id": ENDPOINT,
                        "outputs": {"name": ENDPOINT},
                    },
                    {
                        "urn": "urn:pulumi:prod::ml::aws:sagemaker/featureGroup:FeatureGroup::customers",
                        "type": "aws:sagemaker/featureGroup:FeatureGroup",
                        "custom": True,
                        "id": "customers",
                        "outputs": {"featureGroupName": "customers"},
                    },
                    {
                        "urn": "urn:pulumi:prod::ml::stackyard:registry:KubernetesMlflow::tracking",
                        "type": "stackyard:registry:KubernetesMlflow",
                        "custom": False,
                        "outputs": {"tracking_uri": tracking},
                    },
                ]
            )
        )
    )
    result = _verify(aws, str(state), "--payload", str(payload))
    assert result.exit_code == 1, result.output
    for line in (
        f"✓ endpoint {ENDPOINT}: endpoint is in service",
        f"✓ endpoint {ENDPOINT}: one invocation answers: HTTP 200",
        "✓ feature-group customers: feature group is created",
        f"✗ tracking {tracking}: reach server: cannot reach {tracking}",
    ):
        assert line in result.output, result.output


def test_tracking_servers_in_a_state_are_verified_once() -> None:
    arn = "arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/ml-prod-mlflow"
    document = _export(
        [
            {
                "urn": "urn:pulumi:prod::ml::aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer::server",
                "type": "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer",
                "custom": True,
                "id": "ml-prod-mlflow",
                "outputs": {"arn": arn},
            },
            {
                "urn": "urn:pulumi:prod::ml::stackyard:registry:SageMakerMlflow::tracking",
                "type": "stackyard:registry:SageMakerMlflow",
                "outputs": {"tracking_uri": arn},
            },
            {
                "urn": "urn:pulumi:prod::ml::aws:sagemaker/endpoint:Endpoint::old",
                "type": "aws:sagemaker/endpoint:Endpoint",
                "custom": True,
                "id": "old",
                "delete": True,
            },
        ]
    )
    assert verifications(document) == [
        Verification(
            "tracking",
            arn,
            "urn:pulumi:prod::ml::aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer::server",
        )
    ]


def test_state_fails_naming_the_missing_resource(aws: str, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps(
            _export(
                [
                    {
                        "urn": "urn:pulumi:prod::ml::aws:sagemaker/endpoint:Endpoint::churn",
                        "type": "aws:sagemaker/endpoint:Endpoint",
                        "custom": True,
                        "id": "gone",
                        "outputs": {"name": "gone"},
                    }
                ]
            )
        )
    )
    result = _verify(aws, "state", str(state))
    assert result.exit_code == 1
    assert "✗ endpoint gone: endpoint is in service: ValidationException: " in result.output


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "not a JSON document"),
        ('{"version": 3}', "not a `pulumi stack export` document"),
    ],
)
def test_state_bad_input_exits_2(aws: str, tmp_path: Path, document: str, message: str) -> None:
    state = tmp_path / "state.json"
    state.write_text(document)
    result = _verify(aws, str(state))
    assert result.exit_code == 2
    assert message in result.output


def test_a_state_with_nothing_to_verify_passes(aws: str, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    in_cluster = {
        "urn": "urn:pulumi:dev::ml::stackyard:registry:KubernetesMlflow::tracking",
        "type": "stackyard:registry:KubernetesMlflow",
        "outputs": {"tracking_uri": "http://mlflow.mlflow.svc.cluster.local:5000"},
    }
    state.write_text(json.dumps(_export([])))
    result = _verify(aws, str(state))
    assert result.exit_code == 0, result.output
    assert "✓ nothing to verify: the state has no endpoint, feature group or tracking server" in result.output
    state.write_text(json.dumps(_export([in_cluster])))
    result = _verify(aws, str(state))
    assert result.exit_code == 0, result.output
    assert (
        "✓ tracking http://mlflow.mlflow.svc.cluster.local:5000: reachable: skipped: an in-cluster address"
        in result.output
    )


def test_the_sample_request_comes_from_the_spec(aws: str) -> None:
    """`--spec` gives each endpoint its sample_request, by the endpoint's physical name."""
    sagemaker: Any = client(aws, "sagemaker")
    sagemaker.create_model(
        ModelName="recommender", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "image"}
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName="recommender-config",
        ProductionVariants=[
            {
                "VariantName": "main",
                "ModelName": "recommender",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    sagemaker.create_endpoint(EndpointName="ctrain-dev-recommender", EndpointConfigName="recommender-config")
    spec = Path(__file__).resolve().parents[2] / "examples" / "continuous-training" / "Pulumi.dev.yaml"
    result = _verify(aws, "endpoint", "--name", "ctrain-dev-recommender", "--spec", str(spec))
    assert result.exit_code == 0, result.output
    assert "✓ one invocation answers: HTTP 200" in result.output
