"""Training specs shared by the training tests."""

from __future__ import annotations

from typing import Any

from stackyard.components.context import StackContext
from stackyard.components.refs import TrainingCluster
from stackyard.components.training.component import Training
from stackyard.testing import RecordedPlan, record
from tests.specs import make_spec

KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SUBNETS = ["subnet-0aaa1111", "subnet-0bbb2222"]
ADMIN_ROLE = "arn:aws:iam::123456789012:role/platform-admin"


def eks_cluster(**overrides: Any) -> dict[str, Any]:
    """An EKS cluster with a CPU system group, two GPU node groups (one with a custom taint and EFA)
    and two teams."""
    eks: dict[str, Any] = {
        "version": "1.33",
        "admin_role_arns": [ADMIN_ROLE],
        "node_groups": [
            {"name": "system", "gpu": False, "instance_types": ["m6i.large"], "min_size": 2, "max_size": 4},
            {
                "name": "a10g",
                "instance_types": ["g5.2xlarge", "g5.4xlarge"],
                "capacity": "spot",
                "max_size": 8,
                "labels": {"workload": "finetune"},
            },
            {
                "name": "h100",
                "instance_types": ["p5.48xlarge"],
                "max_size": 2,
                "efa": True,
                "taints": [{"key": "dedicated", "value": "llm", "effect": "NoExecute"}],
            },
        ],
        "teams": [
            {"name": "vision", "gpu_quota": 8},
            {"name": "nlp", "gpu_quota": 16, "default_memory": "8Gi"},
        ],
    }
    eks.update(overrides)
    return {"name": "research", "eks": eks}


def batch_cluster(**overrides: Any) -> dict[str, Any]:
    batch: dict[str, Any] = {"instance_types": ["g5", "g6.xlarge"], "max_vcpus": 256, "capacity": "spot"}
    batch.update(overrides)
    return {"name": "jobs", "batch": batch}


def build_training(
    *clusters: dict[str, Any], preview: bool = False
) -> tuple[RecordedPlan, dict[str, TrainingCluster]]:
    """Record a `Training` component for the given clusters; also returns its cluster references.
    An EKS cluster needs `preview=True`: its endpoint, certificate and OIDC issuer are unknown
    until it exists."""
    spec = make_spec(training={"clusters": list(clusters)})
    assert spec.training is not None
    context = StackContext.from_spec(spec)
    built: dict[str, Training] = {}

    def program() -> None:
        built["training"] = Training(
            "training",
            spec.training,
            context=context,
            kms_key_arn=KEY_ARN,
            vpc_id="vpc-0abc12345def67890",
            subnet_ids=SUBNETS,
        )

    plan = record(program, preview=preview)
    return plan, built["training"].clusters
