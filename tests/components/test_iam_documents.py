"""The IAM documents every component shares: envelope and trust policies."""

from __future__ import annotations

import json

from stackyard.components.iam import policy_document, service_account_trust_policy, service_trust_policy


def test_document_is_stable_text() -> None:
    statements = [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]
    assert policy_document(statements) == (
        '{"Statement": [{"Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::b/*"}], '
        '"Version": "2012-10-17"}'
    )


def test_service_trust_with_the_confused_deputy_guard() -> None:
    [statement] = json.loads(service_trust_policy("sagemaker.amazonaws.com", source_account="111122223333"))[
        "Statement"
    ]
    assert statement == {
        "Effect": "Allow",
        "Principal": {"Service": "sagemaker.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
    }


def test_service_trust_for_pod_identity_and_several_services() -> None:
    [pods] = json.loads(service_trust_policy("pods.eks.amazonaws.com", tag_session=True))["Statement"]
    assert pods["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    assert "Condition" not in pods
    [both] = json.loads(service_trust_policy("events.amazonaws.com", "states.amazonaws.com"))["Statement"]
    assert both["Principal"] == {"Service": ["events.amazonaws.com", "states.amazonaws.com"]}


def test_service_account_trust_names_one_service_account_and_the_sts_audience() -> None:
    [statement] = json.loads(
        service_account_trust_policy(
            "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
            "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
            "mlflow",
            "mlflow",
        )
    )["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:mlflow:mlflow",
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
        }
    }
