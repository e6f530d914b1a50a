"""The retraining path against the services it talks to, without a cloud: every request the state
machine sends is evaluated (its JSONata run with jsonata-python) and validated against botocore's
service model of the operation; the results it reads are the model's output members, in the
PascalCase form Step Functions' SDK integrations return (and Batch's own camelCase); the event
patterns match the documented SageMaker and CloudWatch events and nothing else (moto's EventBridge
pattern matcher)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import botocore.session
import jsonata
import pytest
from botocore.model import OperationModel, Shape, StructureShape
from botocore.utils import parse_timestamp
from botocore.validate import ParamValidator
from moto.events.models import EventPattern

from stackyard.components.monitoring.retraining_documents import (
    BatchTarget,
    PipelineTarget,
    alarm_event_pattern,
    drift_event_pattern,
    state_machine_definition,
)

TOPIC = "arn:aws:sns:eu-west-1:123456789012:mlplatform-prod-alarms"
QUEUE = "arn:aws:batch:eu-west-1:123456789012:job-queue/retrain"
DEFINITION = "arn:aws:batch:eu-west-1:123456789012:job-definition/retrain:3"
JOB = "ctrain-dev-retrain-recommender"
SCHEDULE = "arn:aws:sagemaker:eu-west-1:123456789012:monitoring-schedule/churn-data-quality"
TEMPLATE = re.compile(r"^\{%(.*)%\}$", re.DOTALL)
OPTIMIZED = {"batch:submitJob": ("batch", "SubmitJob"), "sns:publish": ("sns", "Publish")}
SESSION = botocore.session.get_session()

CONTEXT = {
    "Execution": {
        "Id": "arn:aws:states:eu-west-1:123456789012:execution:mlplatform-prod-retrain-churn:"
        "0b5e3d5e-6f5c-4c1e-9a57-2d0f3b1f6a10"
    }
}
TRIGGER = {
    "version": "0",
    "detail-type": "SageMaker Processing Job State Change",
    "source": "aws.sagemaker",
    "detail": {"ProcessingJobName": "churn-data-quality-1", "MonitoringScheduleArn": SCHEDULE},
}


def _operation(resource: str) -> OperationModel:
    """The botocore operation a Task state's Resource calls."""
    tail = resource.removeprefix("arn:aws:states:::")
    if tail.startswith("aws-sdk:"):
        service, action = tail.removeprefix("aws-sdk:").split(":")
        name = action[0].upper() + action[1:]
    else:
        service, name = OPTIMIZED[tail]
    return SESSION.get_service_model(service).operation_model(name)


def _evaluate(value: Any, states: dict[str, Any]) -> Any:
    """A JSONata-mode value with its `{% ... %}` templates evaluated, as Step Functions does."""
    if isinstance(value, dict):
        return {key: _evaluate(item, states) for key, item in value.items()}
    if isinstance(value, list):
        return [_evaluate(item, states) for item in value]
    if isinstance(value, str) and (match := TEMPLATE.match(value)):
        expression = jsonata.Jsonata(match.group(1))
        expression.assign("states", states)
        return expression.evaluate(None)
    return value


def _to_model_names(value: Any, shape: Shape, where: str) -> Any:
    """Arguments in Step Functions' PascalCase, renamed to the model's members. A key that is not
    exactly the PascalCase form of a member fails: Step Functions would reject it."""
    if isinstance(shape, StructureShape):
        assert isinstance(value, dict), where
        pascal = {member[0].upper() + member[1:]: member for member in shape.members}
        renamed = {}
        for key, item in value.items():
            assert key in pascal, f"{where}.{key} is not a member of {shape.name}: {sorted(pascal)}"
            member = pascal[key]
            renamed[member] = _to_model_names(item, shape.members[member], f"{where}.{key}")
        return renamed
    if shape.type_name == "list":
        assert isinstance(value, list), where
        return [_to_model_names(item, shape.member, f"{where}[]") for item in value]  # type: ignore[attr-defined]
    return value


def _task_states(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in definition["States"].items() if s["Type"] == "Task"}


def _definition(target: PipelineTarget | BatchTarget) -> dict[str, Any]:
    return json.loads(state_machine_definition("churn", target, 3, 7, TOPIC))


TARGETS = [PipelineTarget("mlplatform-prod-churn-training"), BatchTarget(QUEUE, DEFINITION, JOB)]


@pytest.mark.parametrize("target", TARGETS, ids=["pipeline", "batch"])
def test_every_request_is_valid_for_the_service_model(target: PipelineTarget | BatchTarget) -> None:
    """The requests of each Task state, evaluated with the input it gets, validate against botocore's
    request shape (required members, types, ranges, timestamps)."""
    inputs = {
        "CountRecentRuns": TRIGGER,
        "StartRetraining": {"recentRuns": 1, "trigger": TRIGGER},
        "NotifyStarted": {"recentRuns": 1, "trigger": TRIGGER, "run": "arn:run"},
        "NotifyBudgetExhausted": {"recentRuns": 3, "trigger": TRIGGER},
    }
    validated = []
    for name, state in _task_states(_definition(target)).items():
        operation = _operation(state["Resource"])
        arguments = _evaluate(state["Arguments"], {"input": inputs[name], "context": CONTEXT})
        params = _to_model_names(arguments, operation.input_shape, name)
        report = ParamValidator().validate(params, operation.input_shape)
        assert not report.has_errors(), f"{name} ({operation.name}): {report.generate_report()}"
        validated.append(operation.name)
    expected = (
        ["ListPipelineExecutions", "StartPipelineExecution"]
        if isinstance(target, PipelineTarget)
        else ["ListJobs", "SubmitJob"]
    )
    assert sorted(validated) == sorted([*expected, "Publish", "Publish"])


def test_created_after_is_an_iso_timestamp_seven_days_back() -> None:
    arguments = _evaluate(
        _task_states(_definition(TARGETS[0]))["CountRecentRuns"]["Arguments"], {"input": {}}
    )
    created_after = arguments["CreatedAfter"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", created_after)
    age = dt.datetime.now(dt.UTC) - parse_timestamp(created_after)
    assert dt.timedelta(days=7) <= age < dt.timedelta(days=7, minutes=1)


def _output(target: PipelineTarget | BatchTarget, result: dict[str, Any]) -> Any:
    state = _task_states(_definition(target))["CountRecentRuns"]
    return _evaluate(state["Output"], {"input": TRIGGER, "result": result})


def _members(operation: str, service: str) -> set[str]:
    return set(SESSION.get_service_model(service).operation_model(operation).output_shape.members)


def test_pipeline_runs_are_read_from_the_models_output_member() -> None:
    assert "PipelineExecutionSummaries" in _members("ListPipelineExecutions", "sagemaker")
    assert "PipelineExecutionArn" in _members("StartPipelineExecution", "sagemaker")
    summaries = [{"PipelineExecutionArn": f"arn:{i}"} for i in range(2)]
    assert _output(TARGETS[0], {"PipelineExecutionSummaries": summaries}) == {
        "recentRuns": 2,
        "trigger": TRIGGER,
    }
    assert _output(TARGETS[0], {"PipelineExecutionSummaries": []})["recentRuns"] == 0


@pytest.mark.parametrize("casing", ["pascal", "camel"])
def test_batch_jobs_are_counted_in_either_casing_and_only_this_paths(casing: str) -> None:
    """Step Functions returns SDK results PascalCase (JobSummaryList, JobName); Batch's own model is
    camelCase (jobSummaryList, jobName). Either way only this path's jobs count."""
    model_members = _members("ListJobs", "batch")
    assert {"jobSummaryList"} <= model_members
    summary_members = set(
        SESSION.get_service_model("batch").shape_for("JobSummary").members  # type: ignore[union-attr]
    )
    assert {"jobName", "jobArn", "createdAt"} <= summary_members
    jobs = [{"jobName": JOB}, {"jobName": "someone-elses-job"}, {"jobName": JOB}]
    if casing == "pascal":
        result: dict[str, Any] = {"JobSummaryList": [{"JobName": j["jobName"]} for j in jobs]}
    else:
        result = {"jobSummaryList": jobs}
    assert _output(TARGETS[1], result)["recentRuns"] == 2
    assert _output(TARGETS[1], {})["recentRuns"] == 0  # an empty queue's page has no list


@pytest.mark.parametrize("casing", ["JobArn", "jobArn"])
def test_the_submitted_jobs_arn_reaches_the_notice(casing: str) -> None:
    assert "jobArn" in _members("SubmitJob", "batch")
    state = _task_states(_definition(TARGETS[1]))["StartRetraining"]
    output = _evaluate(state["Output"], {"input": {"recentRuns": 0}, "result": {casing: "arn:job"}})
    assert output == {"recentRuns": 0, "run": "arn:job"}


def _event(detail_type: str, source: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": "2026-12-02T03:00:00Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": detail,
    }


def _processing_event(status: str, exit_message: str, schedule: str | None) -> dict[str, Any]:
    """A processing job's state-change event: its detail is the job's DescribeProcessingJob
    description, which names the monitoring schedule that started it."""
    detail: dict[str, Any] = {
        "ProcessingJobName": "model-monitoring-202612020300-churn",
        "ProcessingJobArn": "arn:aws:sagemaker:eu-west-1:123456789012:processing-job/x",
        "ProcessingJobStatus": status,
        "ExitMessage": exit_message,
    }
    if schedule:
        detail["MonitoringScheduleArn"] = schedule
    return _event("SageMaker Processing Job State Change", "aws.sagemaker", detail)


def test_drift_pattern_reads_members_of_the_processing_job_description() -> None:
    described = SESSION.get_service_model("sagemaker").operation_model("DescribeProcessingJob").output_shape
    pattern = drift_event_pattern([SCHEDULE])
    assert set(pattern["detail"]) <= set(described.members)  # type: ignore[attr-defined]
    assert "Completed" in described.members["ProcessingJobStatus"].enum  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("status", "exit_message", "schedule", "matches"),
    [
        (
            "Completed",
            "CompletedWithViolations: Job completed successfully with 3 violations.",
            SCHEDULE,
            True,
        ),
        ("Completed", "Completed: Job completed successfully with no violations.", SCHEDULE, False),
        ("Failed", "CompletedWithViolations", SCHEDULE, False),
        ("Completed", "CompletedWithViolations", SCHEDULE.replace("churn", "other"), False),
        ("Completed", "CompletedWithViolations", None, False),
    ],
)
def test_drift_pattern_matches_only_this_schedules_violations(
    status: str, exit_message: str, schedule: str | None, matches: bool
) -> None:
    pattern = EventPattern.load(json.dumps(drift_event_pattern([SCHEDULE])))
    assert pattern.matches_event(_processing_event(status, exit_message, schedule)) is matches


def _alarm_event(name: str, state: str, composite: bool) -> dict[str, Any]:
    """The documented CloudWatch alarm state-change event (a composite alarm's has the same shape,
    with an alarmRule in its configuration)."""
    configuration: dict[str, Any] = (
        {"alarmRule": 'ALARM("churn-latency-p99")'} if composite else {"metrics": []}
    )
    return _event(
        "CloudWatch Alarm State Change",
        "aws.cloudwatch",
        {
            "alarmName": name,
            "state": {
                "value": state,
                "reason": "threshold crossed",
                "timestamp": "2026-12-02T03:00:00.000+0000",
            },
            "previousState": {"value": "OK", "reason": "", "timestamp": "2026-12-02T02:00:00.000+0000"},
            "configuration": configuration,
        },
    )


@pytest.mark.parametrize(
    ("name", "state", "matches"),
    [
        ("mlplatform-prod-churn-health", "ALARM", True),
        ("mlplatform-prod-churn-health", "OK", False),
        ("mlplatform-prod-churn-health", "INSUFFICIENT_DATA", False),
        ("mlplatform-prod-other-health", "ALARM", False),
    ],
)
def test_alarm_pattern_matches_only_its_alarm_entering_alarm(name: str, state: str, matches: bool) -> None:
    pattern = EventPattern.load(json.dumps(alarm_event_pattern(["mlplatform-prod-churn-health"])))
    assert pattern.matches_event(_alarm_event(name, state, composite=True)) is matches
