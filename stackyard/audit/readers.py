"""Reading a live account: each reader lists one kind of resource with boto3 (through every page)
and maps it to the property shape the rules read, the pulumi-aws inputs in the engine's wire form
(camelCase keys), as `stackyard check` gives them from a plan.

A resource that pulumi-aws models as several resources (a bucket and its encryption, versioning,
public access block, policy and lifecycle; a role and its attachments and inline policies) becomes
those several resources, each naming its bucket or role by its physical name, as a program with
literal names would. Only what is set is mapped: a bucket without a policy has no BucketPolicy.

`id` is the physical ID Pulumi records for the resource (a `pulumi stack export`'s `id`), which is
how drift matches live resources to managed ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from stackyard.aws_clients import AwsAccess, error_code


@dataclass(frozen=True)
class LiveResource:
    type: str
    """The pulumi-aws type token, e.g. `aws:s3/bucket:Bucket`."""
    name: str
    """The name the audit gives it in URNs (its physical name, made unique per type)."""
    id: str
    inputs: dict[str, Any] = field(default_factory=dict)


BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
KMS_KEY = "aws:kms/key:Key"
MODEL = "aws:sagemaker/model:Model"
ENDPOINT_CONFIGURATION = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
FEATURE_GROUP = "aws:sagemaker/featureGroup:FeatureGroup"
MODEL_PACKAGE_GROUP = "aws:sagemaker/modelPackageGroup:ModelPackageGroup"
MODEL_PACKAGE_GROUP_POLICY = "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy"
TRACKING_SERVER = "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
COMPUTE_ENVIRONMENT = "aws:batch/computeEnvironment:ComputeEnvironment"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TOPIC = "aws:sns/topic:Topic"
ROLE = "aws:iam/role:Role"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"

_MISSING = {
    "NoSuchBucketPolicy",
    "NoSuchLifecycleConfiguration",
    "NoSuchPublicAccessBlockConfiguration",
    "NoSuchTagSet",
    "NoSuchTagSetError",
    "ServerSideEncryptionConfigurationNotFoundError",
    "ResourceNotFound",
    "ResourceNotFoundException",
    "NoSuchEntity",
}
"""Error codes that mean "this part is not configured", which maps to no resource (or no key)."""


def _optional(call: Callable[..., Any], **params: Any) -> Any:
    """`call(**params)`, or None when AWS answers that what it reads is not configured."""
    from botocore.exceptions import ClientError

    try:
        return call(**params)
    except ClientError as e:
        if error_code(e) in _MISSING:
            return None
        raise


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    """Every item under `key` of every page of `operation`."""
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key) or ()


def _tags(items: list[dict[str, Any]] | None, key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {str(t[key]): str(t[value]) for t in items or ()}


def _policy(document: Any) -> str | None:
    """A policy document as pulumi-aws holds it: a JSON string (IAM returns some URL-encoded)."""
    if document is None:
        return None
    if isinstance(document, str):
        from urllib.parse import unquote

        text = unquote(document) if document.startswith("%7B") else document
        return json.dumps(json.loads(text), sort_keys=True)
    return json.dumps(document, sort_keys=True)


def _compact(value: dict[str, Any]) -> dict[str, Any]:
    """Drop unset (None, empty) members, as a program that does not set them would."""
    return dict(_compacted(value))


def _compacted(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: _compacted(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_compacted(v) for v in value]
    return value


# S3 --------------------------------------------------------------------------------------------


def read_s3(access: AwsAccess) -> Iterator[LiveResource]:
    s3 = access.client("s3")
    for bucket in _pages(s3, "list_buckets", "Buckets"):
        name = bucket["Name"]
        # ListBuckets lists every region's buckets; each belongs to the audit of its own region.
        if _bucket_region(s3, bucket) != access.region_name:
            continue
        tags = _optional(s3.get_bucket_tagging, Bucket=name)
        yield LiveResource(
            BUCKET, name, name, _compact({"bucket": name, "tags": _tags((tags or {}).get("TagSet"))})
        )
        encryption = _optional(s3.get_bucket_encryption, Bucket=name)
        if encryption:
            rules = [
                {
                    "applyServerSideEncryptionByDefault": {
                        "sseAlgorithm": rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
                        "kmsMasterKeyId": rule["ApplyServerSideEncryptionByDefault"].get("KMSMasterKeyID"),
                    },
                    "bucketKeyEnabled": rule.get("BucketKeyEnabled", False),
                }
                for rule in encryption["ServerSideEncryptionConfiguration"]["Rules"]
                if "ApplyServerSideEncryptionByDefault" in rule
            ]
            yield LiveResource(SSE, name, name, _compact({"bucket": name, "rules": rules}))
        versioning = s3.get_bucket_versioning(Bucket=name)
        if versioning.get("Status"):
            yield LiveResource(
                VERSIONING,
                name,
                name,
                {"bucket": name, "versioningConfiguration": {"status": versioning["Status"]}},
            )
        block = _optional(s3.get_public_access_block, Bucket=name)
        if block:
            settings = block["PublicAccessBlockConfiguration"]
            yield LiveResource(
                PUBLIC_ACCESS_BLOCK,
                name,
                name,
                {
                    "bucket": name,
                    "blockPublicAcls": bool(settings.get("BlockPublicAcls")),
                    "blockPublicPolicy": bool(settings.get("BlockPublicPolicy")),
                    "ignorePublicAcls": bool(settings.get("IgnorePublicAcls")),
                    "restrictPublicBuckets": bool(settings.get("RestrictPublicBuckets")),
                },
            )
        policy = _optional(s3.get_bucket_policy, Bucket=name)
        if policy:
            yield LiveResource(
                BUCKET_POLICY, name, name, {"bucket": name, "policy": _policy(policy["Policy"])}
            )
        lifecycle = _optional(s3.get_bucket_lifecycle_configuration, Bucket=name)
        if lifecycle:
            yield LiveResource(
                LIFECYCLE,
                name,
                name,
                {"bucket": name, "rules": [_lifecycle_rule(r) for r in lifecycle["Rules"]]},
            )


def _bucket_region(s3: Any, bucket: dict[str, Any]) -> str:
    region = bucket.get("BucketRegion")
    if not region:
        # An empty LocationConstraint is us-east-1, and "EU" the old name of eu-west-1.
        location = s3.get_bucket_location(Bucket=bucket["Name"]).get("LocationConstraint")
        region = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)
    return str(region)


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    expiration = rule.get("Expiration") or {}
    noncurrent = rule.get("NoncurrentVersionExpiration") or {}
    rule_filter = rule.get("Filter") or {}
    prefix = rule_filter.get("Prefix", (rule_filter.get("And") or {}).get("Prefix", rule.get("Prefix")))
    return _compact(
        {
            "id": rule.get("ID"),
            "status": rule.get("Status"),
            "filter": {"prefix": prefix} if prefix is not None else None,
            "expiration": {"days": expiration.get("Days")} if expiration.get("Days") is not None else None,
            "noncurrentVersionExpiration": (
                {"noncurrentDays": noncurrent["NoncurrentDays"]} if "NoncurrentDays" in noncurrent else None
            ),
        }
    )


# KMS -------------------------------------------------------------------------------------------


def read_kms(access: AwsAccess) -> Iterator[LiveResource]:
    kms = access.client("kms")
    for listed in _pages(kms, "list_keys", "Keys"):
        key_id = listed["KeyId"]
        metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        # AWS managed keys (aws/s3, ...) are not the account's to configure, nor a program's.
        if metadata.get("KeyManager") == "AWS" or metadata.get("KeyState") in ("PendingDeletion", "Disabled"):
            continue
        symmetric = metadata.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
        rotation = kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] if symmetric else False
        policy = _optional(kms.get_key_policy, KeyId=key_id, PolicyName="default")
        tags = _tags(list(_pages(kms, "list_resource_tags", "Tags", KeyId=key_id)), "TagKey", "TagValue")
        yield LiveResource(
            KMS_KEY,
            key_id,
            key_id,
            _compact(
                {
                    "description": metadata.get("Description"),
                    "keyUsage": metadata.get("KeyUsage"),
                    "customerMasterKeySpec": metadata.get("KeySpec"),
                    "enableKeyRotation": rotation,
                    "multiRegion": metadata.get("MultiRegion"),
                    "policy": _policy((policy or {}).get("Policy")),
                    "tags": tags,
                }
            ),
        )


# SageMaker -------------------------------------------------------------------------------------


def _sagemaker_tags(sagemaker: Any, arn: str) -> dict[str, str]:
    return _tags(list(_pages(sagemaker, "list_tags", "Tags", ResourceArn=arn)))


def _container(container: dict[str, Any]) -> dict[str, Any]:
    return _compact(
        {
            "image": container.get("Image"),
            "modelDataUrl": container.get("ModelDataUrl"),
            "environment": container.get("Environment"),
            "mode": container.get("Mode"),
        }
    )


def _vpc_config(config: dict[str, Any] | None) -> dict[str, Any] | None:
    if not config:
        return None
    return {"securityGroupIds": config.get("SecurityGroupIds", []), "subnets": config.get("Subnets", [])}


def read_sagemaker_models(access: AwsAccess) -> Iterator[LiveResource]:
    sagemaker = access.client("sagemaker")
    for listed in _pages(sagemaker, "list_models", "Models"):
        model = sagemaker.describe_model(ModelName=listed["ModelName"])
        yield LiveResource(
            MODEL,
            model["ModelName"],
            model["ModelName"],
            _compact(
                {
                    "name": model["ModelName"],
                    "executionRoleArn": model.get("ExecutionRoleArn"),
                    "primaryContainer": _container(model["PrimaryContainer"])
                    if model.get("PrimaryContainer")
                    else None,
                    "containers": [_container(c) for c in model.get("Containers") or ()],
                    "enableNetworkIsolation": bool(model.get("EnableNetworkIsolation")),
                    "vpcConfig": _vpc_config(model.get("VpcConfig")),
                    "tags": _sagemaker_tags(sagemaker, model["ModelArn"]),
                }
            ),
        )


def _variant(variant: dict[str, Any]) -> dict[str, Any]:
    serverless = variant.get("ServerlessConfig")
    return _compact(
        {
            "variantName": variant.get("VariantName"),
            "modelName": variant.get("ModelName"),
            "instanceType": variant.get("InstanceType"),
            "initialInstanceCount": variant.get("InitialInstanceCount"),
            "initialVariantWeight": variant.get("InitialVariantWeight"),
            "serverlessConfig": (
                {
                    "maxConcurrency": serverless.get("MaxConcurrency"),
                    "memorySizeInMb": serverless.get("MemorySizeInMB"),
                }
                if serverless
                else None
            ),
        }
    )


def read_endpoint_configurations(access: AwsAccess) -> Iterator[LiveResource]:
    sagemaker = access.client("sagemaker")
    for listed in _pages(sagemaker, "list_endpoint_configs", "EndpointConfigs"):
        config = sagemaker.describe_endpoint_config(EndpointConfigName=listed["EndpointConfigName"])
        capture = config.get("DataCaptureConfig")
        asynchronous = (config.get("AsyncInferenceConfig") or {}).get("OutputConfig")
        yield LiveResource(
            ENDPOINT_CONFIGURATION,
            config["EndpointConfigName"],
            config["EndpointConfigName"],
            _compact(
                {
                    "name": config["EndpointConfigName"],
                    "kmsKeyArn": config.get("KmsKeyId"),
                    "productionVariants": [_variant(v) for v in config.get("ProductionVariants") or ()],
                    "shadowProductionVariants": [
                        _variant(v) for v in config.get("ShadowProductionVariants") or ()
                    ],
                    "dataCaptureConfig": (
                        {
                            "enableCapture": bool(capture.get("EnableCapture", True)),
                            "initialSamplingPercentage": capture.get("InitialSamplingPercentage"),
                            "destinationS3Uri": capture.get("DestinationS3Uri"),
                            "kmsKeyId": capture.get("KmsKeyId"),
                            "captureOptions": [
                                {"captureMode": o["CaptureMode"]} for o in capture.get("CaptureOptions") or ()
                            ],
                        }
                        if capture
                        else None
                    ),
                    "asyncInferenceConfig": (
                        {
                            "outputConfig": {
                                "s3OutputPath": asynchronous.get("S3OutputPath"),
                                "kmsKeyId": asynchronous.get("KmsKeyId"),
                            }
                        }
                        if asynchronous
                        else None
                    ),
                    "tags": _sagemaker_tags(sagemaker, config["EndpointConfigArn"]),
                }
            ),
        )


def read_endpoints(access: AwsAccess) -> Iterator[LiveResource]:
    sagemaker = access.client("sagemaker")
    for listed in _pages(sagemaker, "list_endpoints", "Endpoints"):
        endpoint = sagemaker.describe_endpoint(EndpointName=listed["EndpointName"])
        yield LiveResource(
            ENDPOINT,
            endpoint["EndpointName"],
            endpoint["EndpointName"],
            _compact(
                {
                    "name": endpoint["EndpointName"],
                    "endpointConfigName": endpoint.get("EndpointConfigName"),
                    "tags": _sagemaker_tags(sagemaker, endpoint["EndpointArn"]),
                }
            ),
        )


def read_feature_groups(access: AwsAccess) -> Iterator[LiveResource]:
    sagemaker = access.client("sagemaker")
    for listed in _pages(sagemaker, "list_feature_groups", "FeatureGroupSummaries"):
        group = sagemaker.describe_feature_group(FeatureGroupName=listed["FeatureGroupName"])
        online = group.get("OnlineStoreConfig")
        offline = group.get("OfflineStoreConfig")
        yield LiveResource(
            FEATURE_GROUP,
            group["FeatureGroupName"],
            group["FeatureGroupName"],
            _compact(
                {
                    "featureGroupName": group["FeatureGroupName"],
                    "recordIdentifierFeatureName": group.get("RecordIdentifierFeatureName"),
                    "eventTimeFeatureName": group.get("EventTimeFeatureName"),
                    "roleArn": group.get("RoleArn"),
                    "featureDefinitions": [
                        {"featureName": d["FeatureName"], "featureType": d["FeatureType"]}
                        for d in group.get("FeatureDefinitions") or ()
                    ],
                    "onlineStoreConfig": (
                        {
                            "enableOnlineStore": bool(online.get("EnableOnlineStore")),
                            "securityConfig": {
                                "kmsKeyId": (online.get("SecurityConfig") or {}).get("KmsKeyId")
                            },
                            "storageType": online.get("StorageType"),
                            "ttlDuration": (
                                {
                                    "unit": online["TtlDuration"]["Unit"],
                                    "value": online["TtlDuration"]["Value"],
                                }
                                if online.get("TtlDuration")
                                else None
                            ),
                        }
                        if online
                        else None
                    ),
                    "offlineStoreConfig": (
                        {
                            "s3StorageConfig": {
                                "s3Uri": offline["S3StorageConfig"].get("S3Uri"),
                                "kmsKeyId": offline["S3StorageConfig"].get("KmsKeyId"),
                            },
                            "tableFormat": offline.get("TableFormat"),
                            "disableGlueTableCreation": offline.get("DisableGlueTableCreation"),
                        }
                        if offline
                        else None
                    ),
                    "tags": _sagemaker_tags(sagemaker, group["FeatureGroupArn"]),
                }
            ),
        )


def read_model_package_groups(access: AwsAccess) -> Iterator[LiveResource]:
    sagemaker = access.client("sagemaker")
    for listed in _pages(sagemaker, "list_model_package_groups", "ModelPackageGroupSummaryList"):
        name = listed["ModelPackageGroupName"]
        yield LiveResource(
            MODEL_PACKAGE_GROUP,
            name,
            name,
            _compact(
                {
                    "modelPackageGroupName": name,
                    "modelPackageGroupDescription": listed.get("ModelPackageGroupDescription"),
                    "tags": _sagemaker_tags(sagemaker, listed["ModelPackageGroupArn"]),
                }
            ),
        )
        policy = _optional(sagemaker.get_model_package_group_policy, ModelPackageGroupName=name)
        if policy:
            yield LiveResource(
                MODEL_PACKAGE_GROUP_POLICY,
                name,
                name,
                {"modelPackageGroupName": name, "resourcePolicy": _policy(policy["ResourcePolicy"])},
            )


def read_tracking_servers(access: AwsAccess) -> Iterator[LiveResource]:
    sagemaker = access.client("sagemaker")
    for listed in _pages(sagemaker, "list_mlflow_tracking_servers", "TrackingServerSummaries"):
        server = sagemaker.describe_mlflow_tracking_server(TrackingServerName=listed["TrackingServerName"])
        yield LiveResource(
            TRACKING_SERVER,
            server["TrackingServerName"],
            server["TrackingServerName"],
            _compact(
                {
                    "trackingServerName": server["TrackingServerName"],
                    "artifactStoreUri": server.get("ArtifactStoreUri"),
                    "roleArn": server.get("RoleArn"),
                    "trackingServerSize": server.get("TrackingServerSize"),
                    "mlflowVersion": server.get("MlflowVersion"),
                    "automaticModelRegistration": server.get("AutomaticModelRegistration"),
                    "weeklyMaintenanceWindowStart": server.get("WeeklyMaintenanceWindowStart"),
                    "tags": _sagemaker_tags(sagemaker, server["TrackingServerArn"]),
                }
            ),
        )


# EKS, Batch ------------------------------------------------------------------------------------


def read_eks(access: AwsAccess) -> Iterator[LiveResource]:
    eks = access.client("eks")
    for name in _pages(eks, "list_clusters", "clusters"):
        cluster = eks.describe_cluster(name=name)["cluster"]
        vpc = cluster.get("resourcesVpcConfig") or {}
        encryption = (cluster.get("encryptionConfig") or [None])[0]
        yield LiveResource(
            EKS_CLUSTER,
            name,
            name,
            _compact(
                {
                    "name": name,
                    "roleArn": cluster.get("roleArn"),
                    "version": cluster.get("version"),
                    "vpcConfig": {
                        "subnetIds": vpc.get("subnetIds"),
                        "securityGroupIds": vpc.get("securityGroupIds"),
                        "endpointPrivateAccess": vpc.get("endpointPrivateAccess"),
                        "endpointPublicAccess": vpc.get("endpointPublicAccess"),
                        "publicAccessCidrs": vpc.get("publicAccessCidrs"),
                    },
                    "encryptionConfig": (
                        {
                            "provider": {"keyArn": encryption.get("provider", {}).get("keyArn")},
                            "resources": encryption.get("resources"),
                        }
                        if encryption
                        else None
                    ),
                    "tags": cluster.get("tags"),
                }
            ),
        )
        for group_name in _pages(eks, "list_nodegroups", "nodegroups", clusterName=name):
            group = eks.describe_nodegroup(clusterName=name, nodegroupName=group_name)["nodegroup"]
            scaling = group.get("scalingConfig") or {}
            yield LiveResource(
                NODE_GROUP,
                f"{name}-{group_name}",
                f"{name}:{group_name}",
                _compact(
                    {
                        "clusterName": name,
                        "nodeGroupName": group_name,
                        "nodeRoleArn": group.get("nodeRole"),
                        "subnetIds": group.get("subnets"),
                        "instanceTypes": group.get("instanceTypes"),
                        "amiType": group.get("amiType"),
                        "capacityType": group.get("capacityType"),
                        "scalingConfig": {
                            "minSize": scaling.get("minSize"),
                            "maxSize": scaling.get("maxSize"),
                            "desiredSize": scaling.get("desiredSize"),
                        },
                        "labels": group.get("labels"),
                        "taints": [
                            {"key": t.get("key"), "value": t.get("value"), "effect": t.get("effect")}
                            for t in group.get("taints") or ()
                        ],
                        "tags": group.get("tags"),
                    }
                ),
            )


def read_batch(access: AwsAccess) -> Iterator[LiveResource]:
    batch = access.client("batch")
    for environment in _pages(batch, "describe_compute_environments", "computeEnvironments"):
        resources = environment.get("computeResources") or {}
        name = environment["computeEnvironmentName"]
        yield LiveResource(
            COMPUTE_ENVIRONMENT,
            name,
            name,
            _compact(
                {
                    "name": name,
                    "type": environment.get("type"),
                    "state": environment.get("state"),
                    "serviceRole": environment.get("serviceRole"),
                    "computeResources": {
                        "type": resources.get("type"),
                        "instanceTypes": resources.get("instanceTypes"),
                        "minVcpus": resources.get("minvCpus"),
                        "maxVcpus": resources.get("maxvCpus"),
                        "subnets": resources.get("subnets"),
                        "securityGroupIds": resources.get("securityGroupIds"),
                        "instanceRole": resources.get("instanceRole"),
                        "allocationStrategy": resources.get("allocationStrategy"),
                    }
                    if resources
                    else None,
                    "tags": environment.get("tags"),
                }
            ),
        )


# CloudWatch Logs, SNS --------------------------------------------------------------------------


def read_log_groups(access: AwsAccess) -> Iterator[LiveResource]:
    logs = access.client("logs")
    for group in _pages(logs, "describe_log_groups", "logGroups"):
        name = group["logGroupName"]
        tags = _optional(logs.list_tags_log_group, logGroupName=name) or {}
        yield LiveResource(
            LOG_GROUP,
            name.strip("/").replace("/", "-") or name,
            name,
            _compact(
                {
                    "name": name,
                    "retentionInDays": group.get("retentionInDays"),
                    "kmsKeyId": group.get("kmsKeyId"),
                    "tags": tags.get("tags"),
                }
            ),
        )


def read_topics(access: AwsAccess) -> Iterator[LiveResource]:
    sns = access.client("sns")
    for listed in _pages(sns, "list_topics", "Topics"):
        arn = listed["TopicArn"]
        attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        tags = sns.list_tags_for_resource(ResourceArn=arn).get("Tags")
        name = arn.rsplit(":", 1)[-1]
        yield LiveResource(
            TOPIC,
            name,
            arn,
            _compact(
                {
                    "name": name,
                    "kmsMasterKeyId": attributes.get("KmsMasterKeyId"),
                    "fifoTopic": attributes.get("FifoTopic") == "true" or None,
                    "policy": _policy(attributes.get("Policy")),
                    "tags": _tags(tags),
                }
            ),
        )


# IAM, VPC --------------------------------------------------------------------------------------


def read_roles(access: AwsAccess) -> Iterator[LiveResource]:
    iam = access.client("iam")
    for role in _pages(iam, "list_roles", "Roles"):
        name = role["RoleName"]
        # Service-linked roles are AWS's, created and changed only by their service.
        if role.get("Path", "/").startswith("/aws-service-role/"):
            continue
        tags = _tags(list(_pages(iam, "list_role_tags", "Tags", RoleName=name)))
        yield LiveResource(
            ROLE,
            name,
            name,
            _compact(
                {
                    "name": name,
                    "path": role.get("Path"),
                    "assumeRolePolicy": _policy(role.get("AssumeRolePolicyDocument")),
                    "maxSessionDuration": role.get("MaxSessionDuration"),
                    "tags": tags,
                }
            ),
        )
        for attached in _pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name):
            yield LiveResource(
                ROLE_POLICY_ATTACHMENT,
                f"{name}-{attached['PolicyName']}",
                f"{name}/{attached['PolicyArn']}",
                {"role": name, "policyArn": attached["PolicyArn"]},
            )
        for policy_name in _pages(iam, "list_role_policies", "PolicyNames", RoleName=name):
            document = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
            yield LiveResource(
                ROLE_POLICY,
                f"{name}-{policy_name}",
                f"{name}:{policy_name}",
                {"role": name, "name": policy_name, "policy": _policy(document)},
            )


def read_vpcs(access: AwsAccess) -> Iterator[LiveResource]:
    ec2 = access.client("ec2")
    for vpc in _pages(ec2, "describe_vpcs", "Vpcs"):
        yield LiveResource(
            VPC,
            vpc["VpcId"],
            vpc["VpcId"],
            _compact({"cidrBlock": vpc.get("CidrBlock"), "tags": _tags(vpc.get("Tags"))}),
        )
    for log in _pages(ec2, "describe_flow_logs", "FlowLogs"):
        yield LiveResource(
            FLOW_LOG,
            log["FlowLogId"],
            log["FlowLogId"],
            _compact(
                {
                    "vpcId": log.get("ResourceId")
                    if str(log.get("ResourceId", "")).startswith("vpc-")
                    else None,
                    "trafficType": log.get("TrafficType"),
                    "logDestinationType": log.get("LogDestinationType"),
                    "logDestination": log.get("LogDestination"),
                    "iamRoleArn": log.get("DeliverLogsPermissionArn"),
                    "tags": _tags(log.get("Tags")),
                }
            ),
        )


@dataclass(frozen=True)
class Reader:
    what: str
    read: Callable[[AwsAccess], Iterator[LiveResource]]
    types: tuple[str, ...]
    """The resource types it yields: drift reports exported resources of these types that are gone."""


READERS: dict[str, Reader] = {
    "s3": Reader(
        "S3 buckets", read_s3, (BUCKET, SSE, VERSIONING, PUBLIC_ACCESS_BLOCK, BUCKET_POLICY, LIFECYCLE)
    ),
    "kms": Reader("KMS keys", read_kms, (KMS_KEY,)),
    "sagemaker-models": Reader("SageMaker models", read_sagemaker_models, (MODEL,)),
    "sagemaker-endpoint-configs": Reader(
        "SageMaker endpoint configurations", read_endpoint_configurations, (ENDPOINT_CONFIGURATION,)
    ),
    "sagemaker-endpoints": Reader("SageMaker endpoints", read_endpoints, (ENDPOINT,)),
    "feature-groups": Reader("SageMaker feature groups", read_feature_groups, (FEATURE_GROUP,)),
    "model-package-groups": Reader(
        "SageMaker model package groups",
        read_model_package_groups,
        (MODEL_PACKAGE_GROUP, MODEL_PACKAGE_GROUP_POLICY),
    ),
    "tracking-servers": Reader(
        "SageMaker MLflow tracking servers", read_tracking_servers, (TRACKING_SERVER,)
    ),
    "eks": Reader("EKS clusters and node groups", read_eks, (EKS_CLUSTER, NODE_GROUP)),
    "batch": Reader("Batch compute environments", read_batch, (COMPUTE_ENVIRONMENT,)),
    "logs": Reader("CloudWatch log groups", read_log_groups, (LOG_GROUP,)),
    "sns": Reader("SNS topics", read_topics, (TOPIC,)),
    "iam": Reader(
        "IAM roles, their attachments and inline policies",
        read_roles,
        (ROLE, ROLE_POLICY_ATTACHMENT, ROLE_POLICY),
    ),
    "vpc": Reader("VPCs and flow logs", read_vpcs, (VPC, FLOW_LOG)),
}
"""Every reader by its key (for `--only` and `--skip`); `stackyard audit` runs them in this order."""
