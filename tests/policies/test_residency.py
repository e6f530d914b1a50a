from __future__ import annotations

import json

import pytest

from tests.policies.harness import (
    UNKNOWN,
    Stack,
    check_case,
    provider,
    resource_case,
    run_resource,
    stack_case,
)

EU = {"allowedRegions": ["eu-west-1", "eu-central-1"]}
BUCKET = "aws:s3/bucket:Bucket"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"


def _replication(dest_region: str, *, account: str | None = None):
    def build(stack: Stack) -> None:
        source = stack.add(BUCKET, "source", {"bucket": "src"})
        dest = stack.add(BUCKET, "dest", {"bucket": "dst"}, prov=provider(dest_region))
        destination = {"bucket": UNKNOWN, **({"account": account} if account else {})}
        stack.add(
            REPLICATION,
            "repl",
            {"bucket": UNKNOWN, "rules": [{"status": "Enabled", "destination": destination}]},
            deps={"bucket": [source], "rules": [dest]},
        )

    return build


def _bucket_policy(principal: object, condition: dict | None = None) -> dict:
    statement = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
    }
    if condition:
        statement["Condition"] = condition
    return {"bucket": "b", "policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})}


CASES = [
    resource_case("SY-RES-001", "provider-region-allowed", BUCKET, {}, config=EU),
    resource_case(
        "SY-RES-001",
        "provider-region-outside",
        BUCKET,
        {},
        "region 'us-east-1' is not in the allowed regions ['eu-west-1', 'eu-central-1']",
        config=EU,
        prov=provider("us-east-1"),
    ),
    resource_case(
        "SY-RES-001",
        "resource-region-input-outside",
        BUCKET,
        {"region": "us-west-2"},
        "region 'us-west-2' is not in the allowed regions ['eu-west-1', 'eu-central-1']",
        config=EU,
    ),
    stack_case("SY-RES-002", "replica-in-eu", _replication("eu-central-1"), config=EU),
    stack_case(
        "SY-RES-002",
        "replica-in-us",
        _replication("us-east-1"),
        "repl: replicates to bucket 'dest' in region 'us-east-1', outside the allowed regions "
        "['eu-west-1', 'eu-central-1']",
        config=EU,
    ),
    stack_case(
        "SY-RES-002",
        "replica-to-other-account",
        _replication("eu-west-1", account="999988887777"),
        "repl: replicates to account 999988887777, which is not an allowed account",
        config={**EU, "allowedAccounts": ["111122223333"]},
    ),
    resource_case(
        "SY-RES-003",
        "allowed-account",
        "aws:s3/bucketPolicy:BucketPolicy",
        _bucket_policy({"AWS": "arn:aws:iam::111122223333:role/reader"}),
        config={"allowedAccounts": ["111122223333"]},
    ),
    resource_case(
        "SY-RES-003",
        "other-account",
        "aws:s3/bucketPolicy:BucketPolicy",
        _bucket_policy({"AWS": ["arn:aws:iam::111122223333:root", "444455556666"]}),
        "grants access to account 444455556666, which is not an allowed account",
        config={"allowedAccounts": ["111122223333"]},
    ),
    resource_case(
        "SY-RES-003",
        "everyone",
        "aws:s3/bucketPolicy:BucketPolicy",
        _bucket_policy("*"),
        "an Allow statement grants access to every principal ('*') without a condition",
    ),
    resource_case(
        "SY-RES-003",
        "everyone-in-org",
        "aws:s3/bucketPolicy:BucketPolicy",
        _bucket_policy({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}),
    ),
    resource_case(
        "SY-RES-004",
        "share-allowed",
        "aws:ram/principalAssociation:PrincipalAssociation",
        {
            "principal": "111122223333",
            "resourceShareArn": "arn:aws:ram:eu-west-1:111122223333:resource-share/x",
        },
        config={"allowedAccounts": ["111122223333"]},
    ),
    resource_case(
        "SY-RES-004",
        "share-other",
        "aws:ram/principalAssociation:PrincipalAssociation",
        {
            "principal": "999988887777",
            "resourceShareArn": "arn:aws:ram:eu-west-1:111122223333:resource-share/x",
        },
        "shares with account 999988887777, which is not an allowed account",
        config={"allowedAccounts": ["111122223333"]},
    ),
    resource_case(
        "SY-RES-004",
        "external-principals",
        "aws:ram/resourceShare:ResourceShare",
        {"name": "s", "allowExternalPrincipals": True},
        "allowExternalPrincipals is true: accounts outside the organization can be added",
        config={"allowedAccounts": ["111122223333"]},
    ),
    resource_case(
        "SY-RES-005",
        "replica-eu",
        "aws:dynamodb/table:Table",
        {"replicas": [{"regionName": "eu-central-1"}]},
        config=EU,
    ),
    resource_case(
        "SY-RES-005",
        "replica-us",
        "aws:dynamodb/table:Table",
        {"replicas": [{"regionName": "eu-central-1"}, {"regionName": "us-east-1"}]},
        "replica in region 'us-east-1' is outside the allowed regions ['eu-west-1', 'eu-central-1']",
        config=EU,
    ),
    resource_case(
        "SY-RES-006",
        "ecr-eu",
        "aws:ecr/replicationConfiguration:ReplicationConfiguration",
        {
            "replicationConfiguration": {
                "rules": [{"destinations": [{"region": "eu-central-1", "registryId": "111122223333"}]}]
            }
        },
        config={**EU, "allowedAccounts": ["111122223333"]},
    ),
    resource_case(
        "SY-RES-006",
        "ecr-us-other-account",
        "aws:ecr/replicationConfiguration:ReplicationConfiguration",
        {
            "replicationConfiguration": {
                "rules": [{"destinations": [{"region": "us-east-1", "registryId": "999988887777"}]}]
            }
        },
        "replicates to region 'us-east-1', outside the allowed regions ['eu-west-1', 'eu-central-1']",
        "replicates to registry 999988887777, which is not an allowed account",
        config={**EU, "allowedAccounts": ["111122223333"]},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}:{c.label}")
def test_rule(case) -> None:
    check_case(case)


def test_region_rule_needs_configured_regions() -> None:
    outcome = run_resource("SY-RES-001", BUCKET, {}, prov=provider("us-east-1"))
    assert outcome.not_applicable == "no allowedRegions configured"


def test_global_and_non_aws_resources_have_no_region() -> None:
    role = run_resource("SY-RES-001", "aws:iam/role:Role", {}, config=EU, prov=provider("us-east-1"))
    assert role.not_applicable == "global service: no region"
    service = run_resource("SY-RES-001", "kubernetes:core/v1:Service", {}, config=EU)
    assert service.not_applicable == "not an AWS resource"


def test_region_unknown_at_preview_is_indeterminate() -> None:
    outcome = run_resource("SY-RES-001", BUCKET, {"region": UNKNOWN}, config=EU)
    assert outcome.violations == []
    assert [item.reason for item in outcome.indeterminate] == [
        "string value at .region can't be known during preview"
    ]


def test_provider_without_region_is_indeterminate() -> None:
    outcome = run_resource("SY-RES-001", BUCKET, {}, config=EU, prov=provider(None))
    assert [i.reason for i in outcome.indeterminate] == [
        "no region on the resource or its provider (it comes from the environment)"
    ]


def test_replication_to_bucket_outside_stack_is_indeterminate() -> None:
    stack = Stack()
    stack.add(REPLICATION, "repl", {"rules": [{"destination": {"bucket": "arn:aws:s3:::elsewhere"}}]})
    outcome = stack.run("SY-RES-002", EU)
    assert outcome.violations == []
    assert [(i.reason, i.urn) for i in outcome.indeterminate] == [
        (
            "destination bucket 'arn:aws:s3:::elsewhere' is not in the stack; its region is unknown",
            "urn:pulumi:test::proj::aws:s3/bucketReplicationConfig:BucketReplicationConfig::repl",
        )
    ]


def test_replication_literal_arn_of_stack_bucket() -> None:
    stack = Stack()
    stack.add(BUCKET, "dest", {"bucket": "dst"}, prov=provider("us-east-1"))
    stack.add(REPLICATION, "repl", {"rules": [{"destination": {"bucket": "arn:aws:s3:::dst"}}]})
    assert stack.run("SY-RES-002", EU).violations == [
        "repl: replicates to bucket 'dest' in region 'us-east-1', outside the allowed regions "
        "['eu-west-1', 'eu-central-1']"
    ]


def test_own_account_grants_not_judged_without_allowed_accounts() -> None:
    outcome = run_resource(
        "SY-RES-003",
        "aws:s3/bucketPolicy:BucketPolicy",
        _bucket_policy({"AWS": "arn:aws:iam::444455556666:root"}),
    )
    assert outcome.passed


def test_provider_allowed_account_ids_count_as_allowed() -> None:
    outcome = run_resource(
        "SY-RES-003",
        "aws:s3/bucketPolicy:BucketPolicy",
        _bucket_policy({"AWS": "444455556666"}),
        prov=provider(allowedAccountIds=["444455556666"]),
    )
    assert outcome.passed
