"""The monitoring section: defaults, per-endpoint overrides, and every error with its path."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from stackyard.components.monitoring.spec import MonitoringSpec, alarm_kinds
from stackyard.components.refs import ROLLBACK_ALARM_KINDS
from stackyard.spec.loader import SpecError, validate

BASE: dict[str, Any] = {
    "project": "demo",
    "environment": "dev",
    "region": "eu-west-1",
    "tags": {"owner": "ml-platform", "cost_center": "cc-1042", "data_classification": "internal"},
}
NOTIFY = {"emails": ["oncall@example.com"]}
BASELINE = {"constraints_s3_uri": "s3://baselines/churn/constraints.json"}


def issues(monitoring: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        validate({**BASE, "monitoring": monitoring})
    return caught.value.issues


def fake_stack(endpoints: dict[str, str], clusters: dict[str, str] | None = None) -> SimpleNamespace:
    """A stack as `stack_issues` reads it (serving and training specs are other modules)."""
    return SimpleNamespace(
        serving=SimpleNamespace(
            endpoints=[SimpleNamespace(name=name, backend=backend) for name, backend in endpoints.items()]
        ),
        training=SimpleNamespace(
            clusters=[
                SimpleNamespace(name=name, backend=backend) for name, backend in (clusters or {}).items()
            ]
        ),
    )


def test_monitoring_on_without_a_notification_target_fails_with_a_clear_message() -> None:
    assert issues({}) == [
        (
            "monitoring.notifications",
            "monitoring is on but has no notification target: add an email or an https webhook under "
            "monitoring.notifications, or set monitoring.enabled: false",
        )
    ]


def test_monitoring_off_needs_no_target_and_asks_for_no_services() -> None:
    spec = validate({**BASE, "monitoring": {"enabled": False}})
    assert spec.monitoring is not None
    assert spec.monitoring.required_services() == set()


def test_notification_targets_are_validated() -> None:
    assert issues(
        {
            "notifications": {
                "emails": ["oncall@example.com", "not-an-address", "oncall@example.com"],
                "webhooks": ["http://hooks.example.com/x", "https://"],
            }
        }
    ) == [
        ("monitoring.notifications.emails[1]", "'not-an-address' is not an email address"),
        (
            "monitoring.notifications.webhooks[0]",
            "not an https:// URL (its scheme is 'http'; the URL is secret and not shown): alarms may carry "
            "model and data details, so webhooks must use TLS",
        ),
        (
            "monitoring.notifications.webhooks[1]",
            "not an https:// URL (it has no host; the URL is secret and not shown): alarms may carry "
            "model and data details, so webhooks must use TLS",
        ),
        ("monitoring.notifications.emails", "'oncall@example.com' is listed more than once"),
    ]


def test_a_valid_section_with_defaults() -> None:
    spec = validate({**BASE, "monitoring": {"notifications": {"webhooks": ["https://hooks.example.com/a"]}}})
    monitoring = spec.monitoring
    assert monitoring is not None
    assert monitoring.objectives.latency_p99_ms == 1000.0
    assert monitoring.data_quality.schedule_expression == "cron(0 * ? * * *)"
    assert monitoring.endpoint_enabled("anything")
    assert monitoring.required_services() == {"sns", "cloudwatch", "sagemaker"}


def test_endpoint_overrides_change_only_the_fields_they_set() -> None:
    monitoring = MonitoringSpec.model_validate(
        {
            "notifications": NOTIFY,
            "objectives": {"latency_p99_ms": 300, "vcpus": 4},
            "data_quality": {"schedule": "daily", "baseline": BASELINE},
            "endpoints": {
                "churn": {
                    "objectives": {"latency_p99_ms": 120},
                    "data_quality": {"instance_type": "ml.c5.xlarge"},
                },
                "legacy": {"enabled": False},
            },
        }
    )
    churn = monitoring.objectives_for("churn")
    assert (churn.latency_p99_ms, churn.vcpus) == (120.0, 4)
    assert monitoring.objectives_for("other").latency_p99_ms == 300.0
    quality = monitoring.data_quality_for("churn")
    assert (quality.instance_type, quality.schedule, quality.baseline) == (
        "ml.c5.xlarge",
        "daily",
        monitoring.data_quality.baseline,
    )
    assert not monitoring.endpoint_enabled("legacy")


def test_field_errors_have_paths() -> None:
    assert issues(
        {
            "notifications": NOTIFY,
            "objectives": {"latency_p99_ms": 0},
            "data_quality": {"schedule": "every minute", "instance_type": "ml.m5.xlarg"},
            "training": {"idle_hours": 48},
        }
    ) == [
        ("monitoring.objectives.latency_p99_ms", "Input should be greater than 0"),
        (
            "monitoring.data_quality.schedule",
            "'every minute' is not 'hourly', 'daily' or a cron(...) expression",
        ),
        (
            "monitoring.data_quality.instance_type",
            "'ml.m5.xlarg' is not a SageMaker processing instance type; did you mean ml.m5.xlarge, ml.m5.4xlarge, "
            "ml.m5.2xlarge?",
        ),
        ("monitoring.training.idle_hours", "Input should be less than or equal to 24"),
    ]


def test_baseline_uris_must_be_s3() -> None:
    assert issues(
        {
            "notifications": NOTIFY,
            "data_quality": {"baseline": {"constraints_s3_uri": "https://x/constraints.json"}},
        }
    ) == [
        (
            "monitoring.data_quality.baseline.constraints_s3_uri",
            "'https://x/constraints.json' is not an S3 URI (s3://bucket/key)",
        )
    ]


def test_retraining_paths_are_validated() -> None:
    assert issues(
        {
            "notifications": NOTIFY,
            "retraining": [
                {
                    "name": "churn",
                    "triggers": {},
                    "target": {"sagemaker_pipeline": "p", "batch_cluster": "gpu"},
                },
                {
                    "name": "churn",
                    "triggers": {"alarms": ["churn", "churn:latency"]},
                    "target": {"sagemaker_pipeline": "p"},
                },
            ],
        }
    ) == [
        ("monitoring.retraining[0].triggers.drift", "give at least one trigger: drift endpoints or alarms"),
        (
            "monitoring.retraining[0].target.sagemaker_pipeline",
            "give either sagemaker_pipeline or batch_cluster, not both or neither",
        ),
        (
            "monitoring.retraining[1].triggers.alarms[0]",
            "'churn' is not '<endpoint>:<kind>' with kind one of latency-p99, errors-5xx, errors-4xx, "
            "invocations-low, cpu-utilization, memory-utilization, gpu-utilization, gpu-memory-utilization, health",
        ),
        (
            "monitoring.retraining[1].triggers.alarms[1]",
            "'churn:latency' is not '<endpoint>:<kind>' with kind one of latency-p99, errors-5xx, errors-4xx, "
            "invocations-low, cpu-utilization, memory-utilization, gpu-utilization, gpu-memory-utilization, health",
        ),
        # The paths' own fields are wrong, but their names are valid: the section's rule reads them.
        ("monitoring.retraining", "retraining path 'churn' is defined more than once"),
    ]


def test_retraining_path_names_are_unique() -> None:
    path = {
        "name": "churn",
        "triggers": {"alarms": ["churn:errors-5xx"]},
        "target": {"sagemaker_pipeline": "p"},
    }
    assert issues({"notifications": NOTIFY, "retraining": [path, path]}) == [
        ("monitoring.retraining", "retraining path 'churn' is defined more than once"),
        # The stack's rules still run: the section's fields are valid, only its own rule failed.
        ("monitoring.retraining[0].triggers.alarms[0]", "no serving endpoint named 'churn' (serving endpoints: none)"),
        ("monitoring.retraining[1].triggers.alarms[0]", "no serving endpoint named 'churn' (serving endpoints: none)"),
    ]


def test_references_to_the_rest_of_the_stack_are_checked() -> None:
    monitoring = MonitoringSpec.model_validate(
        {
            "notifications": NOTIFY,
            "objectives": {"min_invocations_per_hour": 0},
            "endpoints": {"chrn": {}, "ranker": {"data_quality": {"baseline": BASELINE}}},
            "retraining": [
                {
                    "name": "drift",
                    "triggers": {"drift": ["churn", "ranker", "search", "nope"]},
                    "target": {"batch_cluster": "eks-gpu"},
                },
                {
                    "name": "alarms",
                    "triggers": {
                        "alarms": ["churn:invocations-low", "search:latency-p99", "churn:gpu-utilization"]
                    },
                    "target": {"batch_cluster": "batc"},
                },
            ],
        }
    )
    stack = fake_stack(
        {"churn": "sagemaker", "ranker": "sagemaker", "search": "kserve"},
        {"eks-gpu": "eks", "batch": "batch"},
    )
    assert list(monitoring.stack_issues(stack)) == [
        (
            ("endpoints", "chrn"),
            "no serving endpoint named 'chrn' (serving endpoints: churn, ranker, search); did you mean churn?",
        ),
        (
            ("retraining", 0, "triggers", "drift", 0),
            "endpoint 'churn' has no data quality baseline, so it never reports drift: "
            "set monitoring.endpoints.churn.data_quality.baseline",
        ),
        (
            ("retraining", 0, "triggers", "drift", 2),
            "endpoint 'search' is not a SageMaker endpoint: Model Monitor watches SageMaker endpoints only",
        ),
        (
            ("retraining", 0, "triggers", "drift", 3),
            "no serving endpoint named 'nope' (serving endpoints: churn, ranker, search)",
        ),
        (
            ("retraining", 0, "target", "batch_cluster"),
            "training cluster 'eks-gpu' is not an AWS Batch cluster",
        ),
        (
            ("retraining", 1, "triggers", "alarms", 0),
            "endpoint 'churn' has no 'invocations-low' alarm with its objectives",
        ),
        (
            ("retraining", 1, "triggers", "alarms", 1),
            "endpoint 'search' is served by KServe, which has no CloudWatch alarms",
        ),
        (
            ("retraining", 1, "triggers", "alarms", 2),
            "endpoint 'churn' has no 'gpu-utilization' alarm with its objectives",
        ),
        (
            ("retraining", 1, "target", "batch_cluster"),
            "no training cluster named 'batc' (training clusters: batch, eks-gpu); did you mean batch?",
        ),
    ]


def test_a_disabled_endpoint_cannot_trigger_retraining() -> None:
    monitoring = MonitoringSpec.model_validate(
        {
            "notifications": NOTIFY,
            "endpoints": {"churn": {"enabled": False}},
            "retraining": [
                {
                    "name": "r1",
                    "triggers": {"alarms": ["churn:errors-5xx"]},
                    "target": {"sagemaker_pipeline": "p"},
                }
            ],
        }
    )
    assert list(monitoring.stack_issues(fake_stack({"churn": "sagemaker"}))) == [
        (
            ("retraining", 0, "triggers", "alarms", 0),
            "endpoint 'churn' is not monitored (endpoints.churn.enabled)",
        )
    ]


def test_alarm_kinds_follow_the_objectives_and_include_the_rollback_alarms() -> None:
    monitoring = MonitoringSpec.model_validate({"notifications": NOTIFY})
    kinds = alarm_kinds(monitoring.objectives)
    assert kinds == [
        "latency-p99",
        "errors-5xx",
        "errors-4xx",
        "invocations-low",
        "cpu-utilization",
        "memory-utilization",
        "health",
    ]
    assert set(ROLLBACK_ALARM_KINDS) <= set(kinds)
    gpu = monitoring.objectives.model_copy(update={"gpus": 1, "min_invocations_per_hour": 0})
    assert alarm_kinds(gpu) == [
        "latency-p99",
        "errors-5xx",
        "errors-4xx",
        "cpu-utilization",
        "memory-utilization",
        "gpu-utilization",
        "gpu-memory-utilization",
        "health",
    ]


def test_serving_can_ask_whether_an_endpoint_has_rollback_alarms() -> None:
    from stackyard.components.monitoring.spec import endpoint_is_monitored

    monitoring = MonitoringSpec.model_validate(
        {"notifications": NOTIFY, "endpoints": {"legacy": {"enabled": False}}}
    )
    assert endpoint_is_monitored(SimpleNamespace(monitoring=monitoring), "churn")
    assert not endpoint_is_monitored(SimpleNamespace(monitoring=monitoring), "legacy")
    assert not endpoint_is_monitored(SimpleNamespace(monitoring=None), "churn")
    off = MonitoringSpec.model_validate({"enabled": False})
    assert not endpoint_is_monitored(SimpleNamespace(monitoring=off), "churn")
