"""CloudWatch alarm definitions as plain data: which metric, statistic, threshold (in the metric's
own units) and dimensions each alarm watches. No resources here; `Monitoring` turns each into an
`aws.cloudwatch.MetricAlarm`.

Units, because they are easy to get wrong:
- `ModelLatency` (AWS/SageMaker) is in microseconds: a threshold of N ms is N * 1000.
- `CPUUtilization` and `GPUUtilization` (/aws/sagemaker/Endpoints) are 100 per vCPU or GPU, so
  "80% of a 4-vCPU instance" is 320; `MemoryUtilization` is 0-100.
- Error rates are not published as such: they are metric math over the error and invocation counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from stackyard.components.monitoring.spec import ObjectivesSpec

SAGEMAKER_NAMESPACE = "AWS/SageMaker"
ENDPOINT_INSTANCE_NAMESPACE = "/aws/sagemaker/Endpoints"
AUTOSCALING_NAMESPACE = "AWS/AutoScaling"
CONTAINER_INSIGHTS_NAMESPACE = "ContainerInsights"

MINUTE = 60
HOUR = 3600
MICROSECONDS_PER_MILLISECOND = 1000


@dataclass(frozen=True)
class AlarmDefinition:
    """One metric alarm, minus its name and actions (those belong to the stack)."""

    kind: str
    description: str
    comparison_operator: str
    threshold: float
    evaluation_periods: int
    treat_missing_data: str
    namespace: str | None = None
    metric_name: str | None = None
    dimensions: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    period: int | None = None
    statistic: str | None = None
    extended_statistic: str | None = None
    metric_queries: list[dict[str, Any]] | None = None
    datapoints_to_alarm: int | None = None

    def alarm_args(self) -> dict[str, Any]:
        """Keyword arguments for `aws.cloudwatch.MetricAlarm` (without name, actions and tags)."""
        args: dict[str, Any] = {
            "alarm_description": self.description,
            "comparison_operator": self.comparison_operator,
            "threshold": self.threshold,
            "evaluation_periods": self.evaluation_periods,
            "datapoints_to_alarm": self.datapoints_to_alarm or self.evaluation_periods,
            "treat_missing_data": self.treat_missing_data,
        }
        if self.metric_queries is not None:
            args["metric_queries"] = self.metric_queries
            return args
        args.update(
            namespace=self.namespace,
            metric_name=self.metric_name,
            dimensions=self.dimensions,
            period=self.period,
        )
        if self.extended_statistic:
            args["extended_statistic"] = self.extended_statistic
        else:
            args["statistic"] = self.statistic
        return args


def endpoint_dimensions(endpoint_name: pulumi.Input[str], variant_name: str) -> dict[str, pulumi.Input[str]]:
    return {"EndpointName": endpoint_name, "VariantName": variant_name}


def _error_rate(
    kind: str,
    error_metric: str,
    percent: float,
    dimensions: dict[str, pulumi.Input[str]],
    minutes: int,
) -> AlarmDefinition:
    def count(query_id: str, metric: str) -> dict[str, Any]:
        return {
            "id": query_id,
            "return_data": False,
            "metric": {
                "namespace": SAGEMAKER_NAMESPACE,
                "metric_name": metric,
                "dimensions": dimensions,
                "period": MINUTE,
                "stat": "Sum",
            },
        }

    return AlarmDefinition(
        kind=kind,
        description=f"More than {percent}% of invocations answered with {error_metric[10:13]} "
        f"for {minutes} minutes",
        comparison_operator="GreaterThanThreshold",
        threshold=percent,
        evaluation_periods=minutes,
        # No traffic is not an error; the invocations floor has its own alarm.
        treat_missing_data="notBreaching",
        metric_queries=[
            count("errors", error_metric),
            count("invocations", "Invocations"),
            {
                "id": "rate",
                "expression": "IF(invocations > 0, 100 * FILL(errors, 0) / invocations, 0)",
                "label": f"{error_metric} rate (%)",
                "return_data": True,
            },
        ],
    )


def _utilization(
    kind: str,
    metric: str,
    percent: float,
    units: int,
    dimensions: dict[str, pulumi.Input[str]],
    minutes: int,
) -> AlarmDefinition:
    scaled = f" ({percent}% x {units})" if units > 1 else ""
    return AlarmDefinition(
        kind=kind,
        description=f"{metric} above {percent}% of the instance{scaled} for {minutes} minutes",
        comparison_operator="GreaterThanThreshold",
        threshold=percent * units,
        evaluation_periods=minutes,
        treat_missing_data="notBreaching",
        namespace=ENDPOINT_INSTANCE_NAMESPACE,
        metric_name=metric,
        dimensions=dimensions,
        period=MINUTE,
        statistic="Average",
    )


def endpoint_alarms(
    endpoint_name: pulumi.Input[str], variant_name: str, objectives: ObjectivesSpec
) -> list[AlarmDefinition]:
    """The metric alarms of one SageMaker endpoint variant, in `alarm_kinds` order (no composite)."""
    dimensions = endpoint_dimensions(endpoint_name, variant_name)
    minutes = objectives.evaluation_minutes
    alarms = [
        AlarmDefinition(
            kind="latency-p99",
            description=f"p99 model latency above {objectives.latency_p99_ms} ms for {minutes} minutes",
            comparison_operator="GreaterThanThreshold",
            threshold=objectives.latency_p99_ms * MICROSECONDS_PER_MILLISECOND,
            evaluation_periods=minutes,
            treat_missing_data="notBreaching",
            namespace=SAGEMAKER_NAMESPACE,
            metric_name="ModelLatency",
            dimensions=dimensions,
            period=MINUTE,
            extended_statistic="p99",
        ),
        _error_rate(
            "errors-5xx", "Invocation5XXErrors", objectives.error_rate_5xx_percent, dimensions, minutes
        ),
        _error_rate(
            "errors-4xx", "Invocation4XXErrors", objectives.error_rate_4xx_percent, dimensions, minutes
        ),
    ]
    if objectives.min_invocations_per_hour > 0:
        alarms.append(
            AlarmDefinition(
                kind="invocations-low",
                description=f"Fewer than {objectives.min_invocations_per_hour} invocations in an hour",
                comparison_operator="LessThanThreshold",
                threshold=float(objectives.min_invocations_per_hour),
                evaluation_periods=1,
                # SageMaker publishes nothing for an hour without traffic: that is the breach.
                treat_missing_data="breaching",
                namespace=SAGEMAKER_NAMESPACE,
                metric_name="Invocations",
                dimensions=dimensions,
                period=HOUR,
                statistic="Sum",
            )
        )
    alarms += [
        _utilization(
            "cpu-utilization",
            "CPUUtilization",
            objectives.cpu_utilization_percent,
            objectives.vcpus,
            dimensions,
            minutes,
        ),
        _utilization(
            "memory-utilization",
            "MemoryUtilization",
            objectives.memory_utilization_percent,
            1,
            dimensions,
            minutes,
        ),
    ]
    if objectives.gpus > 0:
        alarms += [
            _utilization(
                "gpu-utilization",
                "GPUUtilization",
                objectives.gpu_utilization_percent,
                objectives.gpus,
                dimensions,
                minutes,
            ),
            _utilization(
                "gpu-memory-utilization",
                "GPUMemoryUtilization",
                objectives.gpu_memory_utilization_percent,
                objectives.gpus,
                dimensions,
                minutes,
            ),
        ]
    return alarms


def composite_rule(alarm_names: list[str]) -> str:
    """An alarm rule that is in ALARM while any of the named alarms is."""
    return " OR ".join(f'ALARM("{name}")' for name in alarm_names)


def node_group_at_max_alarm(
    auto_scaling_group: pulumi.Input[str], max_size: int, minutes: int
) -> AlarmDefinition:
    """The node group has run every instance it may for `minutes`: GPU jobs are waiting.

    GroupInServiceInstances exists only once group metrics collection is enabled on the Auto
    Scaling group; missing data is left as INSUFFICIENT_DATA, which notifies, so an alarm that
    cannot see is not mistaken for one that sees nothing wrong."""
    return AlarmDefinition(
        kind="gpu-at-max",
        description=f"GPU node group at its maximum of {max_size} instances for {minutes} minutes",
        comparison_operator="GreaterThanOrEqualToThreshold",
        threshold=float(max_size),
        evaluation_periods=minutes,
        treat_missing_data="missing",
        namespace=AUTOSCALING_NAMESPACE,
        metric_name="GroupInServiceInstances",
        dimensions={"AutoScalingGroupName": auto_scaling_group},
        period=MINUTE,
        statistic="Minimum",
    )


def gpu_idle_alarm(cluster_name: pulumi.Input[str], hours: int, percent: float) -> AlarmDefinition:
    """GPU nodes are up but their busiest GPU stayed under `percent` for `hours`: paid-for GPUs idle.

    Container Insights publishes `node_gpu_utilization` only while GPU nodes run (with the
    CloudWatch Observability add-on), so no data means no GPU nodes, which costs nothing."""
    return AlarmDefinition(
        kind="gpu-idle",
        description=f"GPU utilisation below {percent}% on every GPU node for {hours} hours",
        comparison_operator="LessThanThreshold",
        threshold=percent,
        evaluation_periods=hours,
        treat_missing_data="notBreaching",
        namespace=CONTAINER_INSIGHTS_NAMESPACE,
        metric_name="node_gpu_utilization",
        dimensions={"ClusterName": cluster_name},
        period=HOUR,
        statistic="Maximum",
    )
