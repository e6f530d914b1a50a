"""Which resources hold data, and which of their inputs cannot change without replacing them.

One table for everything that asks: `stackyard diff` flags replacements and removals that lose
data, and the data-protection rules require these resources to be protected in prod.
"""

from __future__ import annotations

# Type -> the inputs whose change replaces the resource (the AWS APIs cannot update them in place).
STATEFUL_REPLACE_ON: dict[str, frozenset[str]] = {
    "aws:s3/bucket:Bucket": frozenset({"bucket", "bucketPrefix", "objectLockEnabled", "region"}),
    "aws:sagemaker/featureGroup:FeatureGroup": frozenset(
        {
            "featureGroupName",
            "recordIdentifierFeatureName",
            "eventTimeFeatureName",
            "offlineStoreConfig",
            "roleArn",
            "description",
        }
    ),
    "aws:rds/instance:Instance": frozenset(
        {
            "identifier",
            "identifierPrefix",
            "engine",
            "dbName",
            "storageEncrypted",
            "kmsKeyId",
            "availabilityZone",
            "username",
        }
    ),
    "aws:rds/cluster:Cluster": frozenset(
        {"clusterIdentifier", "engine", "databaseName", "storageEncrypted", "kmsKeyId", "masterUsername"}
    ),
    "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer": frozenset(
        {"trackingServerName", "artifactStoreUri"}
    ),
    "aws:sagemaker/modelPackageGroup:ModelPackageGroup": frozenset(
        {"modelPackageGroupName", "modelPackageGroupDescription"}
    ),
    "aws:kms/key:Key": frozenset({"customerMasterKeySpec", "keyUsage", "multiRegion"}),
    "aws:dynamodb/table:Table": frozenset({"name", "hashKey", "rangeKey"}),
    "aws:efs/fileSystem:FileSystem": frozenset({"encrypted", "kmsKeyId", "performanceMode", "creationToken"}),
    "aws:glue/catalogDatabase:CatalogDatabase": frozenset({"name", "catalogId"}),
}

STATEFUL_TYPES = frozenset(STATEFUL_REPLACE_ON)
"""Resources whose replacement or deletion loses data: stored objects, features, rows, registered
model versions, tracking history, catalog tables, or (for KMS keys) the ability to read everything
encrypted with them."""
