"""`RetrainingPath`: the EventBridge rules of one path's triggers, and the Step Functions state
machine they start, which checks the budget before it starts the target (see `retraining_documents`)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from stackyard.components.context import StackContext
from stackyard.components.errors import ComponentArgumentError
from stackyard.components.iam import service_role
from stackyard.components.monitoring.retraining_documents import (
    BatchTarget,
    PipelineTarget,
    alarm_event_pattern,
    drift_event_pattern,
    pipeline_arn,
    start_execution_policy,
    state_machine_definition,
    state_machine_policy,
)
from stackyard.components.monitoring.spec import RetrainingSpec
from stackyard.components.refs import TrainingCluster, endpoint_alarm_name

LOG_RETENTION_DAYS = 365


class RetrainingPath(pulumi.ComponentResource):
    """trigger rules -> budget check (state machine) -> SageMaker pipeline or Batch job.

    `schedule_arns` maps each drift-trigger endpoint to its Model Monitor schedule's ARN;
    `batch_cluster` is the training cluster a Batch target submits to."""

    state_machine: aws.sfn.StateMachine
    rules: dict[str, aws.cloudwatch.EventRule]

    def __init__(
        self,
        name: str,
        args: RetrainingSpec,
        *,
        context: StackContext,
        topic_arn: pulumi.Input[str],
        kms_key_arn: pulumi.Input[str],
        account_id: pulumi.Input[str],
        partition: pulumi.Input[str],
        schedule_arns: Mapping[str, pulumi.Input[str]] | None = None,
        batch_cluster: TrainingCluster | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        schedule_arns = dict(schedule_arns or {})
        missing = [endpoint for endpoint in args.triggers.drift if endpoint not in schedule_arns]
        if missing:
            raise ComponentArgumentError(
                "stackyard:monitoring:RetrainingPath", name, f"retraining path {args.name}: no Model Monitor schedule for {', '.join(missing)}"
            )
        if args.target.batch_cluster and (
            batch_cluster is None
            or batch_cluster.job_queue_arn is None
            or batch_cluster.job_definition_arn is None
        ):
            raise ComponentArgumentError(
                "stackyard:monitoring:RetrainingPath",
                name,
                f"retraining path {args.name}: training cluster '{args.target.batch_cluster}' with a Batch job "
                "queue and job definition was not given",
            )
        super().__init__("stackyard:monitoring:RetrainingPath", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        physical = context.physical_name(f"retrain-{args.name}", max_length=80)

        target: pulumi.Output[PipelineTarget | BatchTarget]
        target_arns: pulumi.Output[list[str]]
        if args.target.sagemaker_pipeline:
            pipeline = args.target.sagemaker_pipeline
            target = pulumi.Output.from_input(PipelineTarget(pipeline))
            target_arns = pulumi.Output.all(account_id, partition).apply(
                lambda v: [pipeline_arn(context.region, v[0], pipeline, v[1])]
            )
        else:
            assert batch_cluster is not None  # checked above
            job_name = context.physical_name(f"retrain-{args.name}", max_length=128)
            queue_and_definition = pulumi.Output.all(
                batch_cluster.job_queue_arn, batch_cluster.job_definition_arn
            )
            target = queue_and_definition.apply(
                lambda v: BatchTarget(job_queue_arn=v[0], job_definition_arn=v[1], job_name=job_name)
            )
            target_arns = queue_and_definition.apply(list)

        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            # The prefix Step Functions' log delivery is allowed to write to without a resource policy per group.
            name=f"/aws/vendedlogs/states/{physical}",
            retention_in_days=LOG_RETENTION_DAYS,
            kms_key_id=kms_key_arn,
            tags=context.tags_for(f"{name}-logs"),
            opts=child,
        )
        role = service_role(
            f"{name}-role",
            "states.amazonaws.com",
            source_account=account_id,
            tags=context.tags_for(f"{name}-role"),
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-access",
            role=role.id,
            policy=pulumi.Output.all(target, target_arns, topic_arn, kms_key_arn).apply(
                lambda v: state_machine_policy(v[0], target_arns=v[1], topic_arn=v[2], key_arn=v[3])
            ),
            opts=child,
        )
        budget = args.budget
        self.state_machine = aws.sfn.StateMachine(
            f"{name}-budget",
            name=physical,
            role_arn=role.arn,
            definition=pulumi.Output.all(target, topic_arn).apply(
                lambda v: state_machine_definition(args.name, v[0], budget.max_runs, budget.period_days, v[1])
            ),
            logging_configuration={
                "log_destination": pulumi.Output.concat(logs.arn, ":*"),
                "include_execution_data": True,
                "level": "ALL",
            },
            encryption_configuration={
                "type": "CUSTOMER_MANAGED_KMS_KEY",
                "kms_key_id": kms_key_arn,
                "kms_data_key_reuse_period_seconds": 300,
            },
            tags=context.tags_for(f"{name}-budget"),
            # Step Functions checks that the role may deliver logs when the machine is created.
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[policy])),
        )

        events_role = service_role(
            f"{name}-events-role",
            "events.amazonaws.com",
            source_account=account_id,
            tags=context.tags_for(f"{name}-events-role"),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-events-start",
            role=events_role.id,
            policy=self.state_machine.arn.apply(start_execution_policy),
            opts=child,
        )
        patterns: dict[str, pulumi.Input[str]] = {}
        if args.triggers.drift:
            patterns["drift"] = pulumi.Output.all(*[schedule_arns[e] for e in args.triggers.drift]).apply(
                lambda arns: json.dumps(drift_event_pattern(list(arns)), sort_keys=True)
            )
        if args.triggers.alarms:
            names = [endpoint_alarm_name(context, e, kind) for e, kind in args.triggers.alarm_references()]
            patterns["alarms"] = json.dumps(alarm_event_pattern(names), sort_keys=True)
        self.rules = {}
        for trigger, pattern in patterns.items():
            rule = aws.cloudwatch.EventRule(
                f"{name}-{trigger}",
                name=context.physical_name(f"retrain-{args.name}-{trigger}", max_length=64),
                description=f"Retraining {args.name}: {trigger} asks the budget check for a run",
                event_pattern=pattern,
                tags=context.tags_for(f"{name}-{trigger}"),
                opts=child,
            )
            aws.cloudwatch.EventTarget(
                f"{name}-{trigger}-target",
                rule=rule.name,
                # The budget check, never the target itself: every run passes through it.
                arn=self.state_machine.arn,
                role_arn=events_role.arn,
                opts=child,
            )
            self.rules[trigger] = rule
        self.register_outputs({"state_machine_arn": self.state_machine.arn})
