"""Spec of the `monitoring` section: who is told, what is watched, and when retraining starts.

Every endpoint of the serving section is monitored unless the spec opts it out: the defaults in
`objectives` and `data_quality` apply to each one, and `endpoints.<name>` overrides only the fields
it sets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator

from stackyard.spec import aws
from stackyard.spec.base import Loc, SectionSpec, SpecIssues, SpecModel, duplicates

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
S3_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")
NAME = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")
CRON = re.compile(r"^cron\(.+\)$")

SCHEDULES = {"hourly": "cron(0 * ? * * *)", "daily": "cron(0 0 ? * * *)"}
"""Model Monitor runs at most hourly; these are the expressions its docs give."""

ENDPOINT_ALARM_KINDS = (
    "latency-p99",
    "errors-5xx",
    "errors-4xx",
    "invocations-low",
    "cpu-utilization",
    "memory-utilization",
    "gpu-utilization",
    "gpu-memory-utilization",
    "health",
)
"""Kinds of the alarms every SageMaker endpoint gets (`health` is the composite of the others);
`stackyard.components.refs.ROLLBACK_ALARM_KINDS` is a subset."""

_Model = TypeVar("_Model", bound=SpecModel)


def merge_set_fields(default: _Model, override: _Model | None) -> _Model:
    """`default` with the fields `override` sets explicitly: a per-endpoint override changes only
    what it names, so a later change of a default still reaches every other field."""
    if override is None:
        return default
    return default.model_copy(update={name: getattr(override, name) for name in override.model_fields_set})


class NotificationsSpec(SpecModel):
    """Who is told: every address and webhook is subscribed to the stack's alarm topic."""

    emails: list[str] = Field(
        default_factory=list,
        description="Email addresses subscribed to alarms and retraining notices (each must confirm once).",
    )
    webhooks: list[SecretStr] = Field(
        default_factory=list,
        description="HTTPS endpoints subscribed to alarms and retraining notices (e.g. a chat or paging "
        "webhook). Secret: such URLs usually carry a token, so plans, reports and logs never show them.",
    )

    @model_validator(mode="after")
    def _valid_targets(self) -> NotificationsSpec:
        issues = SpecIssues()
        for index, email in enumerate(self.emails):
            if not EMAIL.match(email):
                issues.add(("emails", index), f"'{email}' is not an email address", email)
        urls = [url.get_secret_value() for url in self.webhooks]
        for index, url in enumerate(urls):
            parts = urlsplit(url)
            if parts.scheme != "https" or not parts.hostname:
                problem = f"its scheme is '{parts.scheme}'" if parts.scheme != "https" else "it has no host"
                issues.add(
                    ("webhooks", index),
                    f"not an https:// URL ({problem}; the URL is secret and not shown): alarms may carry "
                    "model and data details, so webhooks must use TLS",
                )
        for repeated in duplicates(self.emails):
            issues.add("emails", f"'{repeated}' is listed more than once")
        for index, url in enumerate(urls):
            if url in urls[:index]:
                issues.add(("webhooks", index), f"the same URL as webhooks[{urls.index(url)}] (not shown: secret)")
        issues.raise_if_any("NotificationsSpec")
        return self

    @property
    def count(self) -> int:
        return len(self.emails) + len(self.webhooks)


class ObjectivesSpec(SpecModel):
    """What an endpoint must meet; each objective is one CloudWatch alarm.

    Utilisation objectives are percentages of the whole instance. SageMaker reports CPU and GPU
    utilisation as 100 per vCPU or GPU (4 vCPUs: 0-400), so the alarm threshold is the objective
    times `vcpus` or `gpus`; memory is already 0-100."""

    latency_p99_ms: float = Field(
        default=1000.0, gt=0, description="99th percentile model latency in milliseconds."
    )
    error_rate_5xx_percent: float = Field(
        default=1.0, gt=0, le=100, description="Highest share of invocations answered with a 5XX, in percent."
    )
    error_rate_4xx_percent: float = Field(
        default=5.0, gt=0, le=100, description="Highest share of invocations answered with a 4XX, in percent."
    )
    min_invocations_per_hour: int = Field(
        default=1,
        ge=0,
        description="Fewest invocations per hour before the endpoint counts as unused or unreachable; "
        "0 turns the alarm off.",
    )
    cpu_utilization_percent: float = Field(
        default=80.0,
        gt=0,
        le=100,
        description="Highest average CPU use, in percent of all the instance's vCPUs.",
    )
    memory_utilization_percent: float = Field(
        default=85.0, gt=0, le=100, description="Highest average memory use, in percent."
    )
    gpu_utilization_percent: float = Field(
        default=90.0,
        gt=0,
        le=100,
        description="Highest average GPU use, in percent of all the instance's GPUs.",
    )
    gpu_memory_utilization_percent: float = Field(
        default=90.0, gt=0, le=100, description="Highest average GPU memory use, in percent of all GPUs."
    )
    vcpus: int = Field(
        default=1,
        ge=1,
        description="vCPUs of the endpoint's instance type, to scale the CPU threshold to CloudWatch's "
        "100-per-vCPU units. The default 1 alarms early on larger instances.",
    )
    gpus: int = Field(
        default=0,
        ge=0,
        description="GPUs of the endpoint's instance type; GPU alarms are created only when above 0.",
    )
    evaluation_minutes: int = Field(
        default=5,
        ge=1,
        le=60,
        description="Consecutive minutes an objective must be missed before its alarm fires.",
    )


class BaselineSpec(SpecModel):
    """What Model Monitor compares captured traffic against: the constraints (and statistics) that a
    baselining job (`DefaultModelMonitor.suggest_baseline` on the training dataset) wrote to S3.
    Running that job is the training pipeline's work: Pulumi has no processing-job resource."""

    constraints_s3_uri: str = Field(description="S3 URI of the baseline's constraints.json.")
    statistics_s3_uri: str | None = Field(
        default=None, description="S3 URI of the baseline's statistics.json (for distribution drift)."
    )

    @model_validator(mode="after")
    def _uris(self) -> BaselineSpec:
        issues = SpecIssues()
        for field in ("constraints_s3_uri", "statistics_s3_uri"):
            value = getattr(self, field)
            if value and not S3_URI.match(value):
                issues.add(field, f"'{value}' is not an S3 URI (s3://bucket/key)", value)
        issues.raise_if_any("BaselineSpec")
        return self

    @property
    def uris(self) -> list[str]:
        return [uri for uri in (self.constraints_s3_uri, self.statistics_s3_uri) if uri]


class DataQualitySpec(SpecModel):
    """A Model Monitor data quality schedule on an endpoint's captured traffic."""

    enabled: bool = Field(
        default=True, description="Run data quality monitoring on endpoints that capture data."
    )
    schedule: str = Field(
        default="hourly", description="'hourly', 'daily' or a Model Monitor cron expression, cron(...)."
    )
    instance_type: str = Field(default="ml.m5.xlarge", description="Processing instance type of the job.")
    instance_count: int = Field(default=1, ge=1, le=10, description="Processing instances per run.")
    volume_size_gb: int = Field(default=20, ge=1, le=512, description="Encrypted volume per instance, GB.")
    max_runtime_minutes: int = Field(
        default=55,
        ge=1,
        le=60,
        description="A run is stopped after this long; Model Monitor allows at most an hour.",
    )
    baseline: BaselineSpec | None = Field(
        default=None,
        description="Constraints to check against. Without one, runs only record statistics and never "
        "report violations (so cannot trigger retraining).",
    )

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        if value not in SCHEDULES and not CRON.match(value):
            raise ValueError(f"'{value}' is not 'hourly', 'daily' or a cron(...) expression")
        return value

    @field_validator("instance_type")
    @classmethod
    def _instance_type(cls, value: str) -> str:
        known = aws.sagemaker_instance_types("ProcessingInstanceType")
        if value not in known:
            hint = aws.closest(value, set(known))
            raise ValueError(
                f"'{value}' is not a SageMaker processing instance type"
                + (f"; did you mean {', '.join(hint)}?" if hint else "")
            )
        return value

    @property
    def schedule_expression(self) -> str:
        return SCHEDULES.get(self.schedule, self.schedule)


class EndpointMonitoringSpec(SpecModel):
    """Overrides for one endpoint; fields left out keep the section's defaults."""

    enabled: bool = Field(default=True, description="Monitor this endpoint (alarms, Model Monitor).")
    objectives: ObjectivesSpec | None = Field(
        default=None, description="Objectives that differ from monitoring.objectives (only those set)."
    )
    data_quality: DataQualitySpec | None = Field(
        default=None, description="Data quality settings that differ from monitoring.data_quality."
    )


class TrainingAlarmsSpec(SpecModel):
    """Cost and capacity alarms for the GPU node groups of the training section's EKS clusters.

    `at_max_minutes` reads the node group's Auto Scaling group metric GroupInServiceInstances,
    which AWS publishes only once group metrics collection is enabled on that group. `idle_hours`
    reads Container Insights' `node_gpu_utilization`, which needs the Amazon CloudWatch
    Observability EKS add-on (with its NVIDIA DCGM GPU metrics) on the cluster. Without them the
    capacity alarm reports INSUFFICIENT_DATA, which is sent to the topic, so a blind alarm is
    noticed; the idle alarm reads no data as no GPU nodes running (nothing to pay for) and stays OK."""

    enabled: bool = Field(default=True, description="Create alarms for the training clusters.")
    at_max_minutes: int = Field(
        default=60,
        ge=1,
        le=1440,
        description="Alarm when a GPU node group has run at its maximum size this many minutes: jobs are "
        "queueing for GPUs.",
    )
    idle_hours: int = Field(
        default=2,
        ge=1,
        le=24,
        description="Alarm when GPU nodes have run this many hours below idle_gpu_utilization_percent: "
        "paid-for GPUs doing nothing.",
    )
    idle_gpu_utilization_percent: float = Field(
        default=5.0, gt=0, le=100, description="GPU utilisation below which a cluster's GPUs count as idle."
    )


class RetrainingTriggersSpec(SpecModel):
    """Events that ask for a retraining run."""

    drift: list[str] = Field(
        default_factory=list,
        description="Endpoints whose Model Monitor data quality runs finding violations trigger a run.",
    )
    alarms: list[str] = Field(
        default_factory=list,
        description="Endpoint alarms, as '<endpoint>:<kind>' (e.g. 'churn:errors-5xx'), whose going into "
        f"ALARM triggers a run. Kinds: {', '.join(ENDPOINT_ALARM_KINDS)}.",
    )

    @model_validator(mode="after")
    def _some_trigger(self) -> RetrainingTriggersSpec:
        issues = SpecIssues()
        if not self.drift and not self.alarms:
            issues.add("drift", "give at least one trigger: drift endpoints or alarms")
        for index, reference in enumerate(self.alarms):
            endpoint, _, kind = reference.partition(":")
            if not endpoint or kind not in ENDPOINT_ALARM_KINDS:
                issues.add(
                    ("alarms", index),
                    f"'{reference}' is not '<endpoint>:<kind>' with kind one of {', '.join(ENDPOINT_ALARM_KINDS)}",
                    reference,
                )
        for name, values in (("drift", self.drift), ("alarms", self.alarms)):
            for repeated in duplicates(values):
                issues.add(name, f"'{repeated}' is listed more than once")
        issues.raise_if_any("RetrainingTriggersSpec")
        return self

    def alarm_references(self) -> list[tuple[str, str]]:
        return [(ref.partition(":")[0], ref.partition(":")[2]) for ref in self.alarms]


class RetrainingTargetSpec(SpecModel):
    """What a retraining run is: a SageMaker pipeline execution, or a Batch job on a training cluster."""

    sagemaker_pipeline: str | None = Field(
        default=None, description="Name of the SageMaker pipeline to start."
    )
    batch_cluster: str | None = Field(
        default=None,
        description="Name of an AWS Batch cluster of the training section; its job definition is submitted "
        "to its job queue.",
    )

    @model_validator(mode="after")
    def _one_target(self) -> RetrainingTargetSpec:
        issues = SpecIssues()
        if bool(self.sagemaker_pipeline) == bool(self.batch_cluster):
            issues.add(
                "sagemaker_pipeline", "give either sagemaker_pipeline or batch_cluster, not both or neither"
            )
        if self.sagemaker_pipeline and not re.match(
            r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$", self.sagemaker_pipeline
        ):
            issues.add("sagemaker_pipeline", f"'{self.sagemaker_pipeline}' is not a SageMaker pipeline name")
        issues.raise_if_any("RetrainingTargetSpec")
        return self


class RetrainingBudgetSpec(SpecModel):
    """How many runs the target may have started in a rolling period; checked in AWS before each start."""

    max_runs: int = Field(default=2, ge=1, le=100, description="Most runs of the target per period.")
    period_days: int = Field(default=7, ge=1, le=90, description="Length of the rolling period, in days.")


class RetrainingSpec(SpecModel):
    """One retraining path: triggers -> budget check -> target."""

    name: str = Field(description="Name of the path: lowercase letters, digits and hyphens.")
    triggers: RetrainingTriggersSpec = Field(description="Events that ask for a run.")
    target: RetrainingTargetSpec = Field(description="What a run starts.")
    budget: RetrainingBudgetSpec = Field(
        default_factory=RetrainingBudgetSpec, description="At most max_runs per period_days."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError(
                f"'{value}' must be 2-40 lowercase letters, digits and hyphens, starting with a letter"
            )
        return value


def _serving_endpoints(stack: Any) -> dict[str, str]:
    """Endpoint name -> backend of the stack's serving section (duck-typed: serving is its own module)."""
    serving = getattr(stack, "serving", None)
    return {
        str(endpoint.name): str(getattr(endpoint, "backend", "sagemaker"))
        for endpoint in getattr(serving, "endpoints", None) or []
    }


def _training_clusters(stack: Any) -> dict[str, str]:
    training = getattr(stack, "training", None)
    return {
        str(cluster.name): str(getattr(cluster, "backend", ""))
        for cluster in getattr(training, "clusters", None) or []
    }


def _unknown(kind: str, name: str, known: Iterable[str]) -> str:
    names = sorted(known)
    hint = aws.closest(name, set(names))
    return f"no {kind} named '{name}' ({kind}s: {', '.join(names) or 'none'})" + (
        f"; did you mean {', '.join(hint)}?" if hint else ""
    )


class MonitoringSpec(SectionSpec):
    """Alarms, dashboard, Model Monitor schedules and retraining triggers for the stack's endpoints
    and training clusters."""

    enabled: bool = Field(
        default=True,
        description="Monitor the stack. Off removes every alarm, including the ones serving's blue/green "
        "rollouts roll back on.",
    )
    notifications: NotificationsSpec = Field(
        default_factory=NotificationsSpec, description="Who is told about alarms and retraining."
    )
    objectives: ObjectivesSpec = Field(
        default_factory=ObjectivesSpec, description="Objectives every endpoint is held to unless overridden."
    )
    data_quality: DataQualitySpec = Field(
        default_factory=DataQualitySpec,
        description="Model Monitor data quality settings for every SageMaker endpoint that captures data.",
    )
    endpoints: dict[str, EndpointMonitoringSpec] = Field(
        default_factory=dict, description="Per-endpoint overrides, keyed by the serving endpoint's name."
    )
    training: TrainingAlarmsSpec = Field(
        default_factory=TrainingAlarmsSpec,
        description="Capacity and idle-cost alarms for GPU training clusters.",
    )
    retraining: list[RetrainingSpec] = Field(
        default_factory=list, description="Retraining paths: triggers, target and budget."
    )
    dashboard: bool = Field(default=True, description="Create the stack's CloudWatch dashboard.")

    @model_validator(mode="after")
    def _rules(self) -> MonitoringSpec:
        issues = SpecIssues()
        if self.enabled and self.notifications.count == 0:
            issues.add(
                "notifications",
                "monitoring is on but has no notification target: add an email or an https webhook "
                "under monitoring.notifications, or set monitoring.enabled: false",
            )
        for repeated in duplicates(path.name for path in self.retraining):
            issues.add("retraining", f"retraining path '{repeated}' is defined more than once")
        issues.raise_if_any("MonitoringSpec")
        return self

    def required_services(self) -> set[str]:
        if not self.enabled:
            return set()
        services = {"sns", "cloudwatch"}
        if self.retraining:
            services |= {"events", "stepfunctions"}
        if self.data_quality.enabled or any(path.target.sagemaker_pipeline for path in self.retraining):
            services.add("sagemaker")
        return services

    def endpoint_enabled(self, endpoint: str) -> bool:
        override = self.endpoints.get(endpoint)
        return self.enabled and (override is None or override.enabled)

    def objectives_for(self, endpoint: str) -> ObjectivesSpec:
        override = self.endpoints.get(endpoint)
        return merge_set_fields(self.objectives, override.objectives if override else None)

    def data_quality_for(self, endpoint: str) -> DataQualitySpec:
        override = self.endpoints.get(endpoint)
        return merge_set_fields(self.data_quality, override.data_quality if override else None)

    def stack_issues(self, stack: Any) -> Iterable[tuple[Loc, str]]:
        if not self.enabled:
            return []
        issues: list[tuple[Loc, str]] = []
        endpoints = _serving_endpoints(stack)
        for name in self.endpoints:
            if name not in endpoints:
                issues.append((("endpoints", name), _unknown("serving endpoint", name, endpoints)))
        clusters = _training_clusters(stack)
        for index, path in enumerate(self.retraining):
            where: Loc = ("retraining", index)
            for position, endpoint in enumerate(path.triggers.drift):
                loc = (*where, "triggers", "drift", position)
                if endpoint not in endpoints:
                    issues.append((loc, _unknown("serving endpoint", endpoint, endpoints)))
                elif endpoints[endpoint] != "sagemaker":
                    issues.append(
                        (
                            loc,
                            f"endpoint '{endpoint}' is not a SageMaker endpoint: Model Monitor "
                            "watches SageMaker endpoints only",
                        )
                    )
                elif not self.endpoint_enabled(endpoint):
                    issues.append(
                        (loc, f"endpoint '{endpoint}' is not monitored (endpoints.{endpoint}.enabled)")
                    )
                else:
                    quality = self.data_quality_for(endpoint)
                    if not quality.enabled or quality.baseline is None:
                        issues.append(
                            (
                                loc,
                                f"endpoint '{endpoint}' has no data quality baseline, so it never "
                                f"reports drift: set monitoring.endpoints.{endpoint}.data_quality.baseline",
                            )
                        )
            for position, (endpoint, kind) in enumerate(path.triggers.alarm_references()):
                loc = (*where, "triggers", "alarms", position)
                if endpoint not in endpoints:
                    issues.append((loc, _unknown("serving endpoint", endpoint, endpoints)))
                elif endpoints[endpoint] != "sagemaker":
                    issues.append(
                        (loc, f"endpoint '{endpoint}' is served by KServe, which has no CloudWatch alarms")
                    )
                elif not self.endpoint_enabled(endpoint):
                    issues.append(
                        (loc, f"endpoint '{endpoint}' is not monitored (endpoints.{endpoint}.enabled)")
                    )
                elif kind not in alarm_kinds(self.objectives_for(endpoint)):
                    issues.append((loc, f"endpoint '{endpoint}' has no '{kind}' alarm with its objectives"))
            cluster = path.target.batch_cluster
            if cluster is not None:
                loc = (*where, "target", "batch_cluster")
                if cluster not in clusters:
                    issues.append((loc, _unknown("training cluster", cluster, clusters)))
                elif clusters[cluster] != "batch":
                    issues.append((loc, f"training cluster '{cluster}' is not an AWS Batch cluster"))
        return issues


def alarm_kinds(objectives: ObjectivesSpec) -> list[str]:
    """The alarms an endpoint with these objectives gets, in a stable order (the composite last)."""
    kinds = ["latency-p99", "errors-5xx", "errors-4xx"]
    if objectives.min_invocations_per_hour > 0:
        kinds.append("invocations-low")
    kinds += ["cpu-utilization", "memory-utilization"]
    if objectives.gpus > 0:
        kinds += ["gpu-utilization", "gpu-memory-utilization"]
    kinds.append("health")
    return kinds


def endpoint_is_monitored(stack: Any, endpoint: str) -> bool:
    """Whether monitoring creates the endpoint's alarms, so serving knows whether its blue/green
    rollback may name them (`refs.rollback_alarm_names`): no monitoring section, monitoring off or
    the endpoint opted out all mean no alarms."""
    monitoring = getattr(stack, "monitoring", None)
    return isinstance(monitoring, MonitoringSpec) and monitoring.endpoint_enabled(endpoint)
