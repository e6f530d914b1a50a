"""`Monitoring`: the stack's alarm topic, endpoint and training alarms, dashboard, Model Monitor
schedules and retraining paths. Built last: it watches what serving and training made.

KServe endpoints get no CloudWatch alarms or Model Monitor: their metrics live in the cluster's
Prometheus, and alerting on those (Prometheus rules, Alertmanager) is out of this component's
scope. The dashboard lists them with that note, so nothing is silently unwatched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws
from stackyard.components._bucket import SecureBucket
from stackyard.components.context import StackContext
from stackyard.components.monitoring import alarms as alarm_defs
from stackyard.components.monitoring.dashboard import ClusterPanel, EndpointPanel, dashboard_body
from stackyard.components.monitoring.iam import service_trust_policy
from stackyard.components.monitoring.model_monitor import (
    PROCESSING_INPUT,
    PROCESSING_OUTPUT,
    analyzer_image,
    monitor_role_policy,
)
from stackyard.components.monitoring.retraining import (
    BatchTarget,
    PipelineTarget,
    alarm_event_pattern,
    drift_event_pattern,
    pipeline_arn,
    start_execution_policy,
    state_machine_definition,
    state_machine_policy,
)
from stackyard.components.monitoring.spec import MonitoringSpec, RetrainingSpec
from stackyard.components.refs import ServedEndpoint, TrainingCluster, endpoint_alarm_name

DEFAULT_VARIANT = "AllTraffic"
"""The variant name SageMaker's SDK gives a single-variant endpoint, used when serving names none."""
REPORT_RETENTION_DAYS = 400
"""Model Monitor reports are kept a little over a year, for year-on-year drift comparisons."""
RETRAINING_LOG_RETENTION_DAYS = 365


def _short_hash(value: str) -> str:
    """A stable resource-name suffix for a value that is no valid name (an address, a URL)."""
    return hashlib.sha256(value.encode()).hexdigest()[:10]


def topic_policy(topic_arn: str, account_id: str) -> str:
    """CloudWatch alarms and EventBridge rules of this account may publish; nobody may without TLS.
    Same-account IAM principals need no grant here: their own policies suffice."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AlarmsAndEventsOfThisAccountPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
                    "Action": "sns:Publish",
                    "Resource": topic_arn,
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                },
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sns:Publish",
                    "Resource": topic_arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        },
        sort_keys=True,
    )


class Monitoring(pulumi.ComponentResource):
    """Watches every endpoint and training cluster it is given, tells the notification targets, and
    starts retraining within budget.

    `endpoints` are serving's `ServedEndpoint`s keyed by spec name; `training_clusters` are
    training's `TrainingCluster`s keyed by spec name."""

    topic: aws.sns.Topic
    topic_arn: pulumi.Output[str]
    endpoint_alarms: dict[str, dict[str, aws.cloudwatch.MetricAlarm]]
    health_alarms: dict[str, aws.cloudwatch.CompositeAlarm]
    training_alarms: dict[str, aws.cloudwatch.MetricAlarm]
    dashboard: aws.cloudwatch.Dashboard | None
    reports_bucket: SecureBucket | None
    data_quality_jobs: dict[str, aws.sagemaker.DataQualityJobDefinition]
    monitoring_schedules: dict[str, aws.sagemaker.MonitoringSchedule]
    state_machines: dict[str, aws.sfn.StateMachine]

    def __init__(
        self,
        name: str,
        args: MonitoringSpec,
        *,
        context: StackContext,
        kms_key_arn: pulumi.Input[str],
        endpoints: Mapping[str, ServedEndpoint] | None = None,
        training_clusters: Mapping[str, TrainingCluster] | None = None,
        subnet_ids: pulumi.Input[Sequence[str]] | None = None,
        security_group_ids: pulumi.Input[Sequence[str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        endpoints = dict(endpoints or {})
        clusters = dict(training_clusters or {})
        _check_arguments(args, endpoints, clusters, subnet_ids, security_group_ids)
        super().__init__("stackyard:monitoring:Monitoring", name, None, opts)
        self._name = name
        self._context = context
        self._spec = args
        self._key_arn = kms_key_arn
        self._child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        self._account_id = aws.get_caller_identity_output(opts=invoke).account_id
        self._partition = aws.get_partition_output(opts=invoke).partition

        self.topic = self._notifications()
        self.topic_arn = self.topic.arn
        monitored = {
            key: endpoint
            for key, endpoint in sorted(endpoints.items())
            if endpoint.backend == "sagemaker" and args.endpoint_enabled(key)
        }
        self.endpoint_alarms = {}
        self.health_alarms = {}
        for key, endpoint in monitored.items():
            self._endpoint_alarms(key, endpoint)
        self.training_alarms = {}
        if args.training.enabled:
            for key, cluster in sorted(clusters.items()):
                self._training_alarms(key, cluster)
        self.reports_bucket = None
        self.data_quality_jobs = {}
        self.monitoring_schedules = {}
        for key, endpoint in monitored.items():
            if args.data_quality_for(key).enabled and endpoint.data_capture_s3_uri is not None:
                self._data_quality(key, endpoint, subnet_ids, security_group_ids)
        self.state_machines = {}
        for path in args.retraining:
            self._retraining(path, clusters)
        self.dashboard = self._dashboard(endpoints, clusters) if args.dashboard else None

        self.register_outputs(
            {
                "topic_arn": self.topic_arn,
                "health_alarm_names": {key: alarm.alarm_name for key, alarm in self.health_alarms.items()},
                "dashboard_name": self.dashboard.dashboard_name if self.dashboard else None,
                "state_machine_arns": {key: machine.arn for key, machine in self.state_machines.items()},
            }
        )

    # -- notifications ---------------------------------------------------------------------------

    def _tags(self, resource_name: str) -> dict[str, str]:
        return self._context.tags_for(resource_name)

    def _notifications(self) -> aws.sns.Topic:
        name = self._name
        topic = aws.sns.Topic(
            f"{name}-alarms",
            name=self._context.physical_name("alarms", max_length=256),
            display_name=f"{self._context.name_prefix} ML alarms",
            kms_master_key_id=self._key_arn,
            tags=self._tags(f"{name}-alarms"),
            opts=self._child,
        )
        aws.sns.TopicPolicy(
            f"{name}-alarms-policy",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, self._account_id).apply(lambda v: topic_policy(v[0], v[1])),
            opts=self._child,
        )
        notifications = self._spec.notifications
        for email in notifications.emails:
            aws.sns.TopicSubscription(
                f"{name}-email-{_short_hash(email)}",
                topic=topic.arn,
                protocol="email",
                endpoint=email,
                opts=self._child,
            )
        for url in notifications.webhooks:
            aws.sns.TopicSubscription(
                f"{name}-webhook-{_short_hash(url)}",
                topic=topic.arn,
                protocol="https",
                # Webhook URLs often carry a token: keep it out of plain-text state and logs.
                endpoint=pulumi.Output.secret(url),
                opts=self._child,
            )
        return topic

    # -- alarms ----------------------------------------------------------------------------------

    def _metric_alarm(
        self,
        resource_name: str,
        alarm_name: str,
        definition: alarm_defs.AlarmDefinition,
        *,
        notify: bool,
        notify_insufficient_data: bool = False,
    ) -> aws.cloudwatch.MetricAlarm:
        actions = [self.topic.arn] if notify else []
        return aws.cloudwatch.MetricAlarm(
            resource_name,
            name=alarm_name,
            alarm_actions=actions,
            ok_actions=actions,
            insufficient_data_actions=actions if notify_insufficient_data else [],
            tags=self._tags(resource_name),
            opts=self._child,
            **definition.alarm_args(),
        )

    def _endpoint_alarms(self, key: str, endpoint: ServedEndpoint) -> None:
        """Metric alarms without actions and one composite that notifies: one page per incident,
        not one per symptom. Serving rolls back on the metric alarms by name."""
        objectives = self._spec.objectives_for(key)
        variant = endpoint.variant_name or DEFAULT_VARIANT
        created: dict[str, aws.cloudwatch.MetricAlarm] = {}
        for definition in alarm_defs.endpoint_alarms(endpoint.endpoint_name, variant, objectives):
            created[definition.kind] = self._metric_alarm(
                f"{self._name}-{key}-{definition.kind}",
                endpoint_alarm_name(self._context, key, definition.kind),
                definition,
                notify=False,
            )
        self.endpoint_alarms[key] = created
        health = f"{self._name}-{key}-health"
        self.health_alarms[key] = aws.cloudwatch.CompositeAlarm(
            health,
            alarm_name=endpoint_alarm_name(self._context, key, "health"),
            alarm_description=f"Endpoint {key} misses one of its objectives",
            # Built from the alarms' own names, so the composite waits for them to exist.
            alarm_rule=pulumi.Output.all(*[alarm.name for alarm in created.values()]).apply(
                lambda names: alarm_defs.composite_rule(list(names))
            ),
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
            tags=self._tags(health),
            opts=self._child,
        )

    def _training_alarms(self, key: str, cluster: TrainingCluster) -> None:
        settings = self._spec.training
        for group, auto_scaling_group in sorted(cluster.gpu_node_groups.items()):
            max_size = cluster.gpu_node_group_max.get(group, 0)
            if max_size < 1:
                continue
            role = f"{key}-{group}-gpu-at-max"
            self.training_alarms[role] = self._metric_alarm(
                f"{self._name}-{role}",
                self._context.physical_name(role, max_length=255),
                alarm_defs.node_group_at_max_alarm(auto_scaling_group, max_size, settings.at_max_minutes),
                notify=True,
                notify_insufficient_data=True,
            )
        if cluster.cluster_name is not None and cluster.gpu_node_groups:
            role = f"{key}-gpu-idle"
            self.training_alarms[role] = self._metric_alarm(
                f"{self._name}-{role}",
                self._context.physical_name(role, max_length=255),
                alarm_defs.gpu_idle_alarm(
                    cluster.cluster_name, settings.idle_hours, settings.idle_gpu_utilization_percent
                ),
                notify=True,
            )

    # -- Model Monitor ---------------------------------------------------------------------------

    def _reports(self) -> SecureBucket:
        if self.reports_bucket is None:
            self.reports_bucket = SecureBucket(
                f"{self._name}-reports",
                context=self._context,
                kms_key_arn=self._key_arn,
                retention_days=REPORT_RETENTION_DAYS,
                opts=self._child,
            )
        return self.reports_bucket

    def _data_quality(
        self,
        key: str,
        endpoint: ServedEndpoint,
        subnet_ids: pulumi.Input[Sequence[str]] | None,
        security_group_ids: pulumi.Input[Sequence[str]] | None,
    ) -> None:
        settings = self._spec.data_quality_for(key)
        context = self._context
        prefix = f"{self._name}-{key}-data-quality"
        physical = context.physical_name(f"{key}-data-quality", max_length=63)
        image = analyzer_image(context.region)
        # An S3 bucket's id is its name (and, unlike `bucket`, always set once created).
        output_uri = pulumi.Output.concat("s3://", self._reports().bucket.id, f"/data-quality/{key}")
        baseline_uris = settings.baseline.uris if settings.baseline else []

        role = aws.iam.Role(
            f"{prefix}-role",
            assume_role_policy=self._account_id.apply(
                lambda account: service_trust_policy("sagemaker.amazonaws.com", account)
            ),
            tags=self._tags(f"{prefix}-role"),
            opts=self._child,
        )
        policy = aws.iam.RolePolicy(
            f"{prefix}-access",
            role=role.id,
            policy=pulumi.Output.all(
                endpoint.data_capture_s3_uri, output_uri, self._key_arn, self._account_id, self._partition
            ).apply(
                lambda v: monitor_role_policy(
                    capture_uri=v[0],
                    output_uri=v[1],
                    baseline_uris=baseline_uris,
                    key_arn=v[2],
                    region=context.region,
                    account_id=v[3],
                    image_uri=image,
                    partition=v[4],
                )
            ),
            opts=self._child,
        )
        baseline_config: aws.sagemaker.DataQualityJobDefinitionDataQualityBaselineConfigArgsDict | None = None
        if settings.baseline is not None:
            baseline_config = {"constraints_resource": {"s3_uri": settings.baseline.constraints_s3_uri}}
            if settings.baseline.statistics_s3_uri:
                baseline_config["statistics_resource"] = {"s3_uri": settings.baseline.statistics_s3_uri}
        network: aws.sagemaker.DataQualityJobDefinitionNetworkConfigArgsDict = {
            "enable_inter_container_traffic_encryption": True,
            "enable_network_isolation": True,
        }
        if subnet_ids is not None and security_group_ids is not None:
            network["vpc_config"] = {"subnets": subnet_ids, "security_group_ids": security_group_ids}
        job = aws.sagemaker.DataQualityJobDefinition(
            f"{prefix}-job",
            name=physical,
            role_arn=role.arn,
            data_quality_app_specification={"image_uri": image},
            data_quality_baseline_config=baseline_config,
            data_quality_job_input={
                "endpoint_input": {
                    "endpoint_name": endpoint.endpoint_name,
                    "local_path": PROCESSING_INPUT,
                    "s3_input_mode": "File",
                    "s3_data_distribution_type": "FullyReplicated",
                }
            },
            data_quality_job_output_config={
                "kms_key_id": self._key_arn,
                "monitoring_outputs": {
                    "s3_output": {
                        "s3_uri": output_uri,
                        "local_path": PROCESSING_OUTPUT,
                        "s3_upload_mode": "EndOfJob",
                    }
                },
            },
            job_resources={
                "cluster_config": {
                    "instance_count": settings.instance_count,
                    "instance_type": settings.instance_type,
                    "volume_size_in_gb": settings.volume_size_gb,
                    "volume_kms_key_id": self._key_arn,
                }
            },
            network_config=network,
            stopping_condition={"max_runtime_in_seconds": settings.max_runtime_minutes * 60},
            tags=self._tags(f"{prefix}-job"),
            # SageMaker checks the role's access when the definition is created.
            opts=pulumi.ResourceOptions.merge(self._child, pulumi.ResourceOptions(depends_on=[policy])),
        )
        self.data_quality_jobs[key] = job
        self.monitoring_schedules[key] = aws.sagemaker.MonitoringSchedule(
            f"{prefix}-schedule",
            name=physical,
            monitoring_schedule_config={
                "monitoring_type": "DataQuality",
                "monitoring_job_definition_name": job.name,
                "schedule_config": {"schedule_expression": settings.schedule_expression},
            },
            tags=self._tags(f"{prefix}-schedule"),
            opts=self._child,
        )

    # -- retraining ------------------------------------------------------------------------------

    def _retraining(self, path: RetrainingSpec, clusters: Mapping[str, TrainingCluster]) -> None:
        context = self._context
        prefix = f"{self._name}-retrain-{path.name}"
        physical = context.physical_name(f"retrain-{path.name}", max_length=80)
        target_spec = path.target
        if target_spec.sagemaker_pipeline:
            pipeline = target_spec.sagemaker_pipeline
            target: pulumi.Output[PipelineTarget | BatchTarget] = pulumi.Output.from_input(
                PipelineTarget(pipeline)
            )
            target_arns = pulumi.Output.all(self._account_id, self._partition).apply(
                lambda v: [pipeline_arn(context.region, v[0], pipeline, v[1])]
            )
        else:
            cluster = clusters[str(target_spec.batch_cluster)]
            job_name = context.physical_name(f"retrain-{path.name}", max_length=128)
            target = pulumi.Output.all(cluster.job_queue_arn, cluster.job_definition_arn).apply(
                lambda v: BatchTarget(job_queue_arn=v[0], job_definition_arn=v[1], job_name=job_name)
            )
            target_arns = pulumi.Output.all(cluster.job_queue_arn, cluster.job_definition_arn).apply(list)

        logs = aws.cloudwatch.LogGroup(
            f"{prefix}-logs",
            name=f"/aws/vendedlogs/states/{physical}",
            retention_in_days=RETRAINING_LOG_RETENTION_DAYS,
            kms_key_id=self._key_arn,
            tags=self._tags(f"{prefix}-logs"),
            opts=self._child,
        )
        role = aws.iam.Role(
            f"{prefix}-role",
            assume_role_policy=self._account_id.apply(
                lambda account: service_trust_policy("states.amazonaws.com", account)
            ),
            tags=self._tags(f"{prefix}-role"),
            opts=self._child,
        )
        policy = aws.iam.RolePolicy(
            f"{prefix}-access",
            role=role.id,
            policy=pulumi.Output.all(target, target_arns, self.topic.arn, self._key_arn).apply(
                lambda v: state_machine_policy(v[0], target_arns=v[1], topic_arn=v[2], key_arn=v[3])
            ),
            opts=self._child,
        )
        budget = path.budget
        machine = aws.sfn.StateMachine(
            f"{prefix}-budget",
            name=physical,
            role_arn=role.arn,
            definition=pulumi.Output.all(target, self.topic.arn).apply(
                lambda v: state_machine_definition(path.name, v[0], budget.max_runs, budget.period_days, v[1])
            ),
            logging_configuration={
                "log_destination": pulumi.Output.concat(logs.arn, ":*"),
                "include_execution_data": True,
                "level": "ALL",
            },
            encryption_configuration={
                "type": "CUSTOMER_MANAGED_KMS_KEY",
                "kms_key_id": self._key_arn,
                "kms_data_key_reuse_period_seconds": 300,
            },
            tags=self._tags(f"{prefix}-budget"),
            # Step Functions checks the role may deliver logs when the machine is created.
            opts=pulumi.ResourceOptions.merge(self._child, pulumi.ResourceOptions(depends_on=[policy])),
        )
        self.state_machines[path.name] = machine

        events_role = aws.iam.Role(
            f"{prefix}-events-role",
            assume_role_policy=self._account_id.apply(
                lambda account: service_trust_policy("events.amazonaws.com", account)
            ),
            tags=self._tags(f"{prefix}-events-role"),
            opts=self._child,
        )
        aws.iam.RolePolicy(
            f"{prefix}-events-start",
            role=events_role.id,
            policy=machine.arn.apply(start_execution_policy),
            opts=self._child,
        )
        patterns: dict[str, pulumi.Input[str]] = {}
        if path.triggers.drift:
            schedule_arns = [self.monitoring_schedules[endpoint].arn for endpoint in path.triggers.drift]
            patterns["drift"] = pulumi.Output.all(*schedule_arns).apply(
                lambda arns: json.dumps(drift_event_pattern(list(arns)), sort_keys=True)
            )
        if path.triggers.alarms:
            names = [
                endpoint_alarm_name(context, endpoint, kind)
                for endpoint, kind in path.triggers.alarm_references()
            ]
            patterns["alarms"] = json.dumps(alarm_event_pattern(names), sort_keys=True)
        for trigger, pattern in patterns.items():
            rule = aws.cloudwatch.EventRule(
                f"{prefix}-{trigger}",
                name=context.physical_name(f"retrain-{path.name}-{trigger}", max_length=64),
                description=f"Retraining {path.name}: {trigger} asks the budget check for a run",
                event_pattern=pattern,
                tags=self._tags(f"{prefix}-{trigger}"),
                opts=self._child,
            )
            aws.cloudwatch.EventTarget(
                f"{prefix}-{trigger}-target",
                rule=rule.name,
                # The budget check, never the target itself: every run passes through it.
                arn=machine.arn,
                role_arn=events_role.arn,
                opts=self._child,
            )

    # -- dashboard -------------------------------------------------------------------------------

    def _dashboard(
        self, endpoints: Mapping[str, ServedEndpoint], clusters: Mapping[str, TrainingCluster]
    ) -> aws.cloudwatch.Dashboard:
        spec = self._spec
        region = self._context.region
        shown = {key: endpoint for key, endpoint in endpoints.items() if spec.endpoint_enabled(key)}
        names = pulumi.Output.from_input(
            {
                "endpoints": {key: endpoint.endpoint_name for key, endpoint in shown.items()},
                "clusters": {key: cluster.cluster_name for key, cluster in clusters.items()},
                "groups": {key: dict(cluster.gpu_node_groups) for key, cluster in clusters.items()},
            }
        )

        def body(resolved: dict[str, Any]) -> str:
            endpoint_panels = [
                EndpointPanel(
                    key=key,
                    backend=endpoint.backend,
                    endpoint_name=resolved["endpoints"][key],
                    variant_name=endpoint.variant_name or DEFAULT_VARIANT,
                    objectives=spec.objectives_for(key),
                )
                for key, endpoint in shown.items()
            ]
            cluster_panels = (
                [
                    ClusterPanel(
                        key=key, cluster_name=resolved["clusters"][key], node_groups=resolved["groups"][key]
                    )
                    for key in clusters
                ]
                if spec.training.enabled
                else []
            )
            return dashboard_body(region, endpoint_panels, cluster_panels)

        return aws.cloudwatch.Dashboard(
            f"{self._name}-dashboard",
            dashboard_name=self._context.physical_name("ml", max_length=255),
            dashboard_body=names.apply(body),
            opts=self._child,
        )


def _check_arguments(
    spec: MonitoringSpec,
    endpoints: Mapping[str, ServedEndpoint],
    clusters: Mapping[str, TrainingCluster],
    subnet_ids: object,
    security_group_ids: object,
) -> None:
    """What the spec's own validation cannot know: the resources serving and training handed over."""
    if not spec.enabled:
        raise ValueError(
            "Monitoring: the monitoring spec is disabled (enabled: false); do not build Monitoring"
        )
    problems: list[str] = []
    if (subnet_ids is None) != (security_group_ids is None):
        problems.append("give both subnet_ids and security_group_ids, or neither")
    for path in spec.retraining:
        for endpoint in path.triggers.drift:
            served = endpoints.get(endpoint)
            if served is None:
                problems.append(f"retraining {path.name}: no endpoint '{endpoint}' was given to monitor")
            elif not (
                served.backend == "sagemaker"
                and spec.endpoint_enabled(endpoint)
                and spec.data_quality_for(endpoint).enabled
            ):
                problems.append(
                    f"retraining {path.name}: endpoint '{endpoint}' has no data quality monitoring to find drift"
                )
            elif served.data_capture_s3_uri is None:
                problems.append(
                    f"retraining {path.name}: endpoint '{endpoint}' captures no data, so Model Monitor "
                    "cannot find drift: turn on its data capture"
                )
        for endpoint, _kind in path.triggers.alarm_references():
            if endpoint not in endpoints:
                problems.append(f"retraining {path.name}: no endpoint '{endpoint}' was given to monitor")
        cluster_key = path.target.batch_cluster
        if cluster_key is not None:
            cluster = clusters.get(cluster_key)
            if cluster is None or cluster.job_queue_arn is None or cluster.job_definition_arn is None:
                problems.append(
                    f"retraining {path.name}: training cluster '{cluster_key}' with a Batch job queue and "
                    "job definition was not given"
                )
    if problems:
        raise ValueError("Monitoring: " + "; ".join(problems))
