"""The retraining path as plain documents: the EventBridge patterns of its triggers, the Step
Functions definition that enforces the budget before it starts the target, and the IAM policies.

trigger (EventBridge rule) -> state machine: CountRecentRuns -> WithinBudget?
    yes -> StartRetraining -> NotifyStarted
    no  -> NotifyBudgetExhausted

The rule's target is the state machine, never the pipeline or job queue itself, so nothing can
start a run without passing the budget check. The state machine uses JSONata (`$now()`,
`$toMillis`) because the budget window needs date arithmetic that JSONPath lacks. Two triggers
arriving in the same second can both pass the check; the budget bounds cost, it is not a lock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from stackyard.components.iam import policy_document

MILLISECONDS_PER_DAY = 86_400_000
BATCH_LIST_PAGE = 100
"""Batch ListJobs returns at most 100 jobs a page; runs are counted on the first page."""


@dataclass(frozen=True)
class PipelineTarget:
    pipeline_name: str


@dataclass(frozen=True)
class BatchTarget:
    job_queue_arn: str
    job_definition_arn: str
    job_name: str


def drift_event_pattern(schedule_arns: list[str]) -> dict[str, Any]:
    """Model Monitor runs each scheduled execution as a processing job; one that finds violations
    completes with an ExitMessage starting `CompletedWithViolations`, and the job's state-change
    event carries the schedule's ARN."""
    return {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Processing Job State Change"],
        "detail": {
            "ProcessingJobStatus": ["Completed"],
            "ExitMessage": [{"prefix": "CompletedWithViolations"}],
            "MonitoringScheduleArn": sorted(schedule_arns),
        },
    }


def alarm_event_pattern(alarm_names: list[str]) -> dict[str, Any]:
    """CloudWatch sends a state-change event for every alarm; only entering ALARM triggers."""
    return {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {"alarmName": sorted(alarm_names), "state": {"value": ["ALARM"]}},
    }


def _window_start_millis(period_days: int) -> str:
    return f"$toMillis($now()) - {period_days * MILLISECONDS_PER_DAY}"


def _count_state(target: PipelineTarget | BatchTarget, max_runs: int, period_days: int) -> dict[str, Any]:
    if isinstance(target, PipelineTarget):
        return {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sagemaker:listPipelineExecutions",
            "Arguments": {
                "PipelineName": target.pipeline_name,
                # A timestamp member takes an ISO 8601 string in Step Functions' SDK integrations;
                # $fromMillis writes one in UTC with milliseconds (2026-12-02T03:00:00.000Z).
                "CreatedAfter": f"{{% $fromMillis({_window_start_millis(period_days)}) %}}",
                "SortBy": "CreationTime",
                "SortOrder": "Descending",
                # Only whether the budget is reached matters, so one page of max_runs suffices.
                "MaxResults": max_runs,
            },
            "Output": {
                "recentRuns": "{% $count($states.result.PipelineExecutionSummaries) %}",
                "trigger": "{% $states.input %}",
            },
        }
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:batch:listJobs",
        "Arguments": {
            "JobQueue": target.job_queue_arn,
            # Batch accepts one filter at a time; the job name is matched below.
            # AFTER_CREATED_AT takes milliseconds since the epoch, as a string; with a filter,
            # Batch lists jobs of every status.
            "Filters": [
                {
                    "Name": "AFTER_CREATED_AT",
                    "Values": [f"{{% $string({_window_start_millis(period_days)}) %}}"],
                }
            ],
            "MaxResults": BATCH_LIST_PAGE,
        },
        "Output": {
            # Step Functions' SDK integrations return members PascalCase (JobSummaryList, JobName),
            # whatever the service's own casing; the camelCase spelling Batch itself uses is read
            # too, so a result in either form is counted and neither can pass the check unread.
            "recentRuns": "{% $count($append($states.result.JobSummaryList, $states.result.jobSummaryList)"
            f"[JobName = '{target.job_name}' or jobName = '{target.job_name}']) %}}",
            "trigger": "{% $states.input %}",
        },
    }


def _start_state(target: PipelineTarget | BatchTarget, path: str) -> dict[str, Any]:
    if isinstance(target, PipelineTarget):
        return {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution",
            "Arguments": {
                "PipelineName": target.pipeline_name,
                # Required by the service model (an SDK fills it in; Step Functions passes what it
                # is given). The execution's ARN, at most 128 characters of it: a start repeated
                # within one execution is the same start.
                "ClientRequestToken": "{% $substring($states.context.Execution.Id, -128) %}",
                "PipelineExecutionDescription": f"{{% 'stackyard retraining {path}: ' & "
                "$states.input.trigger.`detail-type` %}",
            },
            "Output": "{% $merge([$states.input, {'run': $states.result.PipelineExecutionArn}]) %}",
        }
    return {
        "Type": "Task",
        # Fire and forget: the budget counts submitted jobs, not finished ones.
        "Resource": "arn:aws:states:::batch:submitJob",
        "Arguments": {
            "JobName": target.job_name,
            "JobQueue": target.job_queue_arn,
            "JobDefinition": target.job_definition_arn,
        },
        "Output": "{% $merge([$states.input, {'run': $exists($states.result.JobArn) ? $states.result.JobArn "
        ": $states.result.jobArn}]) %}",
    }


def state_machine_definition(
    path: str, target: PipelineTarget | BatchTarget, max_runs: int, period_days: int, topic_arn: str
) -> str:
    """The Amazon States Language definition of one retraining path (JSONata)."""
    window = f"{period_days} day{'s' if period_days != 1 else ''}"
    states: dict[str, Any] = {
        "CountRecentRuns": {
            **_count_state(target, max_runs, period_days),
            "Retry": [
                {
                    "ErrorEquals": ["States.TaskFailed"],
                    "IntervalSeconds": 5,
                    "MaxAttempts": 3,
                    "BackoffRate": 2,
                }
            ],
            "Next": "WithinBudget",
        },
        "WithinBudget": {
            "Type": "Choice",
            "Choices": [
                {"Condition": f"{{% $states.input.recentRuns < {max_runs} %}}", "Next": "StartRetraining"}
            ],
            "Default": "NotifyBudgetExhausted",
        },
        "StartRetraining": {**_start_state(target, path), "Next": "NotifyStarted"},
        "NotifyStarted": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Arguments": {
                "TopicArn": topic_arn,
                "Subject": f"Retraining {path} started",
                "Message": f"{{% 'Retraining {path} started ' & $states.input.run & ' (run ' & "
                f"$string($states.input.recentRuns + 1) & ' of at most {max_runs} in {window}). Trigger: ' & "
                "$string($states.input.trigger) %}",
            },
            "End": True,
        },
        "NotifyBudgetExhausted": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Arguments": {
                "TopicArn": topic_arn,
                "Subject": f"Retraining {path} skipped: budget exhausted",
                "Message": f"{{% 'Retraining {path} was triggered but not started: ' & "
                f"$string($states.input.recentRuns) & ' runs in the last {window} (at most {max_runs}). "
                "Trigger: ' & $string($states.input.trigger) %}",
            },
            "End": True,
        },
    }
    return json.dumps(
        {
            "Comment": f"stackyard retraining path {path}: start the target only within its budget",
            "QueryLanguage": "JSONata",
            "StartAt": "CountRecentRuns",
            "States": states,
        },
        sort_keys=True,
    )


def pipeline_arn(region: str, account_id: str, pipeline_name: str, partition: str = "aws") -> str:
    # SageMaker lowercases pipeline names in their ARNs.
    return f"arn:{partition}:sagemaker:{region}:{account_id}:pipeline/{pipeline_name.lower()}"


def state_machine_policy(
    target: PipelineTarget | BatchTarget,
    *,
    target_arns: list[str],
    topic_arn: str,
    key_arn: str,
) -> str:
    """What the state machine may do: count and start its one target, tell the topic, use the key,
    and deliver its logs (log delivery actions take no resource ARNs)."""
    if isinstance(target, PipelineTarget):
        target_statements = [
            {
                "Sid": "CountAndStartThePipeline",
                "Effect": "Allow",
                "Action": ["sagemaker:ListPipelineExecutions", "sagemaker:StartPipelineExecution"],
                "Resource": target_arns,
            }
        ]
    else:
        target_statements = [
            {"Sid": "CountJobs", "Effect": "Allow", "Action": "batch:ListJobs", "Resource": "*"},
            {"Sid": "SubmitTheJob", "Effect": "Allow", "Action": "batch:SubmitJob", "Resource": target_arns},
        ]
    return policy_document(
        [
            *target_statements,
            {"Sid": "Notify", "Effect": "Allow", "Action": "sns:Publish", "Resource": topic_arn},
            {
                "Sid": "UseTheStackKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": key_arn,
            },
            {
                "Sid": "DeliverLogs",
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogDelivery",
                    "logs:GetLogDelivery",
                    "logs:UpdateLogDelivery",
                    "logs:DeleteLogDelivery",
                    "logs:ListLogDeliveries",
                    "logs:PutResourcePolicy",
                    "logs:DescribeResourcePolicies",
                    "logs:DescribeLogGroups",
                ],
                "Resource": "*",
            },
        ]
    )


def start_execution_policy(state_machine_arn: str) -> str:
    return policy_document(
        [{"Effect": "Allow", "Action": "states:StartExecution", "Resource": state_machine_arn}]
    )
