"""`Monitoring`: the stack's alarm topic, endpoint and training alarms, dashboard, Model Monitor
schedules and retraining paths. Built last: it watches what serving and training made.

KServe endpoints get no CloudWatch alarms or Model Monitor: their metrics live in the cluster's
Prometheus, and alerting on those (Prometheus rules, Alertmanager) is out of this component's
scope. The dashboard lists them with that note, so nothing is silently unwatched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from stackyard.components.bucket import SecureBucket
from stackyard.components.context import StackContext
from stackyard.components.errors import ComponentArgumentError
from stackyard.components.iam import policy_document
from stackyard.components.monitoring import alarms as alarm_defs
from stackyard.components.monitoring.dashboard import ClusterPanel, EndpointPanel, dashboard_body
from stackyard.components.monitoring.data_quality import DataQualityMonitor
from stackyard.components.monitoring.retraining_resources import RetrainingPath
from stackyard.components.monitoring.spec import MonitoringSpec
from stackyard.components.refs import ServedEndpoint, TrainingCluster, endpoint_alarm_name

DEFAULT_VARIANT = "AllTraffic"
"""The variant name SageMaker's SDK gives a single-variant endpoint, used when serving names none."""
REPORT_RETENTION_DAYS = 400
"""Model Monitor reports are kept a little over a year, for year-on-year drift comparisons."""


def _short_hash(value: str) -> str:
    """A stable resource-name suffix for a value that is no valid name (an address, a URL)."""
    return hashlib.sha256(value.encode()).hexdigest()[:10]


def topic_policy(topic_arn: str, account_id: str) -> str:
    """CloudWatch alarms and EventBridge rules of this account may publish; nobody may without TLS.
    Same-account IAM principals need no grant here: their own policies suffice."""
    return policy_document(
        [
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
        ]
    )


MONITORING = "stackyard:monitoring:Monitoring"


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
    data_quality: dict[str, DataQualityMonitor]
    retraining: dict[str, RetrainingPath]

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
        _check_arguments(name, args, endpoints)
        super().__init__(MONITORING, name, None, opts)
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
        self.data_quality = {}
        for key, endpoint in monitored.items():
            if not args.data_quality_for(key).enabled:
                continue
            if endpoint.data_capture_s3_uri is None:
                pulumi.log.warn(
                    f"endpoint '{key}' captures no data: no Model Monitor data quality for it", self
                )
                continue
            self.data_quality[key] = DataQualityMonitor(
                f"{name}-{key}-data-quality",
                args.data_quality_for(key),
                context=context,
                endpoint_key=key,
                endpoint=endpoint,
                kms_key_arn=kms_key_arn,
                # An S3 bucket's id is its name (and, unlike `bucket`, always set once created).
                reports_uri=pulumi.Output.concat("s3://", self._reports().bucket.id, f"/data-quality/{key}"),
                account_id=self._account_id,
                partition=self._partition,
                subnet_ids=subnet_ids,
                security_group_ids=security_group_ids,
                opts=self._child,
            )
        self.retraining = {
            path.name: RetrainingPath(
                f"{name}-retrain-{path.name}",
                path,
                context=context,
                topic_arn=self.topic_arn,
                kms_key_arn=kms_key_arn,
                account_id=self._account_id,
                partition=self._partition,
                schedule_arns={
                    endpoint: self.data_quality[endpoint].schedule.arn for endpoint in path.triggers.drift
                },
                batch_cluster=clusters.get(path.target.batch_cluster) if path.target.batch_cluster else None,
                opts=self._child,
            )
            for path in args.retraining
        }
        self.dashboard = self._dashboard(endpoints, clusters) if args.dashboard else None

        self.register_outputs(
            {
                "topic_arn": self.topic_arn,
                "health_alarm_names": {key: alarm.alarm_name for key, alarm in self.health_alarms.items()},
                "dashboard_name": self.dashboard.dashboard_name if self.dashboard else None,
                "state_machine_arns": {key: path.state_machine.arn for key, path in self.retraining.items()},
            }
        )

    # -- notifications ---------------------------------------------------------------------------

    def _tags(self, resource_name: str) -> dict[str, str]:
        return self._context.tags_for(resource_name)

    def _notifications(self) -> aws.sns.Topic:
        name = self._name
        topic = aws.sns.Topic(
            f"{name}-alarms",
            name=self._context.physical_name("alarms", 256),
            display_name=f"{self._context.name_prefix} ML alarms",
            kms_master_key_id=self._key_arn,
            tags=self._tags(f"{name}-alarms"),
            opts=self._child,
        )
        # The policy names the topic by the ARN its known name gives (not by `topic.arn`), so the
        # policy is known at preview and its principals can be checked before the topic exists.
        topic_arn = pulumi.Output.all(self._partition, self._account_id).apply(
            lambda v: (
                f"arn:{v[0]}:sns:{self._context.region}:{v[1]}:{self._context.physical_name('alarms', 256)}"
            )
        )
        aws.sns.TopicPolicy(
            f"{name}-alarms-policy",
            arn=topic.arn,
            policy=pulumi.Output.all(topic_arn, self._account_id).apply(lambda v: topic_policy(v[0], v[1])),
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
        for secret_url in notifications.webhooks:
            url = secret_url.get_secret_value()
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
        """One bucket for every endpoint's reports, created with the first monitor that needs it."""
        if self.reports_bucket is None:
            self.reports_bucket = SecureBucket(
                f"{self._name}-reports",
                context=self._context,
                kms_key_arn=self._key_arn,
                retention_days=REPORT_RETENTION_DAYS,
                opts=self._child,
            )
        return self.reports_bucket

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
    name: str,
    spec: MonitoringSpec,
    endpoints: Mapping[str, ServedEndpoint],
) -> None:
    """What the spec's own validation cannot know: the endpoints serving handed over."""
    if not spec.enabled:
        raise ComponentArgumentError(
            MONITORING, name, "the monitoring spec is disabled (enabled: false); do not build Monitoring"
        )
    problems: list[str] = []
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
    if problems:
        raise ComponentArgumentError(MONITORING, name, "; ".join(problems))
