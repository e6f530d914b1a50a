"""Compose your own: stackyard components used directly, next to the program's own resources.

The stackyard key, network, feature store and endpoint come from components; the feature
ingestion path (an SQS queue with a dead-letter queue, a Lambda consumer that writes records into
the feature group, its log group and role) is plain pulumi-aws, written here. Both halves follow the
same rules: the stack's tags on everything, the stack's KMS key wherever data rests, private
subnets, least-privilege IAM. `stackyard check` holds the whole program to the same policies.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from stackyard.components.context import StackContext
from stackyard.components.encryption import Encryption
from stackyard.components.feature_store.component import FeatureStore
from stackyard.components.feature_store.spec import FeatureStoreSpec
from stackyard.components.monitoring.component import Monitoring
from stackyard.components.monitoring.spec import MonitoringSpec
from stackyard.components.network import Network
from stackyard.components.serving.component import Serving
from stackyard.components.serving.spec import ServingSpec
from stackyard.spec.common import DataClassification, EncryptionSpec, Environment, NetworkSpec

team = pulumi.Config("team")
context = StackContext(
    project=team.require("project"),
    environment=Environment(pulumi.get_stack()),
    region=pulumi.Config("aws").require("region"),
    owner=team.require("owner"),
    cost_center=team.require("cost-center"),
    data_classification=DataClassification(team.require("data-classification")),
)
prefix = context.name_prefix

# --- stackyard components -------------------------------------------------------------------
encryption = Encryption(f"{prefix}-encryption", EncryptionSpec(), context=context)
network = Network(f"{prefix}-network", NetworkSpec(), context=context, kms_key_arn=encryption.key_arn)

# The specs are the same pydantic models a YAML spec is read into: validated before any resource.
feature_store = FeatureStore(
    f"{prefix}-feature-store",
    FeatureStoreSpec.model_validate(
        {
            "groups": [
                {
                    "name": "sessions",
                    "description": "Web session features, written by the ingestion Lambda",
                    "record_identifier": "session_id",
                    "event_time": "event_time",
                    "features": [
                        {"name": "session_id", "type": "String"},
                        {"name": "event_time", "type": "Fractional"},
                        {"name": "pages_viewed", "type": "Integral"},
                        {"name": "basket_value", "type": "Fractional"},
                    ],
                    "online_store": {"ttl": {"value": 1, "unit": "Days"}},
                    "offline_store": {"retention_days": 90},
                }
            ]
        }
    ),
    context=context,
    kms_key_arn=encryption.key_arn,
)

serving = Serving(
    f"{prefix}-serving",
    ServingSpec.model_validate(
        {
            "endpoints": [
                {
                    "name": "basket",
                    "model": {"s3_uri": f"s3://{prefix}-models/basket/model.tar.gz"},
                    "container": {"framework": "sklearn", "version": "1.2-1"},
                    "instance_type": "ml.m5.large",
                }
            ]
        }
    ),
    context=context,
    kms_key_arn=encryption.key_arn,
    subnet_ids=network.private_subnet_ids,
    security_group_ids=network.security_group_ids,
)

# Latency and error alarms for the endpoint (SY-SRV-004/005 insist), a dashboard and Model Monitor
# on the captured requests, all notifying the team.
monitoring = Monitoring(
    f"{prefix}-monitoring",
    MonitoringSpec.model_validate(
        {
            "notifications": {"emails": ["ml-platform@example.com"]},
            "objectives": {"latency_p99_ms": 300, "min_invocations_per_hour": 0},
            "data_quality": {"schedule": "daily"},
        }
    ),
    context=context,
    kms_key_arn=encryption.key_arn,
    endpoints=serving.endpoints,
    subnet_ids=network.private_subnet_ids,
    security_group_ids=network.security_group_ids,
)

# --- the program's own resources --------------------------------------------------------------
sessions_group = feature_store.feature_groups["sessions"]
function_name = context.physical_name("ingest", max_length=64)

dead_letters = aws.sqs.Queue(
    f"{prefix}-ingest-dlq",
    kms_master_key_id=encryption.key_arn,
    message_retention_seconds=14 * 24 * 3600,
    tags=context.tags_for(f"{prefix}-ingest-dlq"),
)
queue = aws.sqs.Queue(
    f"{prefix}-ingest",
    kms_master_key_id=encryption.key_arn,
    # Six times the function's timeout, as AWS advises for Lambda consumers.
    visibility_timeout_seconds=6 * 30,
    redrive_policy=dead_letters.arn.apply(
        lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 5})
    ),
    tags=context.tags_for(f"{prefix}-ingest"),
)

role = aws.iam.Role(
    f"{prefix}-ingest-role",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    ),
    tags=context.tags_for(f"{prefix}-ingest-role"),
)
# ENIs in the private subnets: the AWS managed policy made for exactly that (no *FullAccess).
aws.iam.RolePolicyAttachment(
    f"{prefix}-ingest-vpc-access",
    role=role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
)


def ingest_policy(queue_arn: str, group_arn: str, key_arn: str) -> str:
    """Read and delete from the one queue, write records into the one feature group, use the key."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                    "Resource": queue_arn,
                },
                {"Effect": "Allow", "Action": "sagemaker:PutRecord", "Resource": group_arn},
                {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key_arn},
            ],
        }
    )


aws.iam.RolePolicy(
    f"{prefix}-ingest-access",
    role=role.id,
    policy=pulumi.Output.all(queue.arn, sessions_group.arn, encryption.key_arn).apply(
        lambda args: ingest_policy(*args)
    ),
)

logs = aws.cloudwatch.LogGroup(
    f"{prefix}-ingest-logs",
    name=f"/aws/lambda/{function_name}",
    retention_in_days=30,
    kms_key_id=encryption.key_arn,
    tags=context.tags_for(f"{prefix}-ingest-logs"),
)

HANDLER = """
import json, os
import boto3

runtime = boto3.client("sagemaker-featurestore-runtime")


def handler(event, _context):
    for message in event["Records"]:
        body = json.loads(message["body"])
        runtime.put_record(
            FeatureGroupName=os.environ["FEATURE_GROUP"],
            Record=[{"FeatureName": k, "ValueAsString": str(v)} for k, v in body.items()],
        )
"""

function = aws.lambda_.Function(
    f"{prefix}-ingest",
    name=function_name,
    runtime="python3.12",
    handler="index.handler",
    role=role.arn,
    timeout=30,
    code=pulumi.AssetArchive({"index.py": pulumi.StringAsset(HANDLER)}),
    environment={"variables": {"FEATURE_GROUP": sessions_group.feature_group_name}},
    kms_key_arn=encryption.key_arn,
    vpc_config={
        "subnet_ids": network.private_subnet_ids,
        "security_group_ids": network.security_group_ids,
    },
    tags=context.tags_for(f"{prefix}-ingest"),
    # The log group exists (encrypted, with retention) before Lambda would create a plain one.
    opts=pulumi.ResourceOptions(depends_on=[logs]),
)
aws.lambda_.EventSourceMapping(
    f"{prefix}-ingest-from-queue",
    event_source_arn=queue.arn,
    function_name=function.arn,
    batch_size=10,
    tags=context.tags_for(f"{prefix}-ingest-from-queue"),
)

pulumi.export("ingest_queue_url", queue.url)
pulumi.export("feature_group_name", sessions_group.feature_group_name)
pulumi.export("endpoint_name", serving.endpoints["basket"].endpoint_name)
pulumi.export("alarm_topic_arn", monitoring.topic_arn)
