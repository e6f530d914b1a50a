"""What one capability hands another: references to the resources it made, and the names both
sides must agree on. Plain functions and dataclasses, so the agreement is one piece of code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stackyard.components.context import StackContext

if TYPE_CHECKING:
    import pulumi
    import pulumi_kubernetes as k8s

ROLLBACK_ALARM_KINDS = ("latency-p99", "errors-5xx")
"""The per-endpoint alarms a blue/green rollout rolls back on. Monitoring creates them under
these names; serving names them in the endpoint's auto-rollback configuration."""


def endpoint_physical_name(context: StackContext, endpoint: str) -> str:
    """The SageMaker endpoint name (at most 63 characters)."""
    return context.physical_name(endpoint, max_length=63)


def endpoint_alarm_name(context: StackContext, endpoint: str, kind: str) -> str:
    """The CloudWatch alarm name for one of an endpoint's alarms, e.g. `ml-prod-churn-latency-p99`."""
    return f"{endpoint_physical_name(context, endpoint)}-{kind}"


def rollback_alarm_names(context: StackContext, endpoint: str) -> list[str]:
    return [endpoint_alarm_name(context, endpoint, kind) for kind in ROLLBACK_ALARM_KINDS]


@dataclass
class ServedEndpoint:
    """A model endpoint as monitoring sees it."""

    key: str
    """The endpoint's name in the spec."""
    backend: str
    """'sagemaker' or 'kserve'."""
    endpoint_name: pulumi.Output[str]
    variant_name: str | None = None
    data_capture_s3_uri: pulumi.Output[str] | None = None


@dataclass
class TrainingCluster:
    """A training cluster as registry, serving and monitoring see it."""

    key: str
    backend: str
    """'eks' or 'batch'."""
    cluster_name: pulumi.Output[str] | None = None
    kubernetes_provider: k8s.Provider | None = None
    gpu_node_groups: dict[str, pulumi.Output[str]] = field(default_factory=dict)
    """Node group key -> the node group's Auto Scaling group name (for capacity alarms)."""
    gpu_node_group_max: dict[str, int] = field(default_factory=dict)
    job_queue_arn: pulumi.Output[str] | None = None
    job_definition_arn: pulumi.Output[str] | None = None
    oidc_provider_arn: pulumi.Output[str] | None = None
    oidc_provider_url: pulumi.Output[str] | None = None
    gpu_tolerations: list[dict[str, str]] = field(default_factory=list)
    """Tolerations matching every taint of the cluster's GPU nodes (`training.gpu.tolerations_for`),
    for anything that schedules GPU pods there (the device plugin, KServe predictors)."""
