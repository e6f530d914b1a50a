from __future__ import annotations

import json

import pytest

from stackyard.policies.rules.encryption import denies_insecure_transport, has_instance_storage
from tests.policies.harness import UNKNOWN, Stack, check_case, resource_case, run_resource, stack_case

KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
FEATURE_GROUP = "aws:sagemaker/featureGroup:FeatureGroup"


def _bucket_with_sse(algorithm: str = "aws:kms", key: str | None = KEY, bucket_key: bool = True):
    def build(stack: Stack) -> None:
        bucket = stack.add(BUCKET, "data", {"bucket": UNKNOWN})
        default = {"sseAlgorithm": algorithm, **({"kmsMasterKeyId": key} if key else {})}
        stack.add(
            SSE,
            "data-encryption",
            {
                "bucket": UNKNOWN,
                "rules": [{"applyServerSideEncryptionByDefault": default, "bucketKeyEnabled": bucket_key}],
            },
            deps={"bucket": [bucket]},
        )

    return build


def _bare_bucket(stack: Stack) -> None:
    stack.add(BUCKET, "data", {})


TLS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ],
}


def _bucket_with_policy(policy: object):
    def build(stack: Stack) -> None:
        bucket = stack.add(BUCKET, "data", {"bucket": "b"})
        stack.add(
            "aws:s3/bucketPolicy:BucketPolicy",
            "data-tls",
            {"bucket": UNKNOWN, "policy": policy},
            deps={"bucket": [bucket]},
        )

    return build


def _variant(instance_type: str = "ml.m5.xlarge", **extra: object) -> dict:
    return {
        "variantName": "primary",
        "modelName": "m",
        "instanceType": instance_type,
        "initialInstanceCount": 2.0,
        **extra,
    }


def _database(engine: str, version: str, parameters: list[dict] | None):
    def build(stack: Stack) -> None:
        deps = {}
        props = {"engine": engine, "engineVersion": version}
        if parameters is not None:
            group = stack.add(
                "aws:rds/parameterGroup:ParameterGroup",
                "db-params",
                {"family": "postgres14", "parameters": parameters},
            )
            deps = {"parameterGroupName": [group]}
            props["parameterGroupName"] = UNKNOWN
        stack.add("aws:rds/instance:Instance", "db", props, deps=deps)

    return build


CASES = [
    stack_case("SY-ENC-001", "sse-kms-cmk", _bucket_with_sse()),
    stack_case(
        "SY-ENC-001",
        "no-encryption",
        _bare_bucket,
        "data: bucket has no server-side encryption configuration",
    ),
    stack_case(
        "SY-ENC-001",
        "aes256",
        _bucket_with_sse("AES256", None),
        "data: bucket is encrypted with 'AES256', not SSE-KMS",
    ),
    stack_case(
        "SY-ENC-001",
        "aws-managed-key",
        _bucket_with_sse(key="alias/aws/s3"),
        "data: bucket encryption uses the AWS managed key 'alias/aws/s3', not a customer managed key",
    ),
    stack_case("SY-ENC-002", "bucket-key", _bucket_with_sse()),
    stack_case(
        "SY-ENC-002",
        "no-bucket-key",
        _bucket_with_sse(bucket_key=False),
        "data: SSE-KMS encryption without an S3 Bucket Key (bucketKeyEnabled)",
    ),
    resource_case(
        "SY-ENC-003", "volume-key", ENDPOINT_CONFIG, {"productionVariants": [_variant()], "kmsKeyArn": KEY}
    ),
    resource_case(
        "SY-ENC-003",
        "no-volume-key",
        ENDPOINT_CONFIG,
        {"productionVariants": [_variant()]},
        "storage volume of variants ['primary'] has no KMS key: set a customer managed key",
    ),
    resource_case(
        "SY-ENC-004",
        "capture-key",
        ENDPOINT_CONFIG,
        {
            "productionVariants": [_variant()],
            "dataCaptureConfig": {
                "enableCapture": True,
                "kmsKeyId": KEY,
                "destinationS3Uri": "s3://b/capture",
                "initialSamplingPercentage": 100.0,
            },
        },
    ),
    resource_case(
        "SY-ENC-004",
        "capture-and-async-without-key",
        ENDPOINT_CONFIG,
        {
            "productionVariants": [_variant()],
            "dataCaptureConfig": {"destinationS3Uri": "s3://b/capture", "initialSamplingPercentage": 100.0},
            "asyncInferenceConfig": {"outputConfig": {"s3OutputPath": "s3://b/out"}},
        },
        "data capture has no KMS key: set a customer managed key",
        "asynchronous inference output has no KMS key: set a customer managed key",
    ),
    resource_case(
        "SY-ENC-005",
        "online-key",
        FEATURE_GROUP,
        {"onlineStoreConfig": {"enableOnlineStore": True, "securityConfig": {"kmsKeyId": KEY}}},
    ),
    resource_case(
        "SY-ENC-005",
        "online-no-key",
        FEATURE_GROUP,
        {"onlineStoreConfig": {"enableOnlineStore": True}},
        "online store has no KMS key: set a customer managed key",
    ),
    resource_case(
        "SY-ENC-006",
        "offline-key",
        FEATURE_GROUP,
        {"offlineStoreConfig": {"s3StorageConfig": {"s3Uri": "s3://b/fs", "kmsKeyId": KEY}}},
    ),
    resource_case(
        "SY-ENC-006",
        "offline-managed-key",
        FEATURE_GROUP,
        {"offlineStoreConfig": {"s3StorageConfig": {"s3Uri": "s3://b/fs", "kmsKeyId": "alias/aws/s3"}}},
        "offline store uses the AWS managed key 'alias/aws/s3', not a customer managed key",
    ),
    resource_case(
        "SY-ENC-007",
        "training-keys",
        "aws:sagemaker/trainingJob:TrainingJob",
        {
            "resourceConfig": {"instanceType": "ml.m5.xlarge", "volumeKmsKeyId": KEY},
            "outputDataConfig": {"s3OutputPath": "s3://b/models", "kmsKeyId": KEY},
        },
    ),
    resource_case(
        "SY-ENC-007",
        "training-no-keys",
        "aws:sagemaker/trainingJob:TrainingJob",
        {
            "resourceConfig": {"instanceType": "ml.m5.xlarge"},
            "outputDataConfig": {"s3OutputPath": "s3://b/models"},
        },
        "job volume has no KMS key: set a customer managed key",
        "job output has no KMS key: set a customer managed key",
    ),
    resource_case(
        "SY-ENC-007",
        "training-nvme-needs-output-key-only",
        "aws:sagemaker/trainingJob:TrainingJob",
        {
            "resourceConfig": {"instanceType": "ml.g5.2xlarge"},
            "outputDataConfig": {"s3OutputPath": "s3://b/m", "kmsKeyId": KEY},
        },
    ),
    resource_case(
        "SY-ENC-008",
        "monitoring-keys",
        "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
        {
            "jobResources": {
                "clusterConfig": {"instanceType": "ml.m5.large", "instanceCount": 1.0, "volumeKmsKeyId": KEY}
            },
            "dataQualityJobOutputConfig": {"kmsKeyId": KEY},
        },
    ),
    resource_case(
        "SY-ENC-008",
        "monitoring-no-output-key",
        "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
        {
            "jobResources": {
                "clusterConfig": {"instanceType": "ml.m5.large", "instanceCount": 1.0, "volumeKmsKeyId": KEY}
            },
            "dataQualityJobOutputConfig": {"monitoringOutputs": {}},
        },
        "job output has no KMS key: set a customer managed key",
    ),
    resource_case(
        "SY-ENC-009",
        "secrets-encrypted",
        "aws:eks/cluster:Cluster",
        {"encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": KEY}}},
    ),
    resource_case(
        "SY-ENC-009",
        "secrets-plain",
        "aws:eks/cluster:Cluster",
        {"roleArn": "arn:aws:iam::111122223333:role/eks"},
        "Kubernetes secrets are not envelope-encrypted (encryptionConfig.resources lacks 'secrets')",
    ),
    resource_case(
        "SY-ENC-010", "rds-cmk", "aws:rds/instance:Instance", {"storageEncrypted": True, "kmsKeyId": KEY}
    ),
    resource_case(
        "SY-ENC-010",
        "rds-unencrypted",
        "aws:rds/instance:Instance",
        {"engine": "postgres"},
        "storage is not encrypted (storageEncrypted is not true)",
    ),
    resource_case(
        "SY-ENC-010",
        "aurora-default-key",
        "aws:rds/cluster:Cluster",
        {"storageEncrypted": True},
        "database storage has no KMS key: set a customer managed key",
    ),
    resource_case("SY-ENC-011", "topic-cmk", "aws:sns/topic:Topic", {"kmsMasterKeyId": KEY}),
    resource_case(
        "SY-ENC-011",
        "topic-aws-key",
        "aws:sns/topic:Topic",
        {"kmsMasterKeyId": "alias/aws/sns"},
        "topic uses the AWS managed key 'alias/aws/sns', not a customer managed key",
    ),
    resource_case("SY-ENC-016", "queue-cmk", "aws:sqs/queue:Queue", {"kmsMasterKeyId": KEY}),
    resource_case(
        "SY-ENC-016",
        "queue-sqs-managed",
        "aws:sqs/queue:Queue",
        {"sqsManagedSseEnabled": True},
        "queue has no KMS key: set a customer managed key",
    ),
    resource_case(
        "SY-ENC-016",
        "queue-aws-key",
        "aws:sqs/queue:Queue",
        {"kmsMasterKeyId": "alias/aws/sqs"},
        "queue uses the AWS managed key 'alias/aws/sqs', not a customer managed key",
    ),
    resource_case(
        "SY-ENC-017",
        "function-cmk",
        "aws:lambda/function:Function",
        {"environment": {"variables": {"TABLE": "t"}}, "kmsKeyArn": KEY},
    ),
    resource_case(
        "SY-ENC-017",
        "function-default-key",
        "aws:lambda/function:Function",
        {"environment": {"variables": {"TABLE": "t"}}},
        "function environment has no KMS key: set a customer managed key",
    ),
    resource_case("SY-ENC-012", "logs-cmk", "aws:cloudwatch/logGroup:LogGroup", {"kmsKeyId": KEY}),
    resource_case(
        "SY-ENC-012",
        "logs-plain",
        "aws:cloudwatch/logGroup:LogGroup",
        {"retentionInDays": 30.0},
        "log group has no KMS key: set a customer managed key",
    ),
    resource_case("SY-ENC-013", "rotation-on", "aws:kms/key:Key", {"enableKeyRotation": True}),
    resource_case(
        "SY-ENC-013",
        "rotation-off",
        "aws:kms/key:Key",
        {"description": "k"},
        "automatic key rotation is off (enableKeyRotation is not true)",
    ),
    stack_case("SY-ENC-014", "tls-only-json", _bucket_with_policy(json.dumps(TLS_ONLY))),
    stack_case("SY-ENC-014", "tls-only-object", _bucket_with_policy(TLS_ONLY)),
    stack_case(
        "SY-ENC-014",
        "no-policy",
        _bare_bucket,
        "data: no bucket policy denies requests without TLS (aws:SecureTransport false)",
    ),
    stack_case(
        "SY-ENC-015", "force-ssl", _database("postgres", "14.10", [{"name": "rds.force_ssl", "value": "1"}])
    ),
    stack_case("SY-ENC-015", "postgres16-default", _database("postgres", "16.3", None)),
    stack_case(
        "SY-ENC-015",
        "group-without-tls",
        _database("postgres", "14.10", [{"name": "log_connections", "value": "1"}]),
        "db: parameter group 'db-params' does not require TLS",
    ),
    stack_case(
        "SY-ENC-015",
        "mysql-default",
        _database("mysql", "8.0.35", None),
        "db: engine 'mysql' does not require TLS with its default parameter group",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}:{c.label}")
def test_rule(case) -> None:
    check_case(case)


def test_unknown_key_at_preview_is_indeterminate() -> None:
    outcome = run_resource("SY-ENC-011", "aws:sns/topic:Topic", {"kmsMasterKeyId": UNKNOWN})
    assert outcome.violations == []
    assert [i.reason for i in outcome.indeterminate] == [
        "string value at .kmsMasterKeyId can't be known during preview"
    ]


def test_unknown_policy_is_indeterminate_per_bucket_and_other_buckets_still_fail() -> None:
    stack = Stack()
    _bucket_with_policy(UNKNOWN)(stack)
    stack.add(BUCKET, "logs", {})
    outcome = stack.run("SY-ENC-014")
    assert outcome.violations == [
        "logs: no bucket policy denies requests without TLS (aws:SecureTransport false)"
    ]
    assert [(i.reason, i.urn.rsplit("::", 1)[1]) for i in outcome.indeterminate] == [
        ("string value at .policy can't be known during preview", "data")
    ]


def test_a_function_without_environment_variables_has_nothing_to_encrypt() -> None:
    outcome = run_resource("SY-ENC-017", "aws:lambda/function:Function", {"runtime": "python3.12"})
    assert outcome.not_applicable == "the function has no environment variables"
    empty = run_resource("SY-ENC-017", "aws:lambda/function:Function", {"environment": {"variables": {}}})
    assert empty.not_applicable == "the function has no environment variables"


def test_instance_storage_variants_need_no_volume_key() -> None:
    outcome = run_resource("SY-ENC-003", ENDPOINT_CONFIG, {"productionVariants": [_variant("ml.g5.xlarge")]})
    assert outcome.not_applicable == "every variant is serverless or on instance storage"


def test_asymmetric_keys_do_not_rotate() -> None:
    outcome = run_resource("SY-ENC-013", "aws:kms/key:Key", {"customerMasterKeySpec": "RSA_2048"})
    assert outcome.not_applicable == "AWS rotates only symmetric keys; this key is RSA_2048"


@pytest.mark.parametrize(
    ("instance_type", "expected"),
    [
        ("ml.g5.xlarge", True),
        ("ml.p4d.24xlarge", True),
        ("ml.m5d.large", True),
        ("ml.m5.large", False),
        ("ml.c7i.xlarge", False),
        ("ml.g4dn.xlarge", True),
    ],
)
def test_instance_storage(instance_type: str, expected: bool) -> None:
    assert has_instance_storage(instance_type) is expected


def test_tls_policy_needs_deny_and_false() -> None:
    allow = {**TLS_ONLY, "Statement": [{**TLS_ONLY["Statement"][0], "Effect": "Allow"}]}
    assert denies_insecure_transport(TLS_ONLY)
    assert not denies_insecure_transport(allow)
    assert not denies_insecure_transport(None)
