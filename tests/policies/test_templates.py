"""Rules that read documents decide on a plan's templates: each unknown written as a typed placeholder
(`${<type>::<name>.<output>}`) that stands for one specific resource of the stack."""

from __future__ import annotations

import json

import pytest

from stackyard.policies.placeholders import Placeholder, holds_placeholder, placeholder
from tests.policies.harness import Stack, check_case, resource_case, stack_case

BUCKET_ARN = "${aws:s3/bucket:Bucket::data.arn}"
KEY_ARN = "${aws:kms/key:Key::key.arn}"
ROLE_ARN = "${aws:iam/role:Role::reader.arn}"
OIDC_ARN = "${aws:iam/openIdConnectProvider:OpenIdConnectProvider::cluster-oidc.arn}"
ISSUER = "${aws:eks/cluster:Cluster::cluster.identities[0].oidcs[0].issuer}"
POLICY = "aws:iam/policy:Policy"
ROLE = "aws:iam/role:Role"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: object, resource: object) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def _irsa(condition: dict) -> dict:
    return {
        "assumeRolePolicy": _doc(
            {
                "Effect": "Allow",
                "Principal": {"Federated": OIDC_ARN},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": condition,
            }
        )
    }


def _bucket_with_policy(document: str):
    def build(stack: Stack) -> None:
        bucket = stack.add("aws:s3/bucket:Bucket", "data", {"bucket": "data"})
        stack.add(
            BUCKET_POLICY, "data-policy", {"bucket": "data", "policy": document}, deps={"bucket": [bucket]}
        )

    return build


TLS_ONLY = _doc(
    {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [BUCKET_ARN, f"{BUCKET_ARN}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
)

CASES = [
    resource_case(
        "SY-IAM-003",
        "scoped-on-placeholders",
        POLICY,
        {"policy": _doc(_allow("s3:GetObject", f"{BUCKET_ARN}/*"))},
    ),
    resource_case(
        "SY-IAM-003",
        "wildcard-on-placeholder",
        POLICY,
        {"policy": _doc(_allow("s3:*", BUCKET_ARN))},
        "allows the wildcard action 's3:*'",
    ),
    resource_case(
        "SY-IAM-004", "scoped-on-placeholder", POLICY, {"policy": _doc(_allow(["kms:Decrypt"], KEY_ARN))}
    ),
    resource_case(
        "SY-IAM-004",
        "everything-on-placeholder",
        POLICY,
        {"policy": _doc(_allow("*", BUCKET_ARN))},
        "allows every action ('Action': '*')",
    ),
    resource_case(
        "SY-IAM-005",
        "role-placeholder-with-external-id",
        ROLE,
        {
            "assumeRolePolicy": _doc(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ROLE_ARN},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": "x"}},
                }
            )
        },
    ),
    resource_case(
        "SY-IAM-005",
        "role-placeholder-without-external-id",
        ROLE,
        {
            "assumeRolePolicy": _doc(
                {"Effect": "Allow", "Principal": {"AWS": ROLE_ARN}, "Action": "sts:AssumeRole"}
            )
        },
        f"trust policy lets '{ROLE_ARN}' assume the role without an sts:ExternalId condition",
    ),
    resource_case(
        "SY-IAM-006", "one-service-and-placeholder", ROLE, _irsa({"StringEquals": {f"{ISSUER}:sub": "a"}})
    ),
    resource_case(
        "SY-IAM-006",
        "two-services",
        ROLE,
        {
            "assumeRolePolicy": _doc(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": ["sagemaker.amazonaws.com", "ec2.amazonaws.com"]},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceArn": ROLE_ARN}},
                }
            )
        },
        "trusts several services ['ec2.amazonaws.com', 'sagemaker.amazonaws.com']",
    ),
    resource_case(
        "SY-IAM-007",
        "placeholder-provider-scoped",
        ROLE,
        _irsa(
            {
                "StringEquals": {
                    f"{ISSUER}:sub": "system:serviceaccount:kube-system:aws-node",
                    f"{ISSUER}:aud": "sts.amazonaws.com",
                }
            }
        ),
    ),
    resource_case(
        "SY-IAM-007",
        "placeholder-provider-unscoped",
        ROLE,
        _irsa({"StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"}}),
        "OIDC trust without a ':sub' condition lets every service account assume the role",
    ),
    resource_case(
        "SY-RES-003",
        "stack-role-placeholder",
        BUCKET_POLICY,
        {
            "policy": _doc(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ROLE_ARN},
                    "Action": "s3:GetObject",
                    "Resource": f"{BUCKET_ARN}/*",
                }
            )
        },
        config={"allowedAccounts": ["111122223333"]},
    ),
    resource_case(
        "SY-RES-003",
        "everyone-on-placeholder",
        BUCKET_POLICY,
        {
            "policy": _doc(
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{BUCKET_ARN}/*"}
            )
        },
        "an Allow statement grants access to every principal ('*') without a condition",
    ),
    stack_case("SY-ENC-014", "tls-only-on-placeholders", _bucket_with_policy(TLS_ONLY)),
    stack_case(
        "SY-ENC-014",
        "allow-only-on-placeholders",
        _bucket_with_policy(_doc(_allow("s3:GetObject", f"{BUCKET_ARN}/*"))),
        "data: no bucket policy denies requests without TLS (aws:SecureTransport false)",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}:{c.label}")
def test_rule_on_a_template(case) -> None:
    check_case(case)


def test_a_whole_placeholder_names_its_resource_and_output() -> None:
    assert placeholder(ISSUER) == Placeholder(
        "aws:eks/cluster:Cluster", "cluster", "identities[0].oidcs[0].issuer"
    )
    assert placeholder(BUCKET_ARN) == Placeholder("aws:s3/bucket:Bucket", "data", "arn")


@pytest.mark.parametrize("value", [f"{BUCKET_ARN}/*", "${aws:username}", "arn:aws:s3:::data", "*", None, 3])
def test_anything_else_is_no_placeholder(value: object) -> None:
    assert placeholder(value) is None


def test_a_pattern_built_on_a_placeholder_holds_one_but_is_none() -> None:
    assert holds_placeholder(f"{BUCKET_ARN}/*")
    assert not holds_placeholder("arn:aws:s3:::data/${aws:username}/*")  # an IAM policy variable
