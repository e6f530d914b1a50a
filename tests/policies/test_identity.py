from __future__ import annotations

import json

import pytest

from tests.policies.harness import UNKNOWN, check_case, resource_case, run_resource

ROLE = "aws:iam/role:Role"
ATTACH = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY = "aws:iam/policy:Policy"


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _trust(principal: object, condition: dict | None = None, action: str = "sts:AssumeRole") -> dict:
    statement = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return {"assumeRolePolicy": _doc(statement)}


SAGEMAKER = {"Service": "sagemaker.amazonaws.com"}
OIDC = {"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"}
ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/ABC"

CASES = [
    resource_case(
        "SY-IAM-001",
        "scoped-managed",
        ATTACH,
        {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AmazonSageMakerReadOnly"},
    ),
    resource_case(
        "SY-IAM-001",
        "full-access",
        ATTACH,
        {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"},
        "attaches the AWS managed policy 'AmazonS3FullAccess'",
    ),
    resource_case(
        "SY-IAM-001",
        "role-managed-arns",
        ROLE,
        {**_trust(SAGEMAKER), "managedPolicyArns": ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"]},
        "attaches the AWS managed policy 'AmazonSageMakerFullAccess'",
    ),
    resource_case(
        "SY-IAM-002",
        "customer-policy",
        ATTACH,
        {"role": "r", "policyArn": "arn:aws:iam::111122223333:policy/AdministratorAccess"},
    ),
    resource_case(
        "SY-IAM-002",
        "admin",
        ATTACH,
        {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
        "attaches the administrator policy 'AdministratorAccess'",
    ),
    resource_case(
        "SY-IAM-002",
        "power-user-exclusive",
        "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
        {"roleName": "r", "policyArns": ["arn:aws:iam::aws:policy/PowerUserAccess"]},
        "attaches the administrator policy 'PowerUserAccess'",
    ),
    resource_case(
        "SY-IAM-003",
        "listed-actions",
        POLICY,
        {"policy": _doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"})},
    ),
    resource_case(
        "SY-IAM-003",
        "s3-star",
        POLICY,
        {"policy": _doc({"Effect": "Allow", "Action": ["s3:*", "logs:*"], "Resource": "*"})},
        "allows the wildcard action 's3:*'",
    ),
    resource_case(
        "SY-IAM-003",
        "inline-dict-sagemaker-star",
        ROLE,
        {
            **_trust(SAGEMAKER),
            "inlinePolicies": [
                {"name": "p", "policy": _doc({"Effect": "Allow", "Action": "SageMaker:*", "Resource": "*"})}
            ],
        },
        "allows the wildcard action 'SageMaker:*'",
    ),
    resource_case(
        "SY-IAM-003",
        "deny-star-is-fine",
        "aws:iam/rolePolicy:RolePolicy",
        {
            "role": "r",
            "policy": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}],
            },
        },
    ),
    resource_case(
        "SY-IAM-004",
        "scoped",
        POLICY,
        {"policy": _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})},
    ),
    resource_case(
        "SY-IAM-004",
        "star",
        POLICY,
        {"policy": _doc({"Effect": "Allow", "Action": "*", "Resource": "*"})},
        "allows every action ('Action': '*')",
    ),
    resource_case(
        "SY-IAM-004",
        "not-action",
        POLICY,
        {"policy": _doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})},
        "allows everything except a list of actions ('NotAction' with Allow)",
    ),
    resource_case(
        "SY-IAM-004",
        "malformed",
        POLICY,
        {"policy": "{not json"},
        "policy document cannot be checked: policy is not valid JSON: Expecting property name enclosed in double quotes",
    ),
    resource_case("SY-IAM-005", "service", ROLE, _trust(SAGEMAKER)),
    resource_case(
        "SY-IAM-005",
        "partner-with-external-id",
        ROLE,
        _trust({"AWS": "arn:aws:iam::444455556666:root"}, {"StringEquals": {"sts:ExternalId": "x"}}),
    ),
    resource_case(
        "SY-IAM-005", "anyone", ROLE, _trust("*"), "trust policy lets any principal assume the role"
    ),
    resource_case(
        "SY-IAM-005",
        "account-without-external-id",
        ROLE,
        _trust({"AWS": "arn:aws:iam::444455556666:root"}),
        "trust policy lets 'arn:aws:iam::444455556666:root' assume the role without an sts:ExternalId condition",
    ),
    resource_case("SY-IAM-006", "one-service", ROLE, _trust(SAGEMAKER)),
    resource_case(
        "SY-IAM-006",
        "two-services",
        ROLE,
        _trust({"Service": ["sagemaker.amazonaws.com", "ec2.amazonaws.com"]}),
        "trusts several services ['ec2.amazonaws.com', 'sagemaker.amazonaws.com']",
    ),
    resource_case(
        "SY-IAM-007",
        "sub-scoped",
        ROLE,
        _trust(
            OIDC,
            {
                "StringEquals": {
                    f"{ISSUER}:sub": "system:serviceaccount:ml:trainer",
                    f"{ISSUER}:aud": "sts.amazonaws.com",
                }
            },
            "sts:AssumeRoleWithWebIdentity",
        ),
    ),
    resource_case(
        "SY-IAM-007",
        "aud-only",
        ROLE,
        _trust(
            OIDC, {"StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"}}, "sts:AssumeRoleWithWebIdentity"
        ),
        "OIDC trust without a ':sub' condition lets every service account assume the role",
    ),
    resource_case(
        "SY-IAM-007",
        "sub-wildcard",
        ROLE,
        _trust(
            OIDC,
            {"StringLike": {f"{ISSUER}:sub": "system:serviceaccount:*"}},
            "sts:AssumeRoleWithWebIdentity",
        ),
        "OIDC trust matches service accounts with a wildcard ':sub' condition",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}:{c.label}")
def test_rule(case) -> None:
    check_case(case)


def test_data_services_are_configurable() -> None:
    props = {"policy": _doc({"Effect": "Allow", "Action": "logs:*", "Resource": "*"})}
    assert run_resource("SY-IAM-003", POLICY, props).passed
    assert run_resource("SY-IAM-003", POLICY, props, config={"dataServices": ["logs"]}).violations == [
        "allows the wildcard action 'logs:*'"
    ]


ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def _object_document(action: object, resource: object) -> dict:
    """A policy document passed as an object (pulumi-aws accepts one for `str | PolicyDocumentArgs`
    fields), its Resource an Output that is unknown at preview."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
    }


def test_an_unknown_resource_leaves_the_actions_decidable() -> None:
    narrow = {"role": "r", "policy": _object_document(["s3:GetObject"], [UNKNOWN, "arn:aws:s3:::b/*"])}
    assert run_resource("SY-IAM-003", ROLE_POLICY, narrow).passed
    assert run_resource("SY-IAM-004", ROLE_POLICY, narrow).passed
    wide = {"role": "r", "policy": _object_document("s3:*", UNKNOWN)}
    assert run_resource("SY-IAM-003", ROLE_POLICY, wide).violations == ["allows the wildcard action 's3:*'"]


def test_an_unknown_action_is_indeterminate_not_a_pass() -> None:
    outcome = run_resource(
        "SY-IAM-003", ROLE_POLICY, {"role": "r", "policy": _object_document([UNKNOWN], "*")}
    )
    assert outcome.violations == []
    assert [item.reason for item in outcome.indeterminate] == [
        "the policy document's Statement[0].Action can't be known during preview"
    ]


def test_a_trust_condition_keyed_by_an_unknown_issuer_is_indeterminate() -> None:
    """IRSA trust: the condition keys embed the OIDC issuer, an Output; a dict key cannot be an
    Output, so the whole condition is computed and the OIDC rule cannot decide at preview."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Principal": OIDC,
                "Condition": UNKNOWN,
            }
        ],
    }
    outcome = run_resource("SY-IAM-007", ROLE, {"assumeRolePolicy": trust})
    assert [item.reason for item in outcome.indeterminate] == [
        "the policy document's Statement[0].Condition can't be known during preview"
    ]
