"""`Monitoring` under Pulumi mocks: what it registers, with which inputs, wired to what."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

from stackyard.components.context import StackContext
from stackyard.components.monitoring.component import Monitoring
from stackyard.components.monitoring.spec import MonitoringSpec
from stackyard.components.refs import (
    ServedEndpoint,
    TrainingCluster,
    endpoint_alarm_name,
    rollback_alarm_names,
)
from stackyard.plan.wire import UNKNOWN
from stackyard.spec.common import DataClassification, Environment
from stackyard.testing import RecordedPlan, record

REPO = Path(__file__).resolve().parents[2]
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:mon-alarms"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
WEBHOOK = "https://hooks.example.com/services/T000/B000/secret-token"

DEV = StackContext(
    project="demo",
    environment=Environment.DEV,
    region="eu-west-1",
    owner="ml-platform",
    cost_center="cc-1042",
    data_classification=DataClassification.INTERNAL,
)

SPEC: dict[str, Any] = {
    "notifications": {"emails": ["oncall@example.com"], "webhooks": [WEBHOOK]},
    "objectives": {"latency_p99_ms": 300, "vcpus": 4},
    "data_quality": {"baseline": {"constraints_s3_uri": "s3://baselines/churn/constraints.json"}},
    "endpoints": {
        "vision": {
            "objectives": {"gpus": 1, "min_invocations_per_hour": 0},
            "data_quality": {"enabled": False},
        },
        "legacy": {"enabled": False},
    },
    "training": {"at_max_minutes": 30, "idle_hours": 3},
    "retraining": [
        {
            "name": "churn",
            "triggers": {"drift": ["churn"], "alarms": ["churn:errors-5xx"]},
            "target": {"sagemaker_pipeline": "churn-train"},
            "budget": {"max_runs": 3, "period_days": 14},
        },
        {
            "name": "vision",
            "triggers": {"alarms": ["vision:health"]},
            "target": {"batch_cluster": "batch"},
        },
    ],
}


def served() -> dict[str, ServedEndpoint]:
    return {
        "churn": ServedEndpoint(
            "churn",
            "sagemaker",
            pulumi.Output.from_input("demo-dev-churn"),
            "blue",
            pulumi.Output.from_input("s3://capture-bucket/churn"),
        ),
        "vision": ServedEndpoint("vision", "sagemaker", pulumi.Output.from_input("demo-dev-vision"), None),
        "legacy": ServedEndpoint("legacy", "sagemaker", pulumi.Output.from_input("demo-dev-legacy"), "a"),
        "search": ServedEndpoint("search", "kserve", pulumi.Output.from_input("search")),
    }


def clusters() -> dict[str, TrainingCluster]:
    return {
        "gpu": TrainingCluster(
            "gpu",
            "eks",
            cluster_name=pulumi.Output.from_input("demo-dev-gpu"),
            gpu_node_groups={
                "a10": pulumi.Output.from_input("eks-a10-asg"),
                "h100": pulumi.Output.from_input("eks-h100-asg"),
                "parked": pulumi.Output.from_input("eks-parked-asg"),
            },
            gpu_node_group_max={"a10": 4, "h100": 2, "parked": 0},
        ),
        "batch": TrainingCluster(
            "batch",
            "batch",
            job_queue_arn=pulumi.Output.from_input(
                "arn:aws:batch:eu-west-1:123456789012:job-queue/demo-dev-batch"
            ),
            job_definition_arn=pulumi.Output.from_input(
                "arn:aws:batch:eu-west-1:123456789012:job-definition/demo-dev-train:1"
            ),
        ),
    }


def build(context: StackContext, spec: dict[str, Any] = SPEC) -> Callable[[], None]:
    def program() -> None:
        Monitoring(
            "mon",
            MonitoringSpec.model_validate(spec),
            context=context,
            kms_key_arn=KEY,
            endpoints=served(),
            training_clusters=clusters(),
            subnet_ids=["subnet-0aaa1111", "subnet-0bbb2222"],
            security_group_ids=["sg-0abc1234"],
        )

    return program


@pytest.fixture(scope="module")
def plan() -> RecordedPlan:
    return record(build(DEV))


def test_resource_counts(plan: RecordedPlan) -> None:
    counts = plan.counts()
    assert {k: v for k, v in counts.items() if not k.startswith("aws:s3/")} == {
        "stackyard:monitoring:Monitoring": 1,
        "aws:sns/topic:Topic": 1,
        "aws:sns/topicPolicy:TopicPolicy": 1,
        "aws:sns/topicSubscription:TopicSubscription": 2,
        # churn: 6 (4xx, 5xx, latency, floor, cpu, memory); vision: 7 (no floor, + 2 GPU);
        # training: a10 and h100 at max, gpu idle. legacy is opted out, search is KServe.
        ALARM: 16,
        "aws:cloudwatch/compositeAlarm:CompositeAlarm": 2,
        "stackyard:storage:SecureBucket": 1,
        "stackyard:monitoring:DataQualityMonitor": 1,
        "stackyard:monitoring:RetrainingPath": 2,
        "aws:iam/role:Role": 5,
        "aws:iam/rolePolicy:RolePolicy": 5,
        "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition": 1,
        "aws:sagemaker/monitoringSchedule:MonitoringSchedule": 1,
        "aws:cloudwatch/logGroup:LogGroup": 2,
        "aws:sfn/stateMachine:StateMachine": 2,
        "aws:cloudwatch/eventRule:EventRule": 3,
        "aws:cloudwatch/eventTarget:EventTarget": 3,
        "aws:cloudwatch/dashboard:Dashboard": 1,
    }


def test_every_child_is_parented_and_tagged(plan: RecordedPlan) -> None:
    component = plan.named("mon")
    parents = {component.urn} | {
        nested.urn
        for nested in plan
        if nested.type
        in (
            "stackyard:storage:SecureBucket",
            "stackyard:monitoring:DataQualityMonitor",
            "stackyard:monitoring:RetrainingPath",
        )
    }
    for registration in plan:
        if registration.type in ("pulumi:pulumi:Stack", "stackyard:monitoring:Monitoring"):
            continue
        assert registration.parent in parents, registration.name
        if registration.type.startswith("stackyard:monitoring:"):
            assert registration.parent == component.urn
        if "tags" in registration.inputs:
            assert registration.inputs["tags"]["owner"] == "ml-platform"
            assert registration.inputs["tags"]["Name"] == registration.name


def test_topic_is_encrypted_and_subscribed(plan: RecordedPlan) -> None:
    topic = plan.named("mon-alarms")
    assert topic.inputs["kmsMasterKeyId"] == KEY
    assert topic.inputs["name"] == "demo-dev-alarms"
    subscriptions = {
        s.inputs["protocol"]: s for s in plan.of_type("aws:sns/topicSubscription:TopicSubscription")
    }
    assert subscriptions["email"].inputs["endpoint"] == "oncall@example.com"
    assert subscriptions["https"].inputs["endpoint"] == "[secret]"
    assert WEBHOOK not in json.dumps([r.inputs for r in plan])
    policy = json.loads(plan.named("mon-alarms-policy").inputs["policy"])
    allow, deny = policy["Statement"]
    assert allow["Principal"] == {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]}
    assert allow["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    # From the topic's name, not the mock's `arn` output: known at preview.
    assert allow["Resource"] == "arn:aws:sns:eu-west-1:123456789012:demo-dev-alarms"
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def _single_metric(alarm: Any) -> tuple[str, str, str | None, str | None, float, dict[str, str], int]:
    inputs = alarm.inputs
    return (
        inputs["namespace"],
        inputs["metricName"],
        inputs.get("statistic"),
        inputs.get("extendedStatistic"),
        inputs["threshold"],
        inputs["dimensions"],
        inputs["period"],
    )


def test_churn_alarms_metric_statistic_threshold_dimensions(plan: RecordedPlan) -> None:
    dims = {"EndpointName": "demo-dev-churn", "VariantName": "blue"}
    assert _single_metric(plan.named("mon-churn-latency-p99")) == (
        "AWS/SageMaker", "ModelLatency", None, "p99", 300_000, dims, 60,
    )  # fmt: skip
    assert _single_metric(plan.named("mon-churn-invocations-low")) == (
        "AWS/SageMaker", "Invocations", "Sum", None, 1, dims, 3600,
    )  # fmt: skip
    assert _single_metric(plan.named("mon-churn-cpu-utilization")) == (
        "/aws/sagemaker/Endpoints", "CPUUtilization", "Average", None, 320, dims, 60,
    )  # fmt: skip
    assert _single_metric(plan.named("mon-churn-memory-utilization")) == (
        "/aws/sagemaker/Endpoints", "MemoryUtilization", "Average", None, 85, dims, 60,
    )  # fmt: skip
    for kind, metric, threshold in (
        ("errors-5xx", "Invocation5XXErrors", 1),
        ("errors-4xx", "Invocation4XXErrors", 5),
    ):
        alarm = plan.named(f"mon-churn-{kind}")
        assert alarm.inputs["threshold"] == threshold
        assert "metricName" not in alarm.inputs
        queries = {q["id"]: q for q in alarm.inputs["metricQueries"]}
        assert queries["errors"]["metric"] == {
            "namespace": "AWS/SageMaker",
            "metricName": metric,
            "dimensions": dims,
            "period": 60,
            "stat": "Sum",
        }
        assert queries["invocations"]["metric"]["metricName"] == "Invocations"
        assert queries["rate"]["returnData"] is True
    for kind in ("latency-p99", "errors-5xx", "errors-4xx", "cpu-utilization", "memory-utilization"):
        inputs = plan.named(f"mon-churn-{kind}").inputs
        assert (inputs["evaluationPeriods"], inputs["datapointsToAlarm"]) == (5, 5)
        assert inputs["comparisonOperator"] == "GreaterThanThreshold"
        assert inputs["treatMissingData"] == "notBreaching"
    floor = plan.named("mon-churn-invocations-low").inputs
    assert (floor["comparisonOperator"], floor["treatMissingData"]) == ("LessThanThreshold", "breaching")


def test_gpu_endpoint_alarms_and_default_variant(plan: RecordedPlan) -> None:
    dims = {"EndpointName": "demo-dev-vision", "VariantName": "AllTraffic"}
    assert _single_metric(plan.named("mon-vision-gpu-utilization")) == (
        "/aws/sagemaker/Endpoints", "GPUUtilization", "Average", None, 90, dims, 60,
    )  # fmt: skip
    assert _single_metric(plan.named("mon-vision-gpu-memory-utilization")) == (
        "/aws/sagemaker/Endpoints", "GPUMemoryUtilization", "Average", None, 90, dims, 60,
    )  # fmt: skip
    names = {r.name for r in plan.of_type(ALARM)}
    assert "mon-vision-invocations-low" not in names
    assert not any(name.startswith(("mon-legacy-", "mon-search-")) for name in names)


def test_rollback_alarms_carry_the_names_serving_refers_to(plan: RecordedPlan) -> None:
    for endpoint in ("churn", "vision"):
        names = [
            plan.named(f"mon-{endpoint}-{kind}").inputs["name"] for kind in ("latency-p99", "errors-5xx")
        ]
        assert names == rollback_alarm_names(DEV, endpoint)
    assert plan.named("mon-churn-latency-p99").inputs["name"] == "demo-dev-churn-latency-p99"


def test_metric_alarms_are_quiet_and_the_composite_notifies(plan: RecordedPlan) -> None:
    for alarm in plan.of_type(ALARM):
        if alarm.name.startswith(("mon-churn-", "mon-vision-")):
            assert (alarm.inputs["alarmActions"], alarm.inputs["okActions"]) == ([], []), alarm.name
    health = plan.named("mon-churn-health")
    assert health.inputs["alarmName"] == "demo-dev-churn-health"
    assert health.inputs["alarmActions"] == [TOPIC]
    assert health.inputs["okActions"] == [TOPIC]
    kinds = [
        "latency-p99",
        "errors-5xx",
        "errors-4xx",
        "invocations-low",
        "cpu-utilization",
        "memory-utilization",
    ]
    assert health.inputs["alarmRule"] == " OR ".join(f'ALARM("demo-dev-churn-{kind}")' for kind in kinds)


def test_training_alarms(plan: RecordedPlan) -> None:
    a10 = plan.named("mon-gpu-a10-gpu-at-max")
    assert _single_metric(a10) == (
        "AWS/AutoScaling", "GroupInServiceInstances", "Minimum", None, 4, {"AutoScalingGroupName": "eks-a10-asg"}, 60,
    )  # fmt: skip
    assert a10.inputs["evaluationPeriods"] == 30
    assert a10.inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert a10.inputs["name"] == "demo-dev-gpu-a10-gpu-at-max"
    # Without group metrics collection the alarm is blind: say so on the topic.
    assert (
        a10.inputs["alarmActions"]
        == a10.inputs["okActions"]
        == a10.inputs["insufficientDataActions"]
        == [TOPIC]
    )
    assert plan.named("mon-gpu-h100-gpu-at-max").inputs["threshold"] == 2
    idle = plan.named("mon-gpu-gpu-idle")
    assert _single_metric(idle) == (
        "ContainerInsights", "node_gpu_utilization", "Maximum", None, 5, {"ClusterName": "demo-dev-gpu"}, 3600,
    )  # fmt: skip
    assert (idle.inputs["evaluationPeriods"], idle.inputs["comparisonOperator"]) == (3, "LessThanThreshold")
    assert idle.inputs["alarmActions"] == [TOPIC]
    assert idle.inputs["insufficientDataActions"] == []
    assert not any("parked" in r.name for r in plan.of_type(ALARM))


def test_model_monitor_job_is_encrypted_isolated_and_scheduled(plan: RecordedPlan) -> None:
    job = plan.named("mon-churn-data-quality-job")
    inputs = job.inputs
    assert inputs["name"] == "demo-dev-churn-data-quality"
    assert inputs["dataQualityAppSpecification"] == {
        "imageUri": "468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer"
    }
    assert inputs["dataQualityBaselineConfig"] == {
        "constraintsResource": {"s3Uri": "s3://baselines/churn/constraints.json"}
    }
    assert inputs["dataQualityJobInput"]["endpointInput"]["endpointName"] == "demo-dev-churn"
    output = inputs["dataQualityJobOutputConfig"]
    assert output["kmsKeyId"] == KEY
    assert output["monitoringOutputs"]["s3Output"]["s3Uri"] == "s3://mon-reports-id/data-quality/churn"
    assert inputs["jobResources"]["clusterConfig"] == {
        "instanceCount": 1,
        "instanceType": "ml.m5.xlarge",
        "volumeSizeInGb": 20,
        "volumeKmsKeyId": KEY,
    }
    assert inputs["networkConfig"] == {
        "enableInterContainerTrafficEncryption": True,
        "enableNetworkIsolation": True,
        "vpcConfig": {"subnets": ["subnet-0aaa1111", "subnet-0bbb2222"], "securityGroupIds": ["sg-0abc1234"]},
    }
    assert inputs["stoppingCondition"] == {"maxRuntimeInSeconds": 3300}
    assert inputs["roleArn"] == "arn:aws:iam:eu-west-1:123456789012:mon-churn-data-quality-role"
    schedule = plan.named("mon-churn-data-quality-schedule").inputs["monitoringScheduleConfig"]
    assert schedule == {
        "monitoringType": "DataQuality",
        "monitoringJobDefinitionName": "demo-dev-churn-data-quality",
        "scheduleConfig": {"scheduleExpression": "cron(0 * ? * * *)"},
    }
    policy = json.loads(plan.named("mon-churn-data-quality-access").inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["ReadCapturedData"]["Resource"] == "arn:aws:s3:::capture-bucket/churn/*"
    assert by_sid["WriteReports"]["Resource"] == "arn:aws:s3:::mon-reports-id/data-quality/churn/*"
    trust = json.loads(plan.named("mon-churn-data-quality-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    # Only churn captures data; vision turned data quality off.
    assert plan.count("aws:sagemaker/monitoringSchedule:MonitoringSchedule") == 1


def test_reports_bucket_is_protected_in_prod(prod_context: StackContext) -> None:
    plan = record(build(prod_context))
    assert plan.of_type("aws:s3/bucket:Bucket")[0].protect is True


def test_retraining_path_runs_through_the_budget_check() -> None:
    plan = record(build(DEV), preview=True)
    machine = plan.named("mon-retrain-churn-budget")
    for trigger in ("drift", "alarms"):
        target = plan.named(f"mon-retrain-churn-{trigger}-target")
        # The rule starts the state machine (the budget check), never the pipeline.
        assert target.property_dependencies["arn"] == [machine.urn]
        assert target.inputs["arn"] == UNKNOWN
        rule = plan.named(f"mon-retrain-churn-{trigger}")
        assert target.property_dependencies["rule"] == [rule.urn]
    drift = plan.named("mon-retrain-churn-drift")
    schedule = plan.named("mon-churn-data-quality-schedule")
    assert drift.property_dependencies["eventPattern"] == [schedule.urn]
    alarms = json.loads(plan.named("mon-retrain-churn-alarms").inputs["eventPattern"])
    assert alarms["detail"]["alarmName"] == [endpoint_alarm_name(DEV, "churn", "errors-5xx")]


def test_state_machines_are_logged_encrypted_and_least_privileged(plan: RecordedPlan) -> None:
    machine = plan.named("mon-retrain-churn-budget").inputs
    assert machine["name"] == "demo-dev-retrain-churn"
    assert machine["encryptionConfiguration"]["kmsKeyId"] == KEY
    assert machine["loggingConfiguration"]["logDestination"].endswith(":*")
    assert machine["loggingConfiguration"]["level"] == "ALL"
    logs = plan.named("mon-retrain-churn-logs").inputs
    assert logs["kmsKeyId"] == KEY
    assert logs["name"] == "/aws/vendedlogs/states/demo-dev-retrain-churn"
    definition = json.loads(machine["definition"])
    assert definition["States"]["StartRetraining"]["Arguments"]["PipelineName"] == "churn-train"
    assert definition["States"]["CountRecentRuns"]["Arguments"]["MaxResults"] == 3
    assert definition["States"]["NotifyBudgetExhausted"]["Arguments"]["TopicArn"] == TOPIC
    policy = json.loads(plan.named("mon-retrain-churn-access").inputs["policy"])
    pipeline = next(s for s in policy["Statement"] if s["Sid"] == "CountAndStartThePipeline")
    assert pipeline["Resource"] == ["arn:aws:sagemaker:eu-west-1:123456789012:pipeline/churn-train"]
    events = json.loads(plan.named("mon-retrain-churn-events-start").inputs["policy"])
    assert events["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "states:StartExecution",
            "Resource": "arn:aws:sfn:eu-west-1:123456789012:mon-retrain-churn-budget",
        }
    ]

    batch = json.loads(plan.named("mon-retrain-vision-budget").inputs["definition"])["States"]
    assert batch["StartRetraining"]["Arguments"] == {
        "JobName": "demo-dev-retrain-vision",
        "JobQueue": "arn:aws:batch:eu-west-1:123456789012:job-queue/demo-dev-batch",
        "JobDefinition": "arn:aws:batch:eu-west-1:123456789012:job-definition/demo-dev-train:1",
    }
    vision_alarms = json.loads(plan.named("mon-retrain-vision-alarms").inputs["eventPattern"])
    assert vision_alarms["detail"]["alarmName"] == ["demo-dev-vision-health"]


def test_dashboard_names_every_endpoint(plan: RecordedPlan) -> None:
    dashboard = plan.named("mon-dashboard").inputs
    assert dashboard["dashboardName"] == "demo-dev-ml"
    body = json.loads(dashboard["dashboardBody"])
    text = json.dumps(body)
    for name in ("demo-dev-churn", "demo-dev-vision", "search", "eks-a10-asg", "demo-dev-gpu"):
        assert name in text
    assert "demo-dev-legacy" not in text  # opted out of monitoring


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {
                "retraining": [
                    {
                        "name": "r1",
                        "triggers": {"alarms": ["churn:health"]},
                        "target": {"batch_cluster": "gpu"},
                    }
                ]
            },
            "stackyard:monitoring:RetrainingPath 'mon-retrain-r1': retraining path r1: training cluster 'gpu' "
            "with a Batch job queue and job definition was not given",
        ),
        (
            {"enabled": False},
            "stackyard:monitoring:Monitoring 'mon': the monitoring spec is disabled (enabled: false); do not build Monitoring",
        ),
        (
            {
                "retraining": [
                    {"name": "r1", "triggers": {"drift": ["search"]}, "target": {"sagemaker_pipeline": "p"}}
                ]
            },
            "stackyard:monitoring:Monitoring 'mon': retraining r1: endpoint 'search' has no data quality monitoring to find drift",
        ),
        (
            {
                "endpoints": {},
                "retraining": [
                    {
                        "name": "r1",
                        "triggers": {"drift": ["nope", "vision"]},
                        "target": {"sagemaker_pipeline": "p"},
                    }
                ],
            },
            "stackyard:monitoring:Monitoring 'mon': retraining r1: no endpoint 'nope' was given to monitor; retraining r1: endpoint 'vision' "
            "captures no data, so Model Monitor cannot find drift: turn on its data capture",
        ),
    ],
)
def test_arguments_that_do_not_fit_the_handed_over_resources(change: dict[str, Any], message: str) -> None:
    spec = {**SPEC, **change}
    MonitoringSpec.model_validate(spec)  # the spec itself is valid
    # A RunError: the Pulumi CLI prints its message alone, without a traceback.
    with pytest.raises(pulumi.RunError) as caught:
        record(build(DEV, spec))
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("directory", "stack", "webhooks"),
    [(".", "dev", 0), (".", "prod", 1), ("examples/quickstart", "dev", 0)],
)
def test_reference_stacks_plan_with_monitoring(directory: str, stack: str, webhooks: int) -> None:
    from stackyard.plan import plan_project

    plan = plan_project(str(REPO / directory), stack)
    states = [step["newState"] for step in plan["steps"]]
    types = Counter(state["type"] for state in states)
    assert types["stackyard:monitoring:Monitoring"] == 1
    assert types["aws:sns/topic:Topic"] == 1
    assert types["aws:sns/topicSubscription:TopicSubscription"] == 1 + webhooks
    assert types["aws:cloudwatch/dashboard:Dashboard"] == 1
    topic = next(state for state in states if state["type"] == "aws:sns/topic:Topic")
    key = next(state for state in states if state["type"] == "aws:kms/key:Key")
    # The topic is encrypted with the stack's own key (known only once the key exists).
    assert key["urn"] in topic["propertyDependencies"]["kmsMasterKeyId"]


def test_endpoints_without_data_capture_get_alarms_but_no_model_monitor() -> None:
    plan = record(build(DEV, {**SPEC, "endpoints": {}, "retraining": []}))
    assert [m.name for m in plan.of_type("stackyard:monitoring:DataQualityMonitor")] == [
        "mon-churn-data-quality"
    ]
    assert plan.named("mon-vision-latency-p99").inputs["dimensions"]["EndpointName"] == "demo-dev-vision"
