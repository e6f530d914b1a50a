"""IAM documents every component builds the same way: the document envelope and the trust
policies of roles that an AWS service or a Kubernetes service account assumes.

Plain functions (json.dumps, no provider invokes), so plans stay offline and they are tested
without Pulumi.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

POLICY_VERSION = "2012-10-17"


def policy_document(statements: Sequence[Mapping[str, Any]]) -> str:
    """An IAM policy document; keys sorted so the same statements always give the same text."""
    return json.dumps({"Version": POLICY_VERSION, "Statement": list(statements)}, sort_keys=True)


def service_trust_policy(*services: str, source_account: str | None = None, tag_session: bool = False) -> str:
    """A role only the given AWS service principals may assume.

    `source_account` limits it to acting for this account's resources (the confused-deputy guard),
    for services that send `aws:SourceAccount`; `tag_session` is what EKS Pod Identity needs."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": list(services) if len(services) > 1 else services[0]},
        "Action": ["sts:AssumeRole", "sts:TagSession"] if tag_session else "sts:AssumeRole",
    }
    if source_account:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return policy_document([statement])


def service_account_trust_policy(
    oidc_provider_arn: str, issuer_url: str, namespace: str, service_account: str
) -> str:
    """IRSA: only the one service account of the cluster's OIDC issuer, with the STS audience,
    may assume the role."""
    issuer = issuer_url.removeprefix("https://")
    return policy_document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                        f"{issuer}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ]
    )
