"""Which resources hold data, and which of their inputs cannot change without replacing them.

One table for everything that asks: `stackyard diff` flags replacements and removals that lose
data, and the data-protection rules require most of these resources to be protected in prod.

Offline there is no provider to say what a change does, so each type lists the inputs (pulumi-aws
names, dotted for nested ones) that the provider marks as forcing a new resource. Each entry cites
where that comes from: the terraform-provider-aws schema the pulumi-aws bridge is built from
(`ForceNew`, which pulumi-aws publishes as `replaceOnChanges`), checked against the AWS API (an
input that no update call accepts can only be set by creating the resource again; botocore's
service models, installed with stackyard, list each call's parameters).
"""

from __future__ import annotations

from dataclasses import dataclass

_TF = "https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/"
_REGION = "region"
"""pulumi-aws v7 gives every resource a `region` input; a resource cannot move region, so changing
it creates the resource anew in the other region (pulumi-aws v7 migration guide, "region")."""


@dataclass(frozen=True)
class Replacement:
    """What replaces a stateful resource, and what the replacement loses."""

    forces: tuple[str, ...]
    """Input paths whose change replaces the resource; a change below one (`a.b` under `a`) counts."""
    holds: str
    """What is lost when the resource is replaced or removed."""
    source: str
    """Where `forces` comes from."""
    in_place: tuple[str, ...] = ()
    """Paths below a forcing path that the provider updates in place."""

    def forcing_path(self, path: str) -> str | None:
        """The entry of `forces` that a change at `path` (`a.b[0].c`) falls under, if any."""
        segments = _segments(path)
        if any(_under(segments, _segments(exempt)) for exempt in self.in_place):
            return None
        return next((force for force in self.forces if _under(segments, _segments(force))), None)


def _segments(path: str) -> list[str]:
    return [part.split("[", 1)[0] for part in path.split(".")]


def _under(path: list[str], prefix: list[str]) -> bool:
    return path[: len(prefix)] == prefix


REPLACEMENTS: dict[str, Replacement] = {
    "aws:s3/bucket:Bucket": Replacement(
        forces=("bucket", "bucketPrefix", "objectLockEnabled", _REGION),
        holds="every stored object",
        source=f"{_TF}s3/bucket.go: bucket, bucket_prefix, object_lock_enabled are ForceNew; "
        "S3 CreateBucket takes Bucket and ObjectLockEnabledForBucket, no call changes them",
    ),
    "aws:sagemaker/featureGroup:FeatureGroup": Replacement(
        forces=(
            "featureGroupName",
            "recordIdentifierFeatureName",
            "eventTimeFeatureName",
            "featureDefinitions",
            "offlineStoreConfig",
            "onlineStoreConfig",
            "roleArn",
            "description",
            _REGION,
        ),
        in_place=("onlineStoreConfig.ttlDuration",),
        holds="the online and offline feature records",
        source=f"{_TF}sagemaker/feature_group.go: description, event_time_feature_name, "
        "feature_definition, feature_group_name, offline_store_config, online_store_config (but its "
        "ttl_duration), record_identifier_feature_name, role_arn are ForceNew; SageMaker "
        "UpdateFeatureGroup takes only FeatureAdditions, OnlineStoreConfig (TTL) and ThroughputConfig",
    ),
    "aws:rds/instance:Instance": Replacement(
        forces=(
            "identifier",
            "identifierPrefix",
            "engine",
            "dbName",
            "username",
            "storageEncrypted",
            "kmsKeyId",
            "availabilityZone",
            "characterSetName",
            "ncharCharacterSetName",
            "timezone",
            "customIamInstanceProfile",
            _REGION,
        ),
        holds="the database",
        source=f"{_TF}rds/instance.go: identifier, identifier_prefix, engine, db_name, username, "
        "storage_encrypted, kms_key_id, availability_zone, character_set_name, "
        "nchar_character_set_name, timezone, custom_iam_instance_profile are ForceNew; RDS "
        "ModifyDBInstance takes none of DBName, MasterUsername, StorageEncrypted, KmsKeyId, "
        "AvailabilityZone, CharacterSetName, Timezone",
    ),
    "aws:rds/cluster:Cluster": Replacement(
        forces=(
            "clusterIdentifier",
            "clusterIdentifierPrefix",
            "engine",
            "engineMode",
            "databaseName",
            "masterUsername",
            "storageEncrypted",
            "kmsKeyId",
            "availabilityZones",
            "dbSubnetGroupName",
            _REGION,
        ),
        holds="the database",
        source=f"{_TF}rds/cluster.go: cluster_identifier, cluster_identifier_prefix, engine, "
        "engine_mode, database_name, master_username, storage_encrypted, kms_key_id, "
        "availability_zones, db_subnet_group_name are ForceNew; RDS ModifyDBCluster takes none of "
        "DatabaseName, MasterUsername, StorageEncrypted, KmsKeyId, AvailabilityZones, DBSubnetGroupName",
    ),
    "aws:dynamodb/table:Table": Replacement(
        forces=("name", "hashKey", "rangeKey", "localSecondaryIndexes", _REGION),
        holds="every item",
        source=f"{_TF}dynamodb/table.go: name, hash_key, range_key, local_secondary_index are "
        "ForceNew; DynamoDB UpdateTable takes neither KeySchema nor LocalSecondaryIndexes",
    ),
    "aws:efs/fileSystem:FileSystem": Replacement(
        forces=("creationToken", "encrypted", "kmsKeyId", "performanceMode", "availabilityZoneName", _REGION),
        holds="every file",
        source=f"{_TF}efs/file_system.go: creation_token, encrypted, kms_key_id, performance_mode, "
        "availability_zone_name are ForceNew; EFS UpdateFileSystem takes only the throughput settings",
    ),
    "aws:sagemaker/modelPackageGroup:ModelPackageGroup": Replacement(
        forces=("modelPackageGroupName", "modelPackageGroupDescription", _REGION),
        holds="every registered model version and its approval history",
        source=f"{_TF}sagemaker/model_package_group.go: model_package_group_name and "
        "model_package_group_description are ForceNew; SageMaker has no UpdateModelPackageGroup",
    ),
    "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer": Replacement(
        forces=("trackingServerName", "roleArn", "mlflowVersion", _REGION),
        holds="the experiment and run history (its metadata store)",
        source=f"{_TF}sagemaker/mlflow_tracking_server.go: tracking_server_name, role_arn, "
        "mlflow_version are ForceNew; SageMaker UpdateMlflowTrackingServer takes ArtifactStoreUri, "
        "TrackingServerSize, AutomaticModelRegistration and the maintenance window, not RoleArn or "
        "MlflowVersion",
    ),
    "aws:eks/cluster:Cluster": Replacement(
        forces=(
            "name",
            "roleArn",
            "encryptionConfig",
            "bootstrapSelfManagedAddons",
            "outpostConfig",
            "kubernetesNetworkConfig.serviceIpv4Cidr",
            "kubernetesNetworkConfig.ipFamily",
            _REGION,
        ),
        holds="every Kubernetes object in the cluster (its etcd)",
        source=f"{_TF}eks/cluster.go: name, role_arn, encryption_config, "
        "bootstrap_self_managed_addons, outpost_config, kubernetes_network_config.service_ipv4_cidr "
        "and ip_family are ForceNew; EKS UpdateClusterConfig takes neither roleArn nor "
        "bootstrapSelfManagedAddons nor outpostConfig, and AssociateEncryptionConfig only adds one",
    ),
    "aws:kms/key:Key": Replacement(
        forces=("customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId", _REGION),
        holds="the ability to decrypt everything encrypted with the key",
        source=f"{_TF}kms/key.go: customer_master_key_spec, key_usage, multi_region, "
        "custom_key_store_id, xks_key_id are ForceNew; KMS has no call that changes a key's spec, "
        "usage or origin",
    ),
    "aws:cloudwatch/logGroup:LogGroup": Replacement(
        forces=("name", "namePrefix", "logGroupClass", _REGION),
        holds="the log events kept for the retention period",
        source=f"{_TF}logs/group.go: name, name_prefix, log_group_class are ForceNew; CloudWatch Logs "
        "has no call that renames a log group or changes its class (PutRetentionPolicy changes only "
        "the retention, in place)",
    ),
    "aws:glue/catalogDatabase:CatalogDatabase": Replacement(
        forces=("name", "catalogId", _REGION),
        holds="the catalog tables (the offline store's schema)",
        source=f"{_TF}glue/catalog_database.go: name and catalog_id are ForceNew; Glue UpdateDatabase "
        "identifies the database by name and cannot rename it",
    ),
}

DATA_LOSS_TYPES = frozenset(REPLACEMENTS)
"""Resources whose replacement or deletion loses data: what `stackyard diff` guards."""

STATEFUL_TYPES = DATA_LOSS_TYPES - {"aws:eks/cluster:Cluster", "aws:cloudwatch/logGroup:LogGroup"}
"""Resources the data-protection rules require to be protected in prod: stored objects, features,
rows, registered model versions, tracking history, catalog tables, or (for KMS keys) the ability to
read everything encrypted with them. Clusters and log groups are left to `stackyard diff`: they are
recreated by the platform, and protecting them would block routine cluster replacements."""
