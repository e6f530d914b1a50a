from __future__ import annotations

import pytest

from stackyard.policies.rules.tagging import is_taggable
from tests.policies.harness import (
    UNKNOWN,
    Stack,
    check_case,
    provider,
    resource_case,
    run_resource,
    stack_case,
)

BUCKET = "aws:s3/bucket:Bucket"
TAGS = {
    "owner": "ml-platform",
    "cost-center": "cc-42",
    "data-classification": "confidential",
    "environment": "prod",
}
FEATURE_GROUP = "aws:sagemaker/featureGroup:FeatureGroup"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
RDS = "aws:rds/instance:Instance"


def _versioned(status: str | None):
    def build(stack: Stack) -> None:
        stack.add(BUCKET, "artifacts", {"bucket": "acme-prod-artifacts"})
        if status:
            # A hand-written versioning resource that names the bucket literally.
            stack.add(
                "aws:s3/bucketVersioning:BucketVersioning",
                "artifacts-versioning",
                {"bucket": "acme-prod-artifacts", "versioningConfiguration": {"status": status}},
            )

    return build


def _offline_store(days: int | None, prefix: str = "", uri: str = UNKNOWN):
    def build(stack: Stack) -> None:
        bucket = stack.add(BUCKET, "offline", {"bucket": "acme-offline"})
        if days is not None:
            stack.add(
                LIFECYCLE,
                "offline-lifecycle",
                {
                    "bucket": UNKNOWN,
                    "rules": [
                        {
                            "id": "expire",
                            "status": "Enabled",
                            "filter": {"prefix": prefix},
                            "expiration": {"days": float(days)},
                        }
                    ],
                },
                deps={"bucket": [bucket]},
            )
        stack.add(
            FEATURE_GROUP,
            "features",
            {"offlineStoreConfig": {"s3StorageConfig": {"s3Uri": uri}}},
            deps={"offlineStoreConfig": [bucket]},
        )

    return build


CASES = [
    resource_case("SY-TAG-001", "all-tags", BUCKET, {"tags": TAGS}),
    resource_case(
        "SY-TAG-001",
        "provider-default-tags",
        BUCKET,
        {"tags": {"Name": "b"}},
        prov=provider(defaultTags={"tags": TAGS}),
    ),
    resource_case(
        "SY-TAG-001",
        "missing",
        "aws:sagemaker/endpoint:Endpoint",
        {"tags": {"owner": "me", "cost-center": " "}},
        "missing required tags ['cost-center', 'data-classification']",
    ),
    resource_case(
        "SY-TAG-001",
        "custom-required",
        BUCKET,
        {"tags": TAGS},
        "missing required tags ['team']",
        config={"requiredTags": ["owner", "team"]},
    ),
    resource_case("SY-TAG-002", "known-class", BUCKET, {"tags": TAGS}),
    resource_case(
        "SY-TAG-002",
        "unknown-class",
        BUCKET,
        {"tags": {**TAGS, "data-classification": "secret"}},
        "data-classification 'secret' is not one of ['public', 'internal', 'confidential', 'restricted']",
    ),
    resource_case("SY-DP-001", "protected", BUCKET, {"tags": TAGS}, protect=True),
    resource_case(
        "SY-DP-001",
        "unprotected",
        FEATURE_GROUP,
        {"tags": TAGS},
        "stateful resource is not protected (protect=True) in prod",
    ),
    resource_case(
        "SY-DP-001",
        "env-from-config",
        RDS,
        {},
        "stateful resource is not protected (protect=True) in prod",
        config={"environment": "prod"},
    ),
    stack_case("SY-DP-002", "enabled", _versioned("Enabled")),
    stack_case(
        "SY-DP-002",
        "suspended",
        _versioned("Suspended"),
        "artifacts: bucket versioning is 'Suspended', not 'Enabled'",
    ),
    stack_case("SY-DP-002", "none", _versioned(None), "artifacts: bucket has no versioning configuration"),
    stack_case("SY-DP-003", "expires", _offline_store(365), config={"maxOfflineRetentionDays": 400}),
    stack_case(
        "SY-DP-003",
        "never-expires",
        _offline_store(None),
        "features: offline store data never expires: no enabled lifecycle expiration covers it",
    ),
    stack_case(
        "SY-DP-003",
        "other-prefix-only",
        _offline_store(30, prefix="logs/", uri="s3://acme-offline/features"),
        "features: offline store data never expires: no enabled lifecycle expiration covers it",
    ),
    stack_case(
        "SY-DP-003",
        "too-long",
        _offline_store(730),
        "features: offline store data is kept 730 days, more than the maximum 365",
        config={"maxOfflineRetentionDays": 365},
    ),
    resource_case("SY-DP-004", "protected", RDS, {"deletionProtection": True, "tags": TAGS}),
    resource_case(
        "SY-DP-004",
        "unprotected-staging",
        RDS,
        {"tags": {**TAGS, "environment": "staging"}},
        "deletion protection is off (deletionProtection is not true)",
    ),
    resource_case("SY-DP-005", "thirty-days", RDS, {"backupRetentionPeriod": 30.0}),
    resource_case("SY-DP-005", "default-one-day", RDS, {}, "keeps backups 1 days, fewer than the minimum 7"),
    resource_case(
        "SY-DP-005",
        "cluster-too-few",
        "aws:rds/cluster:Cluster",
        {"backupRetentionPeriod": 7.0},
        "keeps backups 7 days, fewer than the minimum 14",
        config={"minBackupRetentionDays": 14},
    ),
    resource_case("SY-DP-006", "final-snapshot", RDS, {"skipFinalSnapshot": False, "tags": TAGS}),
    resource_case(
        "SY-DP-006",
        "skip-final",
        RDS,
        {"skipFinalSnapshot": True, "tags": TAGS},
        "deleting the database skips the final snapshot (skipFinalSnapshot is true)",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}:{c.label}")
def test_rule(case) -> None:
    check_case(case)


@pytest.mark.parametrize(
    ("resource_type", "expected"),
    [
        (BUCKET, True),
        ("aws:sagemaker/featureGroup:FeatureGroup", True),
        ("aws:s3/bucketPolicy:BucketPolicy", False),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", False),
        ("aws:index/provider:Provider", False),
        ("aws:nosuchmodule/thing:Thing", False),
        ("kubernetes:core/v1:Namespace", False),
    ],
)
def test_taggable_types_come_from_pulumi_aws(resource_type: str, expected: bool) -> None:
    assert is_taggable(resource_type) is expected


def test_untaggable_resources_are_not_applicable() -> None:
    outcome = run_resource("SY-TAG-001", "aws:s3/bucketPolicy:BucketPolicy", {"policy": "{}"})
    assert outcome.not_applicable == "resource type takes no tags"


def test_unknown_required_tag_values_are_indeterminate() -> None:
    outcome = run_resource(
        "SY-TAG-001", BUCKET, {"tags": {"owner": UNKNOWN, "cost-center": "c", "data-classification": "x"}}
    )
    assert [i.reason for i in outcome.indeterminate] == [
        "required tags ['owner'] have values unknown at preview"
    ]


def test_an_unknown_name_tag_does_not_hide_the_known_ones() -> None:
    assert run_resource("SY-TAG-001", BUCKET, {"tags": {**TAGS, "Name": UNKNOWN}}).passed
    outcome = run_resource("SY-TAG-001", BUCKET, {"tags": {"Name": UNKNOWN, "owner": UNKNOWN}})
    assert outcome.violations == ["missing required tags ['cost-center', 'data-classification']"]


def test_unknown_environment_tag_is_indeterminate() -> None:
    outcome = run_resource("SY-DP-001", BUCKET, {"tags": {**TAGS, "environment": UNKNOWN}})
    assert [i.reason for i in outcome.indeterminate] == ["the environment tag is unknown at preview"]


def test_environment_rules_need_an_environment() -> None:
    outcome = run_resource("SY-DP-001", BUCKET, {"tags": {"owner": "x"}})
    assert (
        outcome.not_applicable == "environment unknown: set the environment setting or an 'environment' tag"
    )
    assert run_resource("SY-DP-001", BUCKET, {"tags": {**TAGS, "environment": "dev"}}).not_applicable == (
        "applies in ['prod'], not in 'dev'"
    )


def test_prefixed_lifecycle_with_unknown_store_prefix_is_indeterminate() -> None:
    stack = Stack()
    _offline_store(30, prefix="features/")(stack)
    outcome = stack.run("SY-DP-003")
    assert [i.reason for i in outcome.indeterminate] == [
        "the offline store's S3 prefix is unknown, so prefixed lifecycle rules cannot be matched"
    ]


def test_matching_prefixed_lifecycle_covers_the_store() -> None:
    stack = Stack()
    _offline_store(30, prefix="features/", uri="s3://acme-offline/features/fg")(stack)
    assert stack.run("SY-DP-003").passed


def test_offline_store_outside_the_stack_is_indeterminate() -> None:
    stack = Stack()
    stack.add(
        FEATURE_GROUP, "features", {"offlineStoreConfig": {"s3StorageConfig": {"s3Uri": "s3://elsewhere/fs"}}}
    )
    outcome = stack.run("SY-DP-003")
    assert [i.reason for i in outcome.indeterminate] == [
        "the offline store bucket is not in the stack; its lifecycle is unknown"
    ]
