"""`FeatureStore`: SageMaker Feature Store feature groups with a hardened offline store.

The offline stores of all groups share one bucket, one Glue database and one role. Each group
writes under its own key prefix, and the bucket expires each prefix after that group's retention
period, so groups with different retention share a bucket without sharing a lifecycle.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from stackyard.components.bucket import SecureBucket
from stackyard.components.context import StackContext
from stackyard.components.errors import ComponentArgumentError
from stackyard.components.feature_store.spec import (
    FeatureGroupSpec,
    FeatureSpec,
    FeatureStoreSpec,
    classification_issues,
    glue_database_name,
    glue_table_name,
    group_name_issues,
    offline_store_prefix,
    physical_group_name,
)
from stackyard.components.iam import policy_document, service_role
from stackyard.spec.base import format_loc

GLUE_CATALOG = "AwsDataCatalog"
"""The account's default Glue Data Catalog, as Feature Store names it in DataCatalogConfig."""


def offline_store_policy(
    bucket_arn: str,
    prefixes: list[str],
    kms_key_arn: str,
    database_arn: str,
    database: str,
    region: str,
) -> str:
    """What Feature Store needs to write offline stores, and nothing more: the permissions of the
    managed AmazonSageMakerFeatureStoreAccess policy, scoped to the groups' prefixes in this bucket,
    to this key (used through S3 only) and to this Glue database and its tables.

    The catalog and table ARNs share the database ARN's `arn:<partition>:glue:<region>:<account>`."""
    arn_base = ":".join(database_arn.split(":")[:5])
    objects = [f"{bucket_arn}/{prefix}*" for prefix in prefixes]
    return policy_document(
        [
            {
                "Sid": "WriteOfflineStoreObjects",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:PutObjectAcl", "s3:GetObject"],
                "Resource": objects,
            },
            {
                "Sid": "ReadOfflineStoreBucketAcl",
                "Effect": "Allow",
                "Action": ["s3:GetBucketAcl"],
                "Resource": [bucket_arn],
            },
            {
                "Sid": "EncryptOfflineStoreObjects",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": [kms_key_arn],
                "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
            },
            {
                "Sid": "UpdateOfflineStoreTables",
                "Effect": "Allow",
                "Action": ["glue:GetTable", "glue:UpdateTable"],
                "Resource": [
                    f"{arn_base}:catalog",
                    f"{arn_base}:database/{database}",
                    f"{arn_base}:table/{database}/*",
                ],
            },
        ]
    )


def feature_definitions(
    features: list[FeatureSpec],
) -> list[aws.sagemaker.FeatureGroupFeatureDefinitionArgsDict]:
    definitions: list[aws.sagemaker.FeatureGroupFeatureDefinitionArgsDict] = []
    for feature in features:
        definition: aws.sagemaker.FeatureGroupFeatureDefinitionArgsDict = {
            "feature_name": feature.name,
            "feature_type": feature.type,
        }
        if feature.collection is not None:
            definition["collection_type"] = feature.collection
        if feature.dimension is not None:
            definition["collection_config"] = {"vector_config": {"dimension": feature.dimension}}
        definitions.append(definition)
    return definitions


def online_store_config(
    group: FeatureGroupSpec, kms_key_arn: pulumi.Input[str]
) -> aws.sagemaker.FeatureGroupOnlineStoreConfigArgsDict | None:
    online = group.online_store
    if not online.enabled:
        return None
    config: aws.sagemaker.FeatureGroupOnlineStoreConfigArgsDict = {
        "enable_online_store": True,
        "storage_type": online.storage_type,
        "security_config": {"kms_key_id": kms_key_arn},
    }
    if online.ttl is not None:
        config["ttl_duration"] = {"unit": online.ttl.unit, "value": online.ttl.value}
    return config


def offline_store_config(
    group: FeatureGroupSpec,
    table_name: str,
    bucket_name: pulumi.Output[str],
    database_name: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
) -> aws.sagemaker.FeatureGroupOfflineStoreConfigArgsDict:
    """The group writes under its own prefix of the shared bucket, into a table of the stack's
    database that Feature Store creates (Glue or Iceberg)."""
    prefix = offline_store_prefix(group.name)
    return {
        "s3_storage_config": {
            "s3_uri": bucket_name.apply(lambda bucket: f"s3://{bucket}/{prefix}"),
            "kms_key_id": kms_key_arn,
        },
        "disable_glue_table_creation": False,
        "table_format": group.offline_store.table_format,
        "data_catalog_config": {
            "catalog": GLUE_CATALOG,
            "database": database_name,
            "table_name": table_name,
        },
    }


class FeatureStore(pulumi.ComponentResource):
    """The feature groups of a `FeatureStoreSpec`; `outputs` are what a stack exports."""

    feature_groups: dict[str, aws.sagemaker.FeatureGroup]
    feature_group_names: dict[str, pulumi.Output[str]]
    feature_group_arns: dict[str, pulumi.Output[str]]
    offline_bucket: SecureBucket | None
    catalog_database: aws.glue.CatalogDatabase | None
    offline_store_s3_uri: pulumi.Output[str] | None
    role: aws.iam.Role
    role_arn: pulumi.Output[str]
    outputs: dict[str, pulumi.Input[object]]

    def __init__(
        self,
        name: str,
        args: FeatureStoreSpec,
        *,
        context: StackContext,
        kms_key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # A spec loaded through StackSpec has passed these already; a team composing the
        # component by hand with its own context gets the same errors before anything exists.
        problems = [
            *group_name_issues(context.name_prefix, args.groups),
            *classification_issues(context.data_classification, args.groups),
        ]
        if problems:
            raise ComponentArgumentError(
                "stackyard:feature_store:FeatureStore",
                name,
                "invalid feature_store spec: "
                + "; ".join(f"{format_loc(loc)}: {message}" for loc, message in problems),
            )
        super().__init__("stackyard:feature_store:FeatureStore", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        offline_groups = [group for group in args.groups if group.offline_store.enabled]

        self.role = service_role(
            f"{name}-role",
            "sagemaker.amazonaws.com",
            description=f"SageMaker Feature Store writes the offline stores of {context.name_prefix}",
            tags=context.tags_for(f"{name}-role"),
            opts=child,
        )
        self.role_arn = self.role.arn

        self.offline_bucket = None
        self.catalog_database = None
        self.offline_store_s3_uri = None
        ready: list[pulumi.Resource] = []
        if offline_groups:
            database = glue_database_name(context.name_prefix)
            self.offline_bucket = SecureBucket(
                f"{name}-offline",
                context=context,
                kms_key_arn=kms_key_arn,
                prefix_retention_days={
                    offline_store_prefix(group.name): group.offline_store.retention_days
                    for group in offline_groups
                },
                opts=child,
            )
            self.catalog_database = aws.glue.CatalogDatabase(
                f"{name}-catalog",
                name=database,
                description=f"Offline store tables of the feature groups of {context.name_prefix}",
                tags=context.tags_for(f"{name}-catalog"),
                # Dropping the database drops the tables that make the offline stores queryable.
                opts=pulumi.ResourceOptions.merge(child, context.stateful_options()),
            )
            prefixes = [offline_store_prefix(group.name) for group in offline_groups]
            role_policy = aws.iam.RolePolicy(
                f"{name}-role-policy",
                role=self.role.id,
                policy=pulumi.Output.all(
                    self.offline_bucket.arn, kms_key_arn, self.catalog_database.arn
                ).apply(
                    lambda values: offline_store_policy(
                        values[0], prefixes, values[1], values[2], database, context.region
                    )
                ),
                opts=child,
            )
            # The bucket's name (deterministic, known at preview) rather than its id (known only
            # once created), so the store's URI and prefix can be checked against the bucket's
            # lifecycle rules before anything exists.
            self.offline_store_s3_uri = self.offline_bucket.name.apply(lambda bucket: f"s3://{bucket}")
            # Feature Store checks the role and starts writing as soon as a group exists: the
            # role's permissions and the bucket's encryption and policy must be in place first.
            ready = [role_policy, self.offline_bucket]

        self.feature_groups = {}
        for group in args.groups:
            self.feature_groups[group.name] = self._feature_group(
                name, group, context, kms_key_arn, ready, child
            )
        self.feature_group_names = {
            key: group.feature_group_name for key, group in self.feature_groups.items()
        }
        self.feature_group_arns = {key: group.arn for key, group in self.feature_groups.items()}

        self.outputs = {
            "feature_group_names": self.feature_group_names,
            "feature_group_arns": self.feature_group_arns,
            "feature_store_role_arn": self.role_arn,
        }
        if self.offline_store_s3_uri is not None:
            self.outputs["offline_store_s3_uri"] = self.offline_store_s3_uri
        self.register_outputs(self.outputs)

    def _feature_group(
        self,
        name: str,
        group: FeatureGroupSpec,
        context: StackContext,
        kms_key_arn: pulumi.Input[str],
        ready: list[pulumi.Resource],
        child: pulumi.ResourceOptions,
    ) -> aws.sagemaker.FeatureGroup:
        physical = physical_group_name(context.name_prefix, group.name)
        offline = None
        if (
            group.offline_store.enabled
            and self.offline_bucket is not None
            and self.catalog_database is not None
        ):
            offline = offline_store_config(
                group,
                glue_table_name(physical),
                self.offline_bucket.name,
                self.catalog_database.name,
                kms_key_arn,
            )
        overrides = (
            {"data-classification": group.data_classification.value} if group.data_classification else {}
        )
        resource_name = f"{name}-{group.name}"
        return aws.sagemaker.FeatureGroup(
            resource_name,
            feature_group_name=physical,
            description=group.description,
            record_identifier_feature_name=group.record_identifier,
            event_time_feature_name=group.event_time,
            feature_definitions=feature_definitions(group.features),
            online_store_config=online_store_config(group, kms_key_arn),
            offline_store_config=offline,
            role_arn=self.role_arn,
            tags=context.tags_for(resource_name, **overrides),
            opts=pulumi.ResourceOptions.merge(child, context.stateful_options(depends_on=ready)),
        )
