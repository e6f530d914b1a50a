"""FeatureStore: feature groups with KMS and TTL, a hardened offline-store bucket with per-group
retention, a Glue database and a least-privilege role; protected in prod."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest

from stackyard.components.bucket import retention_rules
from stackyard.components.context import StackContext
from stackyard.components.feature_store.component import FeatureStore, offline_store_policy
from stackyard.components.feature_store.spec import FeatureStoreSpec
from stackyard.components.platform import Platform
from stackyard.plan import plan_project
from stackyard.plan.monitor import Registration
from stackyard.plan.wire import UNKNOWN
from stackyard.pulumi_documents import new_states as resources_of
from stackyard.spec.common import DataClassification
from stackyard.testing import RecordedPlan, record
from tests.conftest import REPO
from tests.specs import make_spec

KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
FEATURE_GROUP = "aws:sagemaker/featureGroup:FeatureGroup"
BUCKET = "aws:s3/bucket:Bucket"

TWO_GROUPS: dict[str, Any] = {
    "groups": [
        {
            "name": "customers",
            "description": "Customer profile features",
            "record_identifier": "customer_id",
            "event_time": "event_time",
            "features": [
                {"name": "customer_id", "type": "String"},
                {"name": "event_time", "type": "Fractional"},
                {"name": "lifetime_value", "type": "Fractional"},
                {"name": "orders", "type": "Integral"},
            ],
            "online_store": {"ttl": {"value": 30, "unit": "Days"}},
            "offline_store": {"retention_days": 730},
        },
        {
            "name": "sessions",
            "record_identifier": "session_id",
            "event_time": "started_at",
            "features": [
                {"name": "session_id", "type": "Integral"},
                {"name": "started_at", "type": "String"},
                {"name": "pages", "type": "String", "collection": "List"},
                {"name": "embedding", "type": "Fractional", "collection": "Vector", "dimension": 64},
            ],
            "online_store": {"storage_type": "InMemory"},
            "offline_store": {"table_format": "Iceberg", "retention_days": 90},
            "data_classification": "public",
        },
    ]
}


def the(plan: RecordedPlan, type_token: str, name: str) -> Registration:
    """The resource of that type and name (a component and its main child share a name)."""
    (match,) = [r for r in plan.of_type(type_token) if r.name == name]
    return match


def build(feature_store: dict[str, Any], environment: str = "dev", preview: bool = False) -> RecordedPlan:
    spec = make_spec(environment=environment, feature_store=feature_store)
    context = StackContext.from_spec(spec)
    section = spec.feature_store
    assert section is not None
    return record(lambda: FeatureStore("fs", section, context=context, kms_key_arn=KEY_ARN), preview=preview)


@pytest.fixture(scope="module")
def dev_plan() -> RecordedPlan:
    return build(TWO_GROUPS)


def test_two_groups_make_exactly_these_resources(dev_plan: RecordedPlan) -> None:
    assert dev_plan.counts() == {
        "stackyard:feature_store:FeatureStore": 1,
        "stackyard:storage:SecureBucket": 1,
        "aws:s3/bucket:Bucket": 1,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
        "aws:s3/bucketVersioning:BucketVersioning": 1,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
        "aws:s3/bucketPolicy:BucketPolicy": 1,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
        "aws:glue/catalogDatabase:CatalogDatabase": 1,
        "aws:iam/role:Role": 1,
        "aws:iam/rolePolicy:RolePolicy": 1,
        FEATURE_GROUP: 2,
    }
    component = dev_plan.named("fs")
    assert {child.name for child in dev_plan.children_of(component)} == {
        "fs-offline",
        "fs-catalog",
        "fs-role",
        "fs-role-policy",
        "fs-customers",
        "fs-sessions",
    }


def test_feature_group_with_standard_online_store_ttl_and_glue_offline_store(dev_plan: RecordedPlan) -> None:
    group = dev_plan.named("fs-customers")
    inputs = group.inputs
    assert inputs["featureGroupName"] == "demo-dev-customers"
    assert inputs["description"] == "Customer profile features"
    assert inputs["recordIdentifierFeatureName"] == "customer_id"
    assert inputs["eventTimeFeatureName"] == "event_time"
    assert inputs["featureDefinitions"] == [
        {"featureName": "customer_id", "featureType": "String"},
        {"featureName": "event_time", "featureType": "Fractional"},
        {"featureName": "lifetime_value", "featureType": "Fractional"},
        {"featureName": "orders", "featureType": "Integral"},
    ]
    assert inputs["onlineStoreConfig"] == {
        "enableOnlineStore": True,
        "storageType": "Standard",
        "securityConfig": {"kmsKeyId": KEY_ARN},
        "ttlDuration": {"unit": "Days", "value": 30},
    }
    assert inputs["offlineStoreConfig"] == {
        "s3StorageConfig": {"s3Uri": "s3://demo-dev-fs-offline-123456789012/customers/", "kmsKeyId": KEY_ARN},
        "disableGlueTableCreation": False,
        "tableFormat": "Glue",
        "dataCatalogConfig": {
            "catalog": "AwsDataCatalog",
            "database": "demo_dev_feature_store",
            "tableName": "demo_dev_customers",
        },
    }
    assert inputs["roleArn"] == "arn:aws:iam:eu-west-1:123456789012:fs-role"  # the mocks' ARN
    assert inputs["tags"]["data-classification"] == "internal"
    assert inputs["tags"]["Name"] == "fs-customers"
    assert group.protect is False
    # Feature Store checks the role and writes to the bucket as soon as the group exists.
    assert dev_plan.named("fs-role-policy").urn in group.dependencies
    for bucket_part in ("fs-offline-encryption", "fs-offline-tls-only", "fs-offline-public-access"):
        assert dev_plan.named(bucket_part).urn in group.dependencies


def test_feature_group_with_in_memory_collections_iceberg_and_its_own_classification(
    dev_plan: RecordedPlan,
) -> None:
    inputs = dev_plan.named("fs-sessions").inputs
    assert inputs["featureDefinitions"][2:] == [
        {"featureName": "pages", "featureType": "String", "collectionType": "List"},
        {
            "featureName": "embedding",
            "featureType": "Fractional",
            "collectionType": "Vector",
            "collectionConfig": {"vectorConfig": {"dimension": 64}},
        },
    ]
    assert inputs["onlineStoreConfig"] == {
        "enableOnlineStore": True,
        "storageType": "InMemory",
        "securityConfig": {"kmsKeyId": KEY_ARN},
    }
    assert inputs["offlineStoreConfig"]["tableFormat"] == "Iceberg"
    assert (
        inputs["offlineStoreConfig"]["s3StorageConfig"]["s3Uri"]
        == "s3://demo-dev-fs-offline-123456789012/sessions/"
    )
    assert inputs["offlineStoreConfig"]["dataCatalogConfig"]["tableName"] == "demo_dev_sessions"
    assert inputs["tags"]["data-classification"] == "public"
    # The shared bucket keeps the stack's classification, the highest of its groups'.
    assert the(dev_plan, BUCKET, "fs-offline").inputs["tags"]["data-classification"] == "internal"


def test_offline_bucket_is_hardened_with_per_group_retention(dev_plan: RecordedPlan) -> None:
    encryption = dev_plan.named("fs-offline-encryption").inputs["rules"]
    assert encryption == [
        {
            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN},
            "bucketKeyEnabled": True,
        }
    ]
    assert dev_plan.named("fs-offline-versioning").inputs["versioningConfiguration"] == {"status": "Enabled"}
    public_access = dev_plan.named("fs-offline-public-access").inputs
    assert all(
        public_access[flag] is True
        for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    policy = json.loads(dev_plan.named("fs-offline-tls-only").inputs["policy"])
    assert policy["Statement"][0]["Effect"] == "Deny"
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    rules = dev_plan.named("fs-offline-lifecycle").inputs["rules"]
    expirations = {rule["id"]: (rule["filter"], rule["expiration"]) for rule in rules if "expiration" in rule}
    assert expirations == {
        "expire-customers-after-retention": ({"prefix": "customers/"}, {"days": 730}),
        "expire-sessions-after-retention": ({"prefix": "sessions/"}, {"days": 90}),
    }
    assert the(dev_plan, BUCKET, "fs-offline").protect is False


def test_glue_database_is_named_for_the_stack(dev_plan: RecordedPlan) -> None:
    database = dev_plan.named("fs-catalog")
    assert database.inputs["name"] == "demo_dev_feature_store"
    assert database.inputs["tags"]["owner"] == "ml-platform"


def test_role_is_assumed_by_sagemaker_only_and_scoped_to_bucket_key_and_database(
    dev_plan: RecordedPlan,
) -> None:
    role = dev_plan.named("fs-role").inputs
    assert json.loads(role["assumeRolePolicy"])["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    assert "managedPolicyArns" not in role
    assert dev_plan.count("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == 0

    role_policy = dev_plan.named("fs-role-policy")
    assert role_policy.inputs["role"] == "fs-role-id"
    statements = {s["Sid"]: s for s in json.loads(role_policy.inputs["policy"])["Statement"]}
    bucket_arn = "arn:aws:s3:eu-west-1:123456789012:fs-offline"  # the mocks' ARN for the bucket
    assert statements["WriteOfflineStoreObjects"]["Resource"] == [
        f"{bucket_arn}/customers/*",
        f"{bucket_arn}/sessions/*",
    ]
    assert statements["ReadOfflineStoreBucketAcl"]["Resource"] == [bucket_arn]
    assert statements["EncryptOfflineStoreObjects"]["Resource"] == [KEY_ARN]
    assert statements["UpdateOfflineStoreTables"]["Resource"] == [
        "arn:aws:glue:eu-west-1:123456789012:catalog",
        "arn:aws:glue:eu-west-1:123456789012:database/demo_dev_feature_store",
        "arn:aws:glue:eu-west-1:123456789012:table/demo_dev_feature_store/*",
    ]
    actions = [action for s in statements.values() for action in s["Action"]]
    assert not any(action.endswith("*") for action in actions)


def test_offline_store_policy_with_real_arns() -> None:
    policy = json.loads(
        offline_store_policy(
            "arn:aws:s3:::ml-prod-offline",
            ["customers/"],
            KEY_ARN,
            "arn:aws:glue:eu-west-1:111122223333:database/ml_prod_feature_store",
            "ml_prod_feature_store",
            "eu-west-1",
        )
    )
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["WriteOfflineStoreObjects"]["Action"] == ["s3:PutObject", "s3:PutObjectAcl", "s3:GetObject"]
    assert by_sid["WriteOfflineStoreObjects"]["Resource"] == ["arn:aws:s3:::ml-prod-offline/customers/*"]
    assert by_sid["EncryptOfflineStoreObjects"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    }
    assert by_sid["UpdateOfflineStoreTables"]["Resource"] == [
        "arn:aws:glue:eu-west-1:111122223333:catalog",
        "arn:aws:glue:eu-west-1:111122223333:database/ml_prod_feature_store",
        "arn:aws:glue:eu-west-1:111122223333:table/ml_prod_feature_store/*",
    ]


def test_prefix_retention_rules_are_added_after_the_bucket_wide_ones() -> None:
    rules = retention_rules(None, {"b/": 10, "a/": 20})
    assert [rule["id"] for rule in rules] == [
        "abort-incomplete-uploads",
        "expire-noncurrent-versions",
        "expire-a-after-retention",
        "expire-b-after-retention",
    ]
    assert rules[2]["filter"] == {"prefix": "a/"} and rules[2]["expiration"] == {"days": 20}
    assert retention_rules(5) == retention_rules(5, None)


def test_prod_protects_bucket_database_and_feature_groups() -> None:
    plan = build(TWO_GROUPS, environment="prod")
    protected = {(r.type, r.name) for r in plan if r.protect}
    assert protected == {
        (BUCKET, "fs-offline"),
        ("aws:glue/catalogDatabase:CatalogDatabase", "fs-catalog"),
        (FEATURE_GROUP, "fs-customers"),
        (FEATURE_GROUP, "fs-sessions"),
    }


def test_online_only_groups_make_no_bucket_database_or_policy() -> None:
    online_only = {
        "groups": [{**TWO_GROUPS["groups"][0], "offline_store": {"enabled": False}}],
    }
    plan = build(online_only)
    assert plan.counts() == {
        "stackyard:feature_store:FeatureStore": 1,
        "aws:iam/role:Role": 1,
        FEATURE_GROUP: 1,
    }
    assert "offlineStoreConfig" not in plan.named("fs-customers").inputs


def test_outputs_name_every_group_and_the_offline_store() -> None:
    resolved: dict[str, Any] = {}

    def program() -> None:
        spec = make_spec(feature_store=TWO_GROUPS)
        assert spec.feature_store is not None
        store = FeatureStore(
            "fs", spec.feature_store, context=StackContext.from_spec(spec), kms_key_arn=KEY_ARN
        )
        pulumi.Output.all(
            store.feature_group_names,
            store.feature_group_arns,
            store.offline_store_s3_uri,
            store.role_arn,
        ).apply(lambda values: resolved.update(zip(["names", "arns", "uri", "role"], values, strict=True)))
        assert set(store.outputs) == {
            "feature_group_names",
            "feature_group_arns",
            "offline_store_s3_uri",
            "feature_store_role_arn",
        }

    record(program)
    assert resolved == {
        "names": {"customers": "demo-dev-customers", "sessions": "demo-dev-sessions"},
        "arns": {
            "customers": "arn:aws:sagemaker:eu-west-1:123456789012:fs-customers",
            "sessions": "arn:aws:sagemaker:eu-west-1:123456789012:fs-sessions",
        },
        "uri": "s3://demo-dev-fs-offline-123456789012",
        "role": "arn:aws:iam:eu-west-1:123456789012:fs-role",
    }


def test_a_hand_made_context_gets_the_stack_rules_before_anything_exists() -> None:
    section = FeatureStoreSpec.model_validate(
        {"groups": [{**TWO_GROUPS["groups"][0], "name": "g" * 50, "data_classification": "confidential"}]}
    )
    context = StackContext(
        project="a-rather-long-project-name",
        environment=make_spec().environment,
        region="eu-west-1",
        owner="team",
        cost_center="cc",
        data_classification=DataClassification.INTERNAL,
    )
    with pytest.raises(pulumi.RunError) as raised:
        FeatureStore("fs", section, context=context, kms_key_arn=KEY_ARN)
    message = str(raised.value)
    assert message.startswith(
        "stackyard:feature_store:FeatureStore 'fs': invalid feature_store spec: groups[0].name: the SageMaker name "
    )
    assert "groups[0].data_classification: 'confidential' is above the stack's 'internal'" in message


def test_platform_wires_the_stack_key_in_preview() -> None:
    spec = make_spec(feature_store=TWO_GROUPS)
    plan = record(lambda: Platform("demo-dev", spec), preview=True)
    assert plan.count(FEATURE_GROUP) == 2
    key = plan.named("demo-dev-encryption-key")
    group = plan.named("demo-dev-feature-store-customers")
    assert group.inputs["onlineStoreConfig"]["securityConfig"]["kmsKeyId"] == UNKNOWN
    assert key.urn in group.property_dependencies["onlineStoreConfig"]
    assert group.parent == plan.named("demo-dev-feature-store").urn


@pytest.mark.parametrize(
    ("directory", "stack", "groups"),
    [
        (REPO, "dev", {"mlplatform-dev-customer-profile", "mlplatform-dev-transactions"}),
        (REPO, "prod", {"mlplatform-prod-customer-profile", "mlplatform-prod-transactions"}),
        (REPO / "examples" / "quickstart", "dev", {"quickstart-dev-customers"}),
    ],
)
def test_stacks_and_quickstart_plan_their_feature_store(
    directory: Path, stack: str, groups: set[str]
) -> None:
    document = plan_project(directory, stack)
    feature_groups = [r for r in resources_of(document) if r["type"] == FEATURE_GROUP]
    assert {r["inputs"]["featureGroupName"] for r in feature_groups} == groups
    if stack == "prod":
        assert all(r.get("protect") for r in feature_groups)
