"""Encryption at rest with customer managed keys, and encryption in transit."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource

from stackyard.policies import iam_documents, resource_properties
from stackyard.policies.catalog import ResourceCheck, StackCheck, policy_statements, resource_rule, stack_rule

_AT_REST = {
    "nist-800-53": ["SC-28", "SC-28(1)", "SC-12"],
    "iso-27001": ["A.8.24"],
    "gdpr": ["Art. 32(1)(a)"],
    "hipaa": ["164.312(a)(2)(iv)"],
    "soc2": ["CC6.1", "CC6.7"],
}
_IN_TRANSIT = {
    "nist-800-53": ["SC-8", "SC-8(1)"],
    "iso-27001": ["A.8.24", "A.5.14"],
    "gdpr": ["Art. 32(1)(a)"],
    "hipaa": ["164.312(e)(1)", "164.312(e)(2)(ii)"],
    "soc2": ["CC6.7"],
}

BUCKET = "aws:s3/bucket:Bucket"
SSE_CONFIG = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")

INSTANCE_STORAGE_FAMILIES = frozenset({"g4dn", "g5", "g6", "g6e", "p3dn", "p4d", "p4de", "p5", "p5e", "p5en"})
"""SageMaker instance families whose volumes are local NVMe SSDs, encrypted by the hardware: SageMaker
rejects a KMS key for them (see 'KmsKeyId' in the CreateEndpointConfig and ResourceConfig API docs).
Families with a 'd' storage suffix (m5d, c5d, r5d, ...) are matched by pattern."""
_STORAGE_SUFFIX = re.compile(r"^[a-z]+\d+[a-z]*d[a-z]*$")


def is_aws_managed_key(key: str) -> bool:
    return key.startswith("alias/aws/") or ":alias/aws/" in key


def has_instance_storage(instance_type: str) -> bool:
    family = resource_properties.instance_family(instance_type)
    return family in INSTANCE_STORAGE_FAMILIES or bool(_STORAGE_SUFFIX.match(family))


def _customer_key_problem(key: Any, what: str) -> str | None:
    if not key:
        return f"{what} has no KMS key: set a customer managed key"
    if is_aws_managed_key(str(key)):
        return f"{what} uses the AWS managed key '{key}', not a customer managed key"
    return None


def _report_key(ctx: ResourceCheck, key: Any, what: str) -> None:
    problem = _customer_key_problem(key, what)
    if problem:
        ctx.violation(problem)


def bucket_sse_defaults(ctx: StackCheck, bucket: PolicyResource) -> list[tuple[Mapping[str, Any], bool]]:
    """(applyServerSideEncryptionByDefault, bucketKeyEnabled) of every encryption rule that applies to
    `bucket`: from separate configuration resources and from the deprecated inline block."""
    found = []
    for config in ctx.referencing(bucket, [SSE_CONFIG], "bucket"):
        for rule in resource_properties.as_list(config.props.get("rules")):
            found.append(
                (
                    resource_properties.get_path(rule, "applyServerSideEncryptionByDefault", {}),
                    bool(rule.get("bucketKeyEnabled")),
                )
            )
    inline = resource_properties.get_path(bucket.props, "serverSideEncryptionConfiguration.rule")
    if inline:
        found.append(
            (
                resource_properties.get_path(inline, "applyServerSideEncryptionByDefault", {}),
                bool(inline.get("bucketKeyEnabled")),
            )
        )
    return found


@stack_rule(
    id="SY-ENC-001",
    name="s3-sse-kms-customer-key",
    group="encryption",
    severity="high",
    enforcement="mandatory",
    description="Every S3 bucket is encrypted with SSE-KMS under a customer managed key.",
    remediation="Add an aws.s3.BucketServerSideEncryptionConfiguration for the bucket with sse_algorithm "
    "'aws:kms' and kms_master_key_id set to the stack's KMS key ARN (stackyard's SecureBucket does this).",
    frameworks=_AT_REST,
    peers={
        "checkov": ["CKV_AWS_145"],
        "cdk-nag": ["AwsSolutions-S1"],
        "aws-config": ["s3-default-encryption-kms", "s3-bucket-server-side-encryption-enabled"],
    },
)
def s3_sse_kms_customer_key(ctx: StackCheck) -> None:
    for bucket in ctx.of_type(BUCKET):
        with ctx.guard(bucket):
            defaults = bucket_sse_defaults(ctx, bucket)
            if not defaults:
                ctx.violation("bucket has no server-side encryption configuration", bucket)
            for default, _ in defaults:
                algorithm = str(default.get("sseAlgorithm", ""))
                if algorithm not in KMS_ALGORITHMS:
                    ctx.violation(f"bucket is encrypted with '{algorithm}', not SSE-KMS", bucket)
                    continue
                problem = _customer_key_problem(default.get("kmsMasterKeyId"), "bucket encryption")
                if problem:
                    ctx.violation(problem, bucket)


@stack_rule(
    id="SY-ENC-002",
    name="s3-bucket-key",
    group="encryption",
    severity="low",
    enforcement="advisory",
    description="SSE-KMS buckets use an S3 Bucket Key, which cuts KMS requests (and cost) by up to 99%.",
    remediation="Set bucket_key_enabled=True on the bucket's server-side encryption rule.",
    frameworks={"nist-800-53": ["SC-12"], "iso-27001": ["A.8.24"], "soc2": ["CC6.1"]},
    peers={},
)
def s3_bucket_key(ctx: StackCheck) -> None:
    for bucket in ctx.of_type(BUCKET):
        with ctx.guard(bucket):
            for default, bucket_key in bucket_sse_defaults(ctx, bucket):
                if str(default.get("sseAlgorithm", "")) in KMS_ALGORITHMS and not bucket_key:
                    ctx.violation("SSE-KMS encryption without an S3 Bucket Key (bucketKeyEnabled)", bucket)


@resource_rule(
    id="SY-ENC-003",
    name="sagemaker-endpoint-volume-kms",
    group="encryption",
    severity="high",
    enforcement="mandatory",
    description="SageMaker endpoint configurations encrypt the ML storage volumes of their instances with a "
    "customer managed key.",
    remediation="Set kms_key_arn on the endpoint configuration. Variants on instance-storage (NVMe) families "
    "such as g5 or p4d and serverless variants are encrypted by AWS and take no key.",
    frameworks=_AT_REST,
    peers={"checkov": ["CKV_AWS_98"], "aws-config": ["sagemaker-endpoint-configuration-kms-key-configured"]},
    types=["aws:sagemaker/endpointConfiguration:EndpointConfiguration"],
)
def sagemaker_endpoint_volume_kms(ctx: ResourceCheck) -> None:
    variants = resource_properties.as_list(ctx.props.get("productionVariants")) + resource_properties.as_list(
        ctx.props.get("shadowProductionVariants")
    )
    needing_key = [
        str(v.get("variantName") or v.get("instanceType"))
        for v in variants
        if not v.get("serverlessConfig") and not has_instance_storage(str(v.get("instanceType", "")))
    ]
    if not needing_key:
        ctx.not_applicable("every variant is serverless or on instance storage")
    key = ctx.props.get("kmsKeyArn")
    problem = _customer_key_problem(key, f"storage volume of variants {needing_key}")
    if problem:
        ctx.violation(problem)


@resource_rule(
    id="SY-ENC-004",
    name="sagemaker-endpoint-outputs-kms",
    group="encryption",
    severity="high",
    enforcement="mandatory",
    description="What SageMaker endpoints write to S3 (data capture, asynchronous inference results) is "
    "encrypted with a customer managed key.",
    remediation="Set kms_key_id in data_capture_config and in async_inference_config.output_config.",
    frameworks=_AT_REST,
    peers={},
    types=["aws:sagemaker/endpointConfiguration:EndpointConfiguration"],
)
def sagemaker_endpoint_outputs_kms(ctx: ResourceCheck) -> None:
    capture = resource_properties.get_path(ctx.props, "dataCaptureConfig")
    output = resource_properties.get_path(ctx.props, "asyncInferenceConfig.outputConfig")
    if not capture and not output:
        ctx.not_applicable("no data capture and no asynchronous inference")
    if capture and capture.get("enableCapture") is not False:
        _report_key(ctx, capture.get("kmsKeyId"), "data capture")
    if output:
        _report_key(ctx, output.get("kmsKeyId"), "asynchronous inference output")


@resource_rule(
    id="SY-ENC-005",
    name="feature-group-online-store-kms",
    group="encryption",
    severity="high",
    enforcement="mandatory",
    description="Feature group online stores are encrypted with a customer managed key.",
    remediation="Set online_store_config.security_config.kms_key_id to the stack's KMS key ARN.",
    frameworks=_AT_REST,
    peers={},
    types=["aws:sagemaker/featureGroup:FeatureGroup"],
)
def feature_group_online_store_kms(ctx: ResourceCheck) -> None:
    online = resource_properties.get_path(ctx.props, "onlineStoreConfig")
    if not online or not online.get("enableOnlineStore"):
        ctx.not_applicable("no online store")
    _report_key(ctx, resource_properties.get_path(online, "securityConfig.kmsKeyId"), "online store")


@resource_rule(
    id="SY-ENC-006",
    name="feature-group-offline-store-kms",
    group="encryption",
    severity="high",
    enforcement="mandatory",
    description="Feature group offline stores write to S3 with a customer managed key.",
    remediation="Set offline_store_config.s3_storage_config.kms_key_id to the stack's KMS key ARN.",
    frameworks=_AT_REST,
    peers={},
    types=["aws:sagemaker/featureGroup:FeatureGroup"],
)
def feature_group_offline_store_kms(ctx: ResourceCheck) -> None:
    storage = resource_properties.get_path(ctx.props, "offlineStoreConfig.s3StorageConfig")
    if not storage:
        ctx.not_applicable("no offline store")
    _report_key(ctx, storage.get("kmsKeyId"), "offline store")


def _job_volume_and_output(ctx: ResourceCheck, instance_type: Any, volume_key: Any, output_key: Any) -> None:
    if not has_instance_storage(str(instance_type or "")):
        _report_key(ctx, volume_key, "job volume")
    _report_key(ctx, output_key, "job output")


@resource_rule(
    id="SY-ENC-007",
    name="training-job-kms",
    group="encryption",
    severity="high",
    enforcement="mandatory",
    description="SageMaker training jobs encrypt their volumes and model artifacts with a customer managed key.",
    remediation="Set resource_config.volume_kms_key_id (except on instance-storage families) and "
    "output_data_config.kms_key_id.",
    frameworks=_AT_REST,
    peers={},
    types=["aws:sagemaker/trainingJob:TrainingJob"],
)
def training_job_kms(ctx: ResourceCheck) -> None:
    resources = resource_properties.get_path(ctx.props, "resourceConfig", {})
    _job_volume_and_output(
        ctx,
        resources.get("instanceType"),
        resources.get("volumeKmsKeyId"),
        resource_properties.get_path(ctx.props, "outputDataConfig.kmsKeyId"),
    )


@resource_rule(
    id="SY-ENC-008",
    name="monitoring-job-kms",
    group="encryption",
    severity="high",
    enforcement="mandatory",
    description="SageMaker Model Monitor jobs encrypt their volumes and reports with a customer managed key.",
    remediation="Set job_resources.cluster_config.volume_kms_key_id and "
    "data_quality_job_output_config.kms_key_id.",
    frameworks=_AT_REST,
    peers={},
    types=["aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition"],
)
def monitoring_job_kms(ctx: ResourceCheck) -> None:
    cluster = resource_properties.get_path(ctx.props, "jobResources.clusterConfig", {})
    _job_volume_and_output(
        ctx,
        cluster.get("instanceType"),
        cluster.get("volumeKmsKeyId"),
        resource_properties.get_path(ctx.props, "dataQualityJobOutputConfig.kmsKeyId"),
    )


@resource_rule(
    id="SY-ENC-009",
    name="eks-secrets-encryption",
    group="encryption",
    severity="high",
    enforcement="mandatory",
    description="EKS clusters envelope-encrypt Kubernetes secrets with a customer managed key.",
    remediation="Set encryption_config with resources=['secrets'] and provider.key_arn set to the stack's key.",
    frameworks=_AT_REST,
    peers={"checkov": ["CKV_AWS_58"], "aws-config": ["eks-secrets-encrypted"]},
    types=["aws:eks/cluster:Cluster"],
)
def eks_secrets_encryption(ctx: ResourceCheck) -> None:
    config = resource_properties.first(resource_properties.get_path(ctx.props, "encryptionConfig"))
    resources = [str(r) for r in resource_properties.as_list(config.get("resources"))] if config else []
    if "secrets" not in resources:
        ctx.violation(
            "Kubernetes secrets are not envelope-encrypted (encryptionConfig.resources lacks 'secrets')"
        )
        return
    _report_key(ctx, resource_properties.get_path(config, "provider.keyArn"), "secrets encryption")


@resource_rule(
    id="SY-ENC-010",
    name="rds-storage-encrypted",
    group="encryption",
    severity="high",
    enforcement="mandatory",
    description="RDS instances and Aurora clusters encrypt storage with a customer managed key.",
    remediation="Set storage_encrypted=True and kms_key_id to the stack's KMS key ARN.",
    frameworks=_AT_REST,
    peers={
        "checkov": ["CKV_AWS_16", "CKV_AWS_96"],
        "cdk-nag": ["AwsSolutions-RDS2"],
        "aws-config": ["rds-storage-encrypted"],
    },
    types=["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"],
)
def rds_storage_encrypted(ctx: ResourceCheck) -> None:
    if ctx.props.get("storageEncrypted") is not True:
        ctx.violation("storage is not encrypted (storageEncrypted is not true)")
        return
    _report_key(ctx, ctx.props.get("kmsKeyId"), "database storage")


@resource_rule(
    id="SY-ENC-011",
    name="sns-topic-kms",
    group="encryption",
    severity="medium",
    enforcement="mandatory",
    description="SNS topics encrypt messages with a customer managed key.",
    remediation="Set kms_master_key_id on the topic to the stack's KMS key (the key policy must allow the "
    "publishing services, such as CloudWatch).",
    frameworks=_AT_REST,
    peers={"checkov": ["CKV_AWS_26"], "cdk-nag": ["AwsSolutions-SNS2"], "aws-config": ["sns-encrypted-kms"]},
    types=["aws:sns/topic:Topic"],
)
def sns_topic_kms(ctx: ResourceCheck) -> None:
    _report_key(ctx, ctx.props.get("kmsMasterKeyId"), "topic")


@resource_rule(
    id="SY-ENC-016",
    name="sqs-queue-kms",
    group="encryption",
    severity="medium",
    enforcement="mandatory",
    description="SQS queues encrypt messages with a customer managed key.",
    remediation="Set kms_master_key_id on the queue to the stack's KMS key; SQS-managed encryption "
    "(sqs_managed_sse_enabled) and alias/aws/sqs leave the key out of the stack's control. Producers and "
    "consumers need kms:GenerateDataKey and kms:Decrypt on it.",
    frameworks=_AT_REST,
    peers={"checkov": ["CKV_AWS_27"], "cdk-nag": ["AwsSolutions-SQS2"]},
    types=["aws:sqs/queue:Queue"],
)
def sqs_queue_kms(ctx: ResourceCheck) -> None:
    _report_key(ctx, ctx.props.get("kmsMasterKeyId"), "queue")


@resource_rule(
    id="SY-ENC-017",
    name="lambda-environment-kms",
    group="encryption",
    severity="medium",
    enforcement="mandatory",
    description="Lambda functions with environment variables encrypt them with a customer managed key.",
    remediation="Set kms_key_arn on the function to the stack's KMS key (its execution role needs "
    "kms:Decrypt on it); keep secrets in Secrets Manager rather than in environment variables.",
    frameworks=_AT_REST,
    peers={"checkov": ["CKV_AWS_173"]},
    types=["aws:lambda/function:Function"],
)
def lambda_environment_kms(ctx: ResourceCheck) -> None:
    environment = resource_properties.first(ctx.props.get("environment")) or {}
    if not environment.get("variables"):
        ctx.not_applicable("the function has no environment variables")
    _report_key(ctx, ctx.props.get("kmsKeyArn"), "function environment")


@resource_rule(
    id="SY-ENC-012",
    name="log-group-kms",
    group="encryption",
    severity="medium",
    enforcement="mandatory",
    description="CloudWatch log groups encrypt log data with a customer managed key.",
    remediation="Set kms_key_id on the log group (the key policy must allow logs.<region>.amazonaws.com).",
    frameworks=_AT_REST,
    peers={"checkov": ["CKV_AWS_158"], "aws-config": ["cloudwatch-log-group-encrypted"]},
    types=["aws:cloudwatch/logGroup:LogGroup"],
)
def log_group_kms(ctx: ResourceCheck) -> None:
    _report_key(ctx, ctx.props.get("kmsKeyId"), "log group")


@resource_rule(
    id="SY-ENC-013",
    name="kms-key-rotation",
    group="encryption",
    severity="medium",
    enforcement="mandatory",
    description="Symmetric customer managed KMS keys rotate automatically.",
    remediation="Set enable_key_rotation=True on the key.",
    frameworks={
        "nist-800-53": ["SC-12", "SC-12(1)"],
        "iso-27001": ["A.8.24"],
        "hipaa": ["164.312(a)(2)(iv)"],
        "soc2": ["CC6.1"],
    },
    peers={
        "checkov": ["CKV_AWS_7"],
        "cdk-nag": ["AwsSolutions-KMS5"],
        "aws-config": ["cmk-backing-key-rotation-enabled"],
    },
    types=["aws:kms/key:Key"],
)
def kms_key_rotation(ctx: ResourceCheck) -> None:
    spec = str(ctx.props.get("customerMasterKeySpec") or ctx.props.get("keySpec") or "SYMMETRIC_DEFAULT")
    if spec != "SYMMETRIC_DEFAULT":
        ctx.not_applicable(f"AWS rotates only symmetric keys; this key is {spec}")
    if ctx.props.get("enableKeyRotation") is not True:
        ctx.violation("automatic key rotation is off (enableKeyRotation is not true)")


def denies_insecure_transport(document: Any) -> bool:
    """Whether a bucket policy has a Deny statement for requests without TLS (aws:SecureTransport false)."""
    for statement in policy_statements(document):
        if statement.effect != "Deny":
            continue
        if not any(iam_documents.action_matches_everything_in(a, "s3") for a in statement.actions):
            continue
        if "false" in [v.lower() for v in statement.condition_values("Bool", "aws:SecureTransport")]:
            return True
    return False


@stack_rule(
    id="SY-ENC-014",
    name="s3-deny-insecure-transport",
    group="encryption",
    severity="high",
    enforcement="mandatory",
    description="Every S3 bucket's policy denies requests that do not use TLS.",
    remediation="Attach an aws.s3.BucketPolicy with a Deny statement for s3:* on the bucket and its objects "
    "when aws:SecureTransport is false.",
    frameworks=_IN_TRANSIT,
    peers={"cdk-nag": ["AwsSolutions-S10"], "aws-config": ["s3-bucket-ssl-requests-only"]},
)
def s3_deny_insecure_transport(ctx: StackCheck) -> None:
    for bucket in ctx.of_type(BUCKET):
        with ctx.guard(bucket):
            documents = [p.props.get("policy") for p in ctx.referencing(bucket, [BUCKET_POLICY], "bucket")]
            if bucket.props.get("policy"):
                documents.append(bucket.props["policy"])
            if not any(denies_insecure_transport(document) for document in documents):
                ctx.violation(
                    "no bucket policy denies requests without TLS (aws:SecureTransport false)", bucket
                )


_TLS_PARAMETERS = {"rds.force_ssl": {"1"}, "require_secure_transport": {"1", "on"}}
_DEFAULT_TLS_POSTGRES_MAJOR = 15
"""RDS for PostgreSQL 15 and later default rds.force_ssl to 1."""


def _tls_parameter_set(group: PolicyResource) -> bool:
    for parameter in resource_properties.as_list(group.props.get("parameters")):
        name = str(parameter.get("name", ""))
        if name in _TLS_PARAMETERS and str(parameter.get("value", "")).lower() in _TLS_PARAMETERS[name]:
            return True
    return False


def _postgres_forces_tls_by_default(engine: str, version: str) -> bool:
    major = version.split(".")[0]
    return "postgres" in engine and major.isdigit() and int(major) >= _DEFAULT_TLS_POSTGRES_MAJOR


@stack_rule(
    id="SY-ENC-015",
    name="database-requires-tls",
    group="encryption",
    severity="high",
    enforcement="mandatory",
    description="Databases refuse connections without TLS (rds.force_ssl or require_secure_transport).",
    remediation="Give the database a parameter group with rds.force_ssl=1 (PostgreSQL) or "
    "require_secure_transport=ON (MySQL, MariaDB); PostgreSQL 15+ defaults to it.",
    frameworks=_IN_TRANSIT,
    peers={"checkov": ["CKV2_AWS_69"]},
)
def database_requires_tls(ctx: StackCheck) -> None:
    kinds = {
        "aws:rds/instance:Instance": ("parameterGroupName", "aws:rds/parameterGroup:ParameterGroup"),
        "aws:rds/cluster:Cluster": (
            "dbClusterParameterGroupName",
            "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        ),
    }
    for db in ctx.of_type(*kinds):
        prop, group_type = kinds[db.resource_type]
        with ctx.guard(db):
            engine = str(db.props.get("engine", ""))
            if db.resource_type == "aws:rds/instance:Instance" and engine.startswith("aurora"):
                continue  # Aurora instances take TLS settings from their cluster's parameter group
            groups = [g for g in ctx.of_type(group_type) if g in db.property_dependencies.get(prop, [])]
            name = db.props.get(prop) if not groups and prop in db.props else None
            if name:
                groups = [g for g in ctx.of_type(group_type) if str(g.props.get("name", "")) == str(name)]
            if groups:
                if not any(_tls_parameter_set(g) for g in groups):
                    ctx.violation(f"parameter group '{groups[0].name}' does not require TLS", db)
            elif not _postgres_forces_tls_by_default(engine, str(db.props.get("engineVersion", ""))):
                ctx.violation(f"engine '{engine}' does not require TLS with its default parameter group", db)
