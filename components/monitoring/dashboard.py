"""The stack's CloudWatch dashboard body, built from plain values (resolved endpoint and group
names), so its JSON is tested without Pulumi."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from stackyard.components.monitoring.alarms import (
    AUTOSCALING_NAMESPACE,
    CONTAINER_INSIGHTS_NAMESPACE,
    ENDPOINT_INSTANCE_NAMESPACE,
    SAGEMAKER_NAMESPACE,
)
from stackyard.components.monitoring.spec import ObjectivesSpec

WIDTH = 24
"""CloudWatch dashboards are 24 grid units wide."""
PANEL_WIDTH = 8
PANEL_HEIGHT = 6


@dataclass(frozen=True)
class EndpointPanel:
    key: str
    backend: str
    endpoint_name: str
    variant_name: str
    objectives: ObjectivesSpec


@dataclass(frozen=True)
class ClusterPanel:
    key: str
    cluster_name: str | None
    node_groups: dict[str, str] = field(default_factory=dict)
    """Node group key -> Auto Scaling group name."""


class _Grid:
    """Places widgets left to right, three to a row, each section starting on a new row."""

    def __init__(self) -> None:
        self.widgets: list[dict[str, Any]] = []
        self._x = 0
        self._y = 0

    def heading(self, markdown: str) -> None:
        self._new_row()
        self.widgets.append(
            {
                "type": "text",
                "x": 0,
                "y": self._y,
                "width": WIDTH,
                "height": 1,
                "properties": {"markdown": markdown},
            }
        )
        self._y += 1

    def panel(self, widget: dict[str, Any]) -> None:
        if self._x + PANEL_WIDTH > WIDTH:
            self._new_row()
        self.widgets.append(
            {**widget, "x": self._x, "y": self._y, "width": PANEL_WIDTH, "height": PANEL_HEIGHT}
        )
        self._x += PANEL_WIDTH

    def _new_row(self) -> None:
        if self._x:
            self._y += PANEL_HEIGHT
            self._x = 0


def _metric_widget(
    title: str,
    region: str,
    metrics: list[list[Any]],
    *,
    annotations: list[dict[str, Any]] | None = None,
    period: int = 60,
) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "title": title,
        "region": region,
        "view": "timeSeries",
        "stacked": False,
        "period": period,
        "metrics": metrics,
    }
    if annotations:
        properties["annotations"] = {"horizontal": annotations}
    return {"type": "metric", "properties": properties}


def _endpoint_widgets(grid: _Grid, region: str, panel: EndpointPanel) -> None:
    dims = ["EndpointName", panel.endpoint_name, "VariantName", panel.variant_name]
    objectives = panel.objectives
    grid.heading(f"## Endpoint {panel.key} (`{panel.endpoint_name}`)")
    grid.panel(
        _metric_widget(
            f"{panel.key}: model latency (ms)",
            region,
            [
                [SAGEMAKER_NAMESPACE, "ModelLatency", *dims, {"id": "p50", "stat": "p50", "visible": False}],
                [".", ".", ".", ".", ".", ".", {"id": "p99", "stat": "p99", "visible": False}],
                # ModelLatency is in microseconds.
                [{"expression": "p50 / 1000", "label": "p50 (ms)", "id": "p50ms"}],
                [{"expression": "p99 / 1000", "label": "p99 (ms)", "id": "p99ms"}],
            ],
            annotations=[{"label": "p99 objective", "value": objectives.latency_p99_ms}],
        )
    )
    grid.panel(
        _metric_widget(
            f"{panel.key}: invocations and errors",
            region,
            [
                [SAGEMAKER_NAMESPACE, "Invocations", *dims, {"stat": "Sum"}],
                [".", "Invocation4XXErrors", ".", ".", ".", ".", {"stat": "Sum"}],
                [".", "Invocation5XXErrors", ".", ".", ".", ".", {"stat": "Sum"}],
            ],
        )
    )
    utilization = [
        [ENDPOINT_INSTANCE_NAMESPACE, "CPUUtilization", *dims, {"stat": "Average"}],
        [".", "MemoryUtilization", ".", ".", ".", ".", {"stat": "Average"}],
    ]
    if objectives.gpus > 0:
        utilization += [
            [".", "GPUUtilization", ".", ".", ".", ".", {"stat": "Average"}],
            [".", "GPUMemoryUtilization", ".", ".", ".", ".", {"stat": "Average"}],
        ]
    grid.panel(_metric_widget(f"{panel.key}: utilisation (%, 100 per vCPU/GPU)", region, utilization))


def _cluster_widgets(grid: _Grid, region: str, panel: ClusterPanel) -> None:
    grid.heading(f"## Training cluster {panel.key}")
    if panel.node_groups:
        grid.panel(
            _metric_widget(
                f"{panel.key}: GPU nodes in service",
                region,
                [
                    [
                        AUTOSCALING_NAMESPACE,
                        "GroupInServiceInstances",
                        "AutoScalingGroupName",
                        group,
                        {"stat": "Maximum", "label": key},
                    ]
                    for key, group in sorted(panel.node_groups.items())
                ],
            )
        )
    if panel.cluster_name:
        grid.panel(
            _metric_widget(
                f"{panel.key}: GPU utilisation (%)",
                region,
                [
                    [
                        CONTAINER_INSIGHTS_NAMESPACE,
                        "node_gpu_utilization",
                        "ClusterName",
                        panel.cluster_name,
                        {"stat": "Average"},
                    ]
                ],
                period=300,
            )
        )


def dashboard_body(region: str, endpoints: list[EndpointPanel], clusters: list[ClusterPanel]) -> str:
    """The dashboard JSON: a section per endpoint (latency, traffic and errors, utilisation) and per
    training cluster (GPU capacity and utilisation). KServe endpoints are listed, with a note that
    their metrics live in the cluster's Prometheus, not in CloudWatch."""
    grid = _Grid()
    for panel in sorted(endpoints, key=lambda p: p.key):
        if panel.backend == "sagemaker":
            _endpoint_widgets(grid, region, panel)
        else:
            grid.heading(
                f"## Endpoint {panel.key} (`{panel.endpoint_name}`, KServe): metrics are in the cluster's "
                "Prometheus, not CloudWatch"
            )
    for cluster in sorted(clusters, key=lambda c: c.key):
        _cluster_widgets(grid, region, cluster)
    if not grid.widgets:
        grid.heading("No endpoints or training clusters to monitor yet.")
    return json.dumps({"widgets": grid.widgets}, sort_keys=True)
