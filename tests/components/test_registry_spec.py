"""The `registry` section: every rule reports its full path and an actionable message."""

from __future__ import annotations

from typing import Any

import pytest

from stackyard.spec.loader import SpecError
from tests.specs import make_spec

OIDC = "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/id/ABC"
KUBECONFIG_TRACKING = {
    "backend": "kubernetes",
    "target": {"kubeconfig": "~/.kube/config", "context": "onprem"},
    "oidc_provider_arn": OIDC,
}
PRIVATE_NETWORK_WITH_SECRETS = {"vpc_endpoints": ["s3", "sts", "logs", "secretsmanager"]}


def issues_of(**sections: Any) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as error:
        make_spec(**sections)
    return error.value.issues


def test_a_full_registry_is_valid() -> None:
    spec = make_spec(
        allowed_accounts=["111122223333"],
        network=PRIVATE_NETWORK_WITH_SECRETS,
        registry={
            "models": [{"name": "churn", "approval": "automatic", "readers": ["111122223333"]}],
            "tracking": KUBECONFIG_TRACKING,
        },
    )
    assert spec.registry is not None
    assert spec.registry.tracking.database.instance_class == "db.t4g.small"
    assert spec.registry.required_services() == {"sagemaker", "rds", "secretsmanager"}


def test_model_names_and_reader_ids_are_checked_first() -> None:
    issues = issues_of(
        allowed_accounts=["111122223333"],
        registry={
            "models": [
                {"name": "churn", "readers": ["111122223333", "444455556666"]},
                {"name": "bad_name", "readers": ["12345"]},
                {"name": "churn"},
            ]
        },
    )
    assert issues == [
        (
            "registry.models[1].name",
            "'bad_name' must be letters, digits and single hyphens, starting and ending with a letter or "
            "digit, up to 63 characters",
        ),
        ("registry.models[1].readers[0]", "'12345' is not a 12-digit AWS account ID"),
    ]


def test_stack_rules_name_the_account_and_the_duplicate() -> None:
    issues = issues_of(
        allowed_accounts=["111122223333"],
        registry={
            "models": [{"name": "churn", "readers": ["111122223333", "444455556666"]}, {"name": "churn"}]
        },
    )
    assert issues == [("registry.models[1].name", "model 'churn' is defined twice")]

    issues = issues_of(
        allowed_accounts=["111122223333"],
        registry={"models": [{"name": "churn", "readers": ["111122223333", "444455556666"]}]},
    )
    assert issues == [
        ("registry.models[0].readers[1]", "account '444455556666' is not in the stack's allowed_accounts")
    ]


def test_group_name_with_prefix_must_fit_63_characters() -> None:
    issues = issues_of(registry={"models": [{"name": "m" * 60}]})
    assert issues == [
        (
            "registry.models[0].name",
            f"the model package group name 'demo-dev-{'m' * 60}' is longer than 63 characters",
        )
    ]


def test_fields_of_another_backend_are_errors() -> None:
    issues = issues_of(
        registry={"tracking": {"backend": "sagemaker-mlflow", "namespace": "ml", "replicas": 2}}
    )
    assert issues == [
        ("registry.tracking.namespace", "namespace is only used with backend 'kubernetes'"),
        ("registry.tracking.replicas", "replicas is only used with backend 'kubernetes'"),
    ]
    issues = issues_of(registry={"tracking": {"server_size": "Small"}})
    assert issues == [
        ("registry.tracking.server_size", "server_size is only used with backend 'sagemaker-mlflow'")
    ]


def test_sagemaker_settings_are_checked_against_botocore() -> None:
    issues = issues_of(
        registry={
            "tracking": {
                "backend": "sagemaker-mlflow",
                "server_size": "Huge",
                "mlflow_version": "three",
                "maintenance_window": "Tuesday 3am",
            }
        }
    )
    assert issues == [
        ("registry.tracking.server_size", "'Huge' is not a tracking server size (Large, Medium, Small)"),
        ("registry.tracking.mlflow_version", "'three' is not an MLflow version like 3.0"),
        ("registry.tracking.maintenance_window", "'Tuesday 3am' is not DDD:HH:MM in UTC, e.g. TUE:03:30"),
    ]


def test_kubernetes_backend_needs_a_target_and_a_role_issuer_for_kubeconfig() -> None:
    assert issues_of(
        network=PRIVATE_NETWORK_WITH_SECRETS, registry={"tracking": {"backend": "kubernetes"}}
    ) == [
        (
            "registry.tracking.target",
            "backend 'kubernetes' needs a target: cluster, or kubeconfig and context",
        )
    ]
    issues = issues_of(
        network=PRIVATE_NETWORK_WITH_SECRETS,
        registry={"tracking": {"backend": "kubernetes", "target": {"kubeconfig": "kc"}}},
    )
    assert issues == [
        (
            "registry.tracking.oidc_provider_arn",
            "a cluster reached by kubeconfig needs oidc_provider_arn: the MLflow pod reaches S3 and the "
            "database secret through a service-account role trusted by that provider",
        )
    ]


def test_kubernetes_cluster_must_exist() -> None:
    issues = issues_of(registry={"tracking": {"backend": "kubernetes", "target": {"cluster": "gpu"}}})
    assert issues == [
        (
            "registry.tracking.target.cluster",
            "no EKS cluster named 'gpu' in training.clusters (EKS clusters: none)",
        ),
    ]


def test_self_hosted_tracking_adds_a_secrets_manager_endpoint_to_the_network() -> None:
    spec = make_spec(registry={"tracking": KUBECONFIG_TRACKING})
    assert spec.vpc_endpoints[-1:] == ["secretsmanager"]
    assert "secretsmanager" not in make_spec(registry={"tracking": {"backend": "none"}}).vpc_endpoints


def test_kubernetes_details_are_validated() -> None:
    named = {
        **KUBECONFIG_TRACKING,
        "oidc_provider_arn": "arn:aws:iam::123456789012:role/not-a-provider",
        "namespace": "ML_Flow",
        "image": "ghcr.io/mlflow/mlflow:latest",
    }
    named_issues = [
        (
            "registry.tracking.oidc_provider_arn",
            "'arn:aws:iam::123456789012:role/not-a-provider' is not an IAM OIDC provider ARN "
            "(arn:aws:iam::<account>:oidc-provider/<issuer host and path>)",
        ),
        ("registry.tracking.namespace", "'ML_Flow' is not a Kubernetes namespace name"),
        (
            "registry.tracking.image",
            "'ghcr.io/mlflow/mlflow:latest' must name an image with a pinned tag or digest (not 'latest')",
        ),
    ]
    sized = {
        **named,
        "resources": {"cpu_limit": "two"},
        "database": {"instance_class": "db.t4g.smal", "allocated_storage_gb": 50, "max_allocated_storage_gb": 40},
    }
    assert issues_of(network=PRIVATE_NETWORK_WITH_SECRETS, registry={"tracking": sized}) == [
        ("registry.tracking.resources.cpu_limit", "'two' is not a Kubernetes quantity (e.g. 500m, 2, 1Gi)"),
        (
            "registry.tracking.database.instance_class",
            "'db.t4g.smal' is not an RDS instance class; did you mean db.t4g.small, db.t3.small, db.t2.small?",
        ),
        (
            "registry.tracking.database.max_allocated_storage_gb",
            "max_allocated_storage_gb must be at least allocated_storage_gb",
        ),
        # The tracking block's own rules read only its valid fields, so they report in the same run.
        *named_issues,
    ]
    assert issues_of(network=PRIVATE_NETWORK_WITH_SECRETS, registry={"tracking": named}) == named_issues
