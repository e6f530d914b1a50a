"""IAM every component builds the same way: the document envelope, the trust policies of roles
that an AWS service or a Kubernetes service account assumes, and the role an AWS service assumes.

The documents are plain functions (json.dumps, no provider invokes), so plans stay offline and they
are tested without Pulumi; `service_role` imports Pulumi only when called.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pulumi
    import pulumi_aws as aws

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


def service_role(
    resource_name: str,
    service: str,
    *,
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]],
    opts: pulumi.ResourceOptions,
    source_account: pulumi.Input[str] | None = None,
    tag_session: bool = False,
    name: pulumi.Input[str] | None = None,
    description: pulumi.Input[str] | None = None,
) -> aws.iam.Role:
    """A role only `service` may assume (see `service_trust_policy`); `source_account` may be an
    output (the caller identity's account), and the trust policy then waits for it."""
    import pulumi
    import pulumi_aws as aws

    trust: pulumi.Input[str]
    if source_account is None:
        trust = service_trust_policy(service, tag_session=tag_session)
    else:
        trust = pulumi.Output.from_input(source_account).apply(
            lambda account: service_trust_policy(service, source_account=account, tag_session=tag_session)
        )
    return aws.iam.Role(
        resource_name, name=name, description=description, assume_role_policy=trust, tags=tags, opts=opts
    )
