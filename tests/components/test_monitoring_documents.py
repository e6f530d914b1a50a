"""The pure documents behind monitoring: alarm definitions, dashboard JSON, the retraining state
machine and event patterns, and the IAM policies. No Pulumi runtime needed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stackyard.components.monitoring.alarms import (
    composite_rule,
    endpoint_alarms,
    gpu_idle_alarm,
    node_group_at_max_alarm,
)
from stackyard.components.monitoring.dashboard import ClusterPanel, EndpointPanel, dashboard_body
from stackyard.components.monitoring.model_monitor import analyzer_image, monitor_role_policy, split_s3_uri
from stackyard.components.monitoring.retraining_documents import (
    BatchTarget,
    PipelineTarget,
    alarm_event_pattern,
    drift_event_pattern,
    pipeline_arn,
    state_machine_definition,
    state_machine_policy,
)
from stackyard.components.monitoring.spec import ObjectivesSpec

TOPIC = "arn:aws:sns:eu-west-1:123456789012:demo-dev-alarms"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_latency_threshold_is_converted_to_microseconds() -> None:
    latency = endpoint_alarms("ep", "blue", ObjectivesSpec(latency_p99_ms=250))[0]
    assert latency.kind == "latency-p99"
    args = latency.alarm_args()
    assert args["threshold"] == 250_000
    assert args["extended_statistic"] == "p99"
    assert "statistic" not in args
    assert (args["namespace"], args["metric_name"], args["period"]) == ("AWS/SageMaker", "ModelLatency", 60)
    assert args["dimensions"] == {"EndpointName": "ep", "VariantName": "blue"}


def test_error_rates_are_metric_math_over_counts() -> None:
    alarms = {a.kind: a for a in endpoint_alarms("ep", "blue", ObjectivesSpec(error_rate_5xx_percent=0.5))}
    args = alarms["errors-5xx"].alarm_args()
    assert "metric_name" not in args and "period" not in args
    assert args["threshold"] == 0.5
    queries = {q["id"]: q for q in args["metric_queries"]}
    assert queries["errors"]["metric"]["metric_name"] == "Invocation5XXErrors"
    assert queries["invocations"]["metric"]["metric_name"] == "Invocations"
    assert all(
        queries[i]["metric"]["stat"] == "Sum" and not queries[i]["return_data"]
        for i in ("errors", "invocations")
    )
    assert queries["rate"]["expression"] == "IF(invocations > 0, 100 * FILL(errors, 0) / invocations, 0)"
    assert queries["rate"]["return_data"] is True
    four = {q["id"]: q for q in alarms["errors-4xx"].alarm_args()["metric_queries"]}
    assert four["errors"]["metric"]["metric_name"] == "Invocation4XXErrors"


def test_utilisation_thresholds_scale_to_cloudwatch_units() -> None:
    objectives = ObjectivesSpec(cpu_utilization_percent=75, vcpus=4, gpus=2, gpu_utilization_percent=90)
    alarms = {a.kind: a.alarm_args() for a in endpoint_alarms("ep", "blue", objectives)}
    assert alarms["cpu-utilization"]["threshold"] == 300  # 100 per vCPU
    assert alarms["memory-utilization"]["threshold"] == 85  # already 0-100
    assert alarms["gpu-utilization"]["threshold"] == 180  # 100 per GPU
    assert alarms["gpu-memory-utilization"]["threshold"] == 180
    assert {alarms[k]["namespace"] for k in ("cpu-utilization", "gpu-utilization")} == {
        "/aws/sagemaker/Endpoints"
    }


def test_invocations_floor_is_hourly_and_missing_data_breaches() -> None:
    alarms = {
        a.kind: a.alarm_args()
        for a in endpoint_alarms("ep", "v", ObjectivesSpec(min_invocations_per_hour=30))
    }
    floor = alarms["invocations-low"]
    assert (floor["period"], floor["statistic"], floor["threshold"]) == (3600, "Sum", 30.0)
    assert (floor["comparison_operator"], floor["treat_missing_data"]) == ("LessThanThreshold", "breaching")
    assert "invocations-low" not in {
        a.kind for a in endpoint_alarms("ep", "v", ObjectivesSpec(min_invocations_per_hour=0))
    }


def test_composite_rule_ors_the_alarms() -> None:
    assert composite_rule(["a", "b"]) == 'ALARM("a") OR ALARM("b")'


def test_training_alarms() -> None:
    at_max = node_group_at_max_alarm("asg-1", 4, 30).alarm_args()
    assert (at_max["namespace"], at_max["metric_name"], at_max["statistic"]) == (
        "AWS/AutoScaling",
        "GroupInServiceInstances",
        "Minimum",
    )
    assert (at_max["threshold"], at_max["period"], at_max["evaluation_periods"]) == (4.0, 60, 30)
    assert at_max["comparison_operator"] == "GreaterThanOrEqualToThreshold"
    idle = gpu_idle_alarm("cluster", 3, 5.0).alarm_args()
    assert (idle["namespace"], idle["metric_name"], idle["statistic"]) == (
        "ContainerInsights",
        "node_gpu_utilization",
        "Maximum",
    )
    assert (idle["period"], idle["evaluation_periods"], idle["threshold"]) == (3600, 3, 5.0)
    assert idle["dimensions"] == {"ClusterName": "cluster"}
    assert idle["treat_missing_data"] == "notBreaching"  # no GPU nodes, nothing to pay for


def test_dashboard_names_every_endpoint_and_cluster_with_valid_layout() -> None:
    body = json.loads(
        dashboard_body(
            "eu-west-1",
            [
                EndpointPanel(
                    "churn", "sagemaker", "demo-dev-churn", "blue", ObjectivesSpec(latency_p99_ms=200)
                ),
                EndpointPanel("vision", "sagemaker", "demo-dev-vision", "AllTraffic", ObjectivesSpec(gpus=1)),
                EndpointPanel("search", "kserve", "search", "AllTraffic", ObjectivesSpec()),
            ],
            [ClusterPanel("gpu", "demo-dev-gpu", {"a10": "asg-a10"})],
        )
    )
    widgets = body["widgets"]
    text = json.dumps(widgets)
    for name in ("demo-dev-churn", "demo-dev-vision", "search", "asg-a10", "demo-dev-gpu"):
        assert name in text
    assert all(w["x"] + w["width"] <= 24 and w["height"] > 0 for w in widgets)
    positions = [(w["x"], w["y"]) for w in widgets]
    assert len(positions) == len(set(positions))
    metric_widgets = [w for w in widgets if w["type"] == "metric"]
    assert all(w["properties"]["region"] == "eu-west-1" for w in metric_widgets)
    latency = next(w for w in metric_widgets if w["properties"]["title"] == "churn: model latency (ms)")
    assert latency["properties"]["annotations"]["horizontal"] == [{"label": "p99 objective", "value": 200.0}]
    assert [{"expression": "p99 / 1000", "label": "p99 (ms)", "id": "p99ms"}] in latency["properties"][
        "metrics"
    ]
    utilisation = {
        w["properties"]["title"]: w for w in metric_widgets if "utilisation" in w["properties"]["title"]
    }
    assert "GPUUtilization" not in json.dumps(utilisation["churn: utilisation (%, 100 per vCPU/GPU)"])
    assert "GPUUtilization" in json.dumps(utilisation["vision: utilisation (%, 100 per vCPU/GPU)"])
    assert any("KServe" in w["properties"].get("markdown", "") for w in widgets if w["type"] == "text")


def test_empty_dashboard_still_has_a_widget() -> None:
    assert json.loads(dashboard_body("eu-west-1", [], []))["widgets"][0]["type"] == "text"


def _paths(definition: dict[str, Any]) -> list[list[str]]:
    """Every path from StartAt to an end state."""
    states = definition["States"]

    def walk(name: str, seen: list[str]) -> list[list[str]]:
        state = states[name]
        nexts = [c["Next"] for c in state.get("Choices", [])] + [
            state[k] for k in ("Next", "Default") if k in state
        ]
        if not nexts:
            return [[*seen, name]]
        return [path for n in nexts for path in walk(n, [*seen, name])]

    return walk(definition["StartAt"], [])


@pytest.mark.parametrize(
    ("target", "count_resource", "start_resource"),
    [
        (
            PipelineTarget("churn-train"),
            "arn:aws:states:::aws-sdk:sagemaker:listPipelineExecutions",
            "arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution",
        ),
        (
            BatchTarget(
                "arn:aws:batch:eu-west-1:1:job-queue/q",
                "arn:aws:batch:eu-west-1:1:job-definition/d:3",
                "demo-dev-retrain-x",
            ),
            "arn:aws:states:::aws-sdk:batch:listJobs",
            "arn:aws:states:::batch:submitJob",
        ),
    ],
)
def test_budget_check_sits_before_every_start(
    target: PipelineTarget | BatchTarget, count_resource: str, start_resource: str
) -> None:
    definition = json.loads(state_machine_definition("x", target, 3, 7, TOPIC))
    states = definition["States"]
    assert definition["QueryLanguage"] == "JSONata"
    assert _paths(definition) == [
        ["CountRecentRuns", "WithinBudget", "StartRetraining", "NotifyStarted"],
        ["CountRecentRuns", "WithinBudget", "NotifyBudgetExhausted"],
    ]
    assert states["CountRecentRuns"]["Resource"] == count_resource
    assert states["StartRetraining"]["Resource"] == start_resource
    choice = states["WithinBudget"]
    assert choice["Choices"] == [
        {"Condition": "{% $states.input.recentRuns < 3 %}", "Next": "StartRetraining"}
    ]
    assert choice["Default"] == "NotifyBudgetExhausted"
    for notice in ("NotifyStarted", "NotifyBudgetExhausted"):
        assert states[notice]["Resource"] == "arn:aws:states:::sns:publish"
        assert states[notice]["Arguments"]["TopicArn"] == TOPIC
    # The only way into StartRetraining is the budget choice.
    into_start = [
        name
        for name, s in states.items()
        if s.get("Next") == "StartRetraining"
        or any(c["Next"] == "StartRetraining" for c in s.get("Choices", []))
    ]
    assert into_start == ["WithinBudget"]


def test_pipeline_budget_window_and_page() -> None:
    definition = json.loads(state_machine_definition("x", PipelineTarget("churn-train"), 3, 7, TOPIC))
    count = definition["States"]["CountRecentRuns"]
    assert count["Arguments"] == {
        "PipelineName": "churn-train",
        "CreatedAfter": "{% $fromMillis($toMillis($now()) - 604800000) %}",
        "SortBy": "CreationTime",
        "SortOrder": "Descending",
        "MaxResults": 3,
    }
    assert count["Output"]["recentRuns"] == "{% $count($states.result.PipelineExecutionSummaries) %}"
    start = definition["States"]["StartRetraining"]
    assert start["Arguments"]["PipelineName"] == "churn-train"


def test_batch_budget_counts_only_this_paths_jobs() -> None:
    target = BatchTarget("arn:q", "arn:d", "demo-dev-retrain-x")
    states = json.loads(state_machine_definition("x", target, 2, 1, TOPIC))["States"]
    count = states["CountRecentRuns"]
    assert count["Arguments"]["JobQueue"] == "arn:q"
    assert count["Arguments"]["Filters"] == [
        {"Name": "AFTER_CREATED_AT", "Values": ["{% $string($toMillis($now()) - 86400000) %}"]}
    ]
    assert (
        count["Output"]["recentRuns"]
        == "{% $count($append($states.result.JobSummaryList, $states.result.jobSummaryList)"
        "[JobName = 'demo-dev-retrain-x' or jobName = 'demo-dev-retrain-x']) %}"
    )
    assert states["StartRetraining"]["Arguments"] == {
        "JobName": "demo-dev-retrain-x",
        "JobQueue": "arn:q",
        "JobDefinition": "arn:d",
    }


def test_event_patterns() -> None:
    assert drift_event_pattern(["arn:b", "arn:a"]) == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Processing Job State Change"],
        "detail": {
            "ProcessingJobStatus": ["Completed"],
            "ExitMessage": [{"prefix": "CompletedWithViolations"}],
            "MonitoringScheduleArn": ["arn:a", "arn:b"],
        },
    }
    assert alarm_event_pattern(["x-errors-5xx"]) == {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {"alarmName": ["x-errors-5xx"], "state": {"value": ["ALARM"]}},
    }


def test_state_machine_policy_is_scoped_to_its_target() -> None:
    arn = pipeline_arn("eu-west-1", "123456789012", "Churn-Train")
    assert arn == "arn:aws:sagemaker:eu-west-1:123456789012:pipeline/churn-train"
    policy = json.loads(
        state_machine_policy(PipelineTarget("Churn-Train"), target_arns=[arn], topic_arn=TOPIC, key_arn=KEY)
    )
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["CountAndStartThePipeline"]["Resource"] == [arn]
    assert by_sid["Notify"]["Resource"] == TOPIC
    assert by_sid["UseTheStackKey"]["Resource"] == KEY
    wildcard = {s["Sid"] for s in policy["Statement"] if s["Resource"] == "*"}
    assert wildcard == {"DeliverLogs"}
    batch = json.loads(
        state_machine_policy(
            BatchTarget("arn:q", "arn:d", "j"), target_arns=["arn:q", "arn:d"], topic_arn=TOPIC, key_arn=KEY
        )
    )
    batch_sids = {s["Sid"]: s for s in batch["Statement"]}
    assert batch_sids["SubmitTheJob"]["Resource"] == ["arn:q", "arn:d"]
    assert batch_sids["CountJobs"]["Action"] == "batch:ListJobs"  # ListJobs has no resource-level permissions


def test_monitor_role_reads_only_its_capture_and_writes_only_its_reports() -> None:
    image = analyzer_image("eu-west-1")
    assert image == "468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer"
    policy = json.loads(
        monitor_role_policy(
            capture_uri="s3://capture-bucket/churn/",
            output_uri="s3://reports/data-quality/churn",
            baseline_uris=["s3://baselines/churn/constraints.json"],
            key_arn=KEY,
            region="eu-west-1",
            account_id="123456789012",
            image_uri=image,
        )
    )
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["ReadCapturedData"]["Resource"] == "arn:aws:s3:::capture-bucket/churn/*"
    assert by_sid["ListCapturedData"]["Condition"] == {"StringLike": {"s3:prefix": ["churn/*"]}}
    assert by_sid["WriteReports"]["Resource"] == "arn:aws:s3:::reports/data-quality/churn/*"
    assert by_sid["ReadBaseline"]["Resource"] == ["arn:aws:s3:::baselines/churn/constraints.json"]
    assert by_sid["PullAnalyzerImage"]["Resource"] == (
        "arn:aws:ecr:eu-west-1:468650794304:repository/sagemaker-model-monitor-analyzer"
    )
    assert not any(
        action.endswith(":*") for s in policy["Statement"] for action in json.dumps(s["Action"]).split('"')
    )


def test_split_s3_uri() -> None:
    assert split_s3_uri("s3://b/a/b/") == ("b", "a/b")
    assert split_s3_uri("s3://b") == ("b", "")
    with pytest.raises(ValueError, match="not an S3 URI"):
        split_s3_uri("https://b/a")


@pytest.mark.parametrize(
    "objectives",
    [
        ObjectivesSpec(),
        ObjectivesSpec(gpus=2, min_invocations_per_hour=0),
        ObjectivesSpec(min_invocations_per_hour=0),
    ],
)
def test_the_alarms_made_are_the_kinds_the_spec_accepts_as_triggers(objectives: ObjectivesSpec) -> None:
    from stackyard.components.monitoring.spec import ENDPOINT_ALARM_KINDS, alarm_kinds

    made = [alarm.kind for alarm in endpoint_alarms("ep", "v", objectives)]
    assert [*made, "health"] == alarm_kinds(objectives)
    assert set(made) <= set(ENDPOINT_ALARM_KINDS)


def test_analyzer_image_is_what_the_sagemaker_sdk_returns_in_every_region() -> None:
    """The image is read from the SDK's config without importing the SDK; the SDK agrees."""
    import importlib.util

    from sagemaker.core import image_uris

    spec = importlib.util.find_spec("sagemaker")
    assert spec is not None and spec.submodule_search_locations
    config = json.loads(
        (Path(spec.submodule_search_locations[0]) / "core/image_uri_config/model-monitor.json").read_text()
    )
    regions = sorted(config["versions"][""]["registries"])
    assert len(regions) > 20
    assert {region: analyzer_image(region) for region in regions} == {
        region: image_uris.retrieve("model-monitor", region) for region in regions
    }


def test_analyzer_image_names_the_regions_it_has_when_the_region_has_none() -> None:
    with pytest.raises(
        ValueError, match=r"no Model Monitor image for region us-gov-west-1; it has one for af-south-1, "
    ):
        analyzer_image("us-gov-west-1")
