"""Serving reliability: production endpoints are redundant, scale, capture data and are watched."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from stackyard.policies import resource_properties
from stackyard.policies.catalog import ResourceCheck, StackCheck, known_names, resource_rule, stack_rule

_AVAILABILITY = {
    "nist-800-53": ["CP-2", "SC-5", "SC-36"],
    "iso-27001": ["A.8.14", "A.5.30"],
    "soc2": ["A1.1", "A1.2"],
}
_MONITORING = {
    "nist-800-53": ["SI-4", "AU-6", "CA-7"],
    "iso-27001": ["A.8.16"],
    "hipaa": ["164.308(a)(1)(ii)(D)"],
    "soc2": ["CC7.2", "A1.1"],
}

ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
LATENCY_METRICS = frozenset({"ModelLatency", "OverheadLatency", "ModelSetupTime"})
ERROR_METRICS = frozenset(
    {"Invocation5XXErrors", "Invocation4XXErrors", "InvocationModelErrors", "ModelError"}
)


def endpoint_configs(ctx: StackCheck, endpoint: PolicyResource) -> list[PolicyResource]:
    return ctx.referenced(endpoint, "endpointConfigName", [ENDPOINT_CONFIG])


def scaling_targets(ctx: StackCheck, endpoint: PolicyResource) -> list[PolicyResource]:
    """Application Auto Scaling targets of an endpoint: through a property dependency of `resourceId`
    on the endpoint, or a literal `endpoint/<name>/variant/<variant>`."""
    name = str(endpoint.props["name"]) if endpoint.props.get("name") else None
    found = []
    for target in ctx.of_type(SCALING_TARGET):
        if target.props.get("serviceNamespace") != "sagemaker":
            continue
        deps = target.property_dependencies.get("resourceId", [])
        if endpoint in deps or (
            not deps and name and str(target.props.get("resourceId", "")).startswith(f"endpoint/{name}/")
        ):
            found.append(target)
    return found


def _target_variant(target: PolicyResource) -> str | None:
    """The variant a target scales, when its resourceId is known at preview."""
    deps = target.property_dependencies.get("resourceId", [])
    if deps:
        return None
    parts = str(target.props.get("resourceId", "")).split("/")
    return parts[3] if len(parts) == 4 and parts[2] == "variant" else None


def _instance_variants(config: PolicyResource) -> list[Any]:
    return [
        v for v in resource_properties.as_list(config.props.get("productionVariants")) if not v.get("serverlessConfig")
    ]


@stack_rule(
    id="SY-SRV-001",
    name="prod-endpoint-redundancy",
    group="serving",
    severity="high",
    enforcement="mandatory",
    description="Production real-time endpoints run at least two instances per variant (initial count, or "
    "the autoscaling minimum), so one instance or Availability Zone can fail.",
    remediation="Set initial_instance_count (and the autoscaling min_capacity) to at least "
    "minServingInstances; SageMaker spreads the instances across Availability Zones.",
    frameworks=_AVAILABILITY,
    peers={"aws-config": ["sagemaker-endpoint-config-prod-instance-count"]},
    settings=["environment", "minServingInstances"],
)
def prod_endpoint_redundancy(ctx: StackCheck) -> None:
    minimum = int(ctx.config["minServingInstances"])
    for endpoint in ctx.of_type(ENDPOINT):
        with ctx.guard(endpoint):
            if ctx.environment(endpoint) != "prod":
                continue
            targets = scaling_targets(ctx, endpoint)
            for config in endpoint_configs(ctx, endpoint):
                for variant in _instance_variants(config):
                    variant_name = str(variant.get("variantName", ""))
                    matching = [t for t in targets if _target_variant(t) in (None, variant_name)]
                    if matching:
                        count = min(int(t.props.get("minCapacity", 0)) for t in matching)
                        source = "autoscaling minimum"
                    else:
                        count = int(variant.get("initialInstanceCount", 1))
                        source = "instance count"
                    if count < minimum:
                        ctx.violation(
                            f"variant '{variant_name}' has {source} {count}, fewer than {minimum}", endpoint
                        )


@resource_rule(
    id="SY-SRV-002",
    name="prod-endpoint-data-capture",
    group="serving",
    severity="medium",
    enforcement="mandatory",
    description="Production endpoint configurations capture requests and responses, which Model Monitor "
    "needs to detect drift.",
    remediation="Set data_capture_config with enable_capture=True, an S3 destination, a KMS key and an "
    "initial_sampling_percentage above 0.",
    frameworks=_MONITORING,
    peers={},
    types=[ENDPOINT_CONFIG],
    settings=["environment"],
)
def prod_endpoint_data_capture(ctx: ResourceCheck) -> None:
    environment = ctx.environment()
    if environment != "prod":
        ctx.not_applicable(f"applies in prod, not in '{environment}'")
    capture = resource_properties.get_path(ctx.props, "dataCaptureConfig")
    if not capture or capture.get("enableCapture") is False:
        ctx.violation("data capture is off")
    elif float(capture.get("initialSamplingPercentage", 0)) <= 0:
        ctx.violation("data capture samples 0% of requests")


@stack_rule(
    id="SY-SRV-003",
    name="prod-endpoint-autoscaling",
    group="serving",
    severity="medium",
    enforcement="mandatory",
    description="Production endpoints have an autoscaling target with a scaling policy.",
    remediation="Register an aws.appautoscaling.Target (sagemaker:variant:DesiredInstanceCount) for each "
    "variant and attach an aws.appautoscaling.Policy (target tracking on invocations per instance).",
    frameworks=_AVAILABILITY,
    peers={},
    settings=["environment"],
)
def prod_endpoint_autoscaling(ctx: StackCheck) -> None:
    for endpoint in ctx.of_type(ENDPOINT):
        with ctx.guard(endpoint):
            if ctx.environment(endpoint) != "prod":
                continue
            targets = scaling_targets(ctx, endpoint)
            if not targets:
                ctx.violation("endpoint has no autoscaling target", endpoint)
                continue
            for target in targets:
                policies = [
                    p
                    for p in ctx.of_type(SCALING_POLICY)
                    if any(d is target for d in p.property_dependencies.get("resourceId", []))
                    or (
                        not p.property_dependencies.get("resourceId")
                        and "resourceId" in target.props
                        and p.props.get("resourceId") == target.props["resourceId"]
                    )
                ]
                if not policies:
                    ctx.violation(f"autoscaling target '{target.name}' has no scaling policy", endpoint)


def _alarm_metrics(alarm: PolicyResource) -> list[tuple[str, str, Any]]:
    """(namespace, metric, dimensions) of an alarm: its single metric or each of its metric queries."""
    metrics = []
    if alarm.props.get("metricName"):
        metrics.append(
            (
                str(alarm.props.get("namespace", "")),
                str(alarm.props["metricName"]),
                alarm.props.get("dimensions") or {},
            )
        )
    for query in resource_properties.as_list(alarm.props.get("metricQueries")):
        metric = resource_properties.get_path(query, "metric")
        if metric:
            metrics.append(
                (
                    str(metric.get("namespace", "")),
                    str(metric.get("metricName", "")),
                    metric.get("dimensions") or {},
                )
            )
    return metrics


@dataclass
class _AlarmWatch:
    """The SageMaker metrics the stack's alarms watch, by endpoint: an alarm's metrics count for the
    endpoints its dimensions or metric queries depend on (by URN), and for the endpoint its literal
    EndpointName dimension names."""

    by_urn: dict[str, set[str]] = field(default_factory=dict)
    by_name: dict[str, set[str]] = field(default_factory=dict)
    unreadable: UnknownValueError | None = None
    """An alarm whose metrics are unknown at preview: it might watch any endpoint."""
    unknown_names: list[tuple[frozenset[str], UnknownValueError]] = field(default_factory=list)
    """Alarms whose EndpointName is unknown at preview, with the URNs they depend on."""


def _alarm_watch(ctx: StackCheck) -> _AlarmWatch:
    watch = _AlarmWatch()
    for alarm in ctx.of_type(METRIC_ALARM):
        deps = frozenset(
            dep.urn
            for prop in ("dimensions", "metricQueries")
            for dep in alarm.property_dependencies.get(prop, [])
        )
        try:
            metrics = _alarm_metrics(alarm)
        except UnknownValueError as exc:
            watch.unreadable = watch.unreadable or exc
            continue
        for namespace, metric, dimensions in metrics:
            if namespace != "AWS/SageMaker":
                continue
            for urn in deps:
                watch.by_urn.setdefault(urn, set()).add(metric)
            try:
                name = str(dimensions.get("EndpointName", ""))
            except UnknownValueError as exc:
                watch.unknown_names.append((deps, exc))
                continue
            if name:
                watch.by_name.setdefault(name, set()).add(metric)
    return watch


def endpoint_alarm_metrics(ctx: StackCheck, endpoint: PolicyResource) -> set[str]:
    """Names of the SageMaker metrics that alarms watch for `endpoint`: alarms whose EndpointName
    dimension comes from the endpoint (a property dependency) or equals its name. Raises when an
    alarm that could watch the endpoint is unknown at preview."""
    name = str(endpoint.props["name"]) if endpoint.props.get("name") else None
    watch = ctx.view(_alarm_watch)
    if watch.unreadable is not None:
        raise watch.unreadable
    for deps, unknown in watch.unknown_names:
        if name is not None and endpoint.urn not in deps:
            raise unknown
    watched = set(watch.by_urn.get(endpoint.urn, ()))
    if name is not None:
        watched |= watch.by_name.get(name, set())
    return watched


def _alarm_rule(kind: str, metrics: frozenset[str]) -> Any:
    def check(ctx: StackCheck) -> None:
        for endpoint in ctx.of_type(ENDPOINT):
            with ctx.guard(endpoint):
                if not endpoint_alarm_metrics(ctx, endpoint) & metrics:
                    ctx.violation(
                        f"no CloudWatch alarm on the endpoint's {kind} ({sorted(metrics)[0]}, ...)", endpoint
                    )

    return check


prod_endpoint_latency_alarm = stack_rule(
    id="SY-SRV-004",
    name="endpoint-latency-alarm",
    group="serving",
    severity="medium",
    enforcement="mandatory",
    description="Every SageMaker endpoint has a CloudWatch alarm on its latency (ModelLatency or "
    "OverheadLatency).",
    remediation="Create an aws.cloudwatch.MetricAlarm in namespace AWS/SageMaker on ModelLatency with the "
    "EndpointName and VariantName dimensions (stackyard's monitoring component does).",
    frameworks=_MONITORING,
    peers={},
)(_alarm_rule("latency", LATENCY_METRICS))

endpoint_error_alarm = stack_rule(
    id="SY-SRV-005",
    name="endpoint-error-alarm",
    group="serving",
    severity="medium",
    enforcement="mandatory",
    description="Every SageMaker endpoint has a CloudWatch alarm on its errors (Invocation5XXErrors, "
    "Invocation4XXErrors or model errors).",
    remediation="Create an aws.cloudwatch.MetricAlarm in namespace AWS/SageMaker on Invocation5XXErrors "
    "with the EndpointName dimension.",
    frameworks=_MONITORING,
    peers={},
)(_alarm_rule("errors", ERROR_METRICS))


_ALARM_STATE_FUNCTION = re.compile(r'\b(?:ALARM|OK|INSUFFICIENT_DATA)\(\s*(?:"([^"]+)"|([^\s)]+))\s*\)')
"""`ALARM("name")`, `OK(name)`, ... in a composite alarm's rule: the alarms it combines."""


def _on_sagemaker_metrics(alarm: PolicyResource) -> bool:
    namespaces = {str(alarm.props.get("namespace", ""))} | {
        str(resource_properties.get_path(q, "metric.namespace", ""))
        for q in resource_properties.as_list(alarm.props.get("metricQueries"))
    }
    return "AWS/SageMaker" in namespaces


def _has_actions(alarm: PolicyResource) -> bool:
    """Whether an alarm notifies: actions enabled and at least one alarm action. An action that is
    an Output (an SNS topic's ARN) is unknown at preview but still an action, so only the length of
    the list is read; a list that is itself unknown raises."""
    if alarm.props.get("actionsEnabled") is False or "alarmActions" not in alarm.props:
        return False
    actions = alarm.props["alarmActions"]
    return bool(actions) and len(actions) > 0


def alarm_names_in_rule(rule: str) -> set[str]:
    """The alarm names a composite alarm rule refers to."""
    return {quoted or bare for quoted, bare in _ALARM_STATE_FUNCTION.findall(rule)}


@dataclass
class _CompositeRules:
    """Which composite alarms include which alarms: through a property dependency of `alarmRule`
    (by the alarm's URN), or by name in a literal rule (one without property dependencies)."""

    position: dict[str, int] = field(default_factory=dict)
    by_urn: dict[str, list[PolicyResource]] = field(default_factory=dict)
    by_name: dict[str, list[PolicyResource]] = field(default_factory=dict)
    unreadable: UnknownValueError | None = None
    """A literal rule unknown at preview: it might include any alarm."""


def _composite_rules(ctx: StackCheck) -> _CompositeRules:
    rules = _CompositeRules()
    for index, composite in enumerate(ctx.of_type(COMPOSITE_ALARM)):
        rules.position[composite.urn] = index
        deps = composite.property_dependencies.get("alarmRule", [])
        for dep in deps:
            rules.by_urn.setdefault(dep.urn, []).append(composite)
        if deps:
            continue
        try:
            if "alarmRule" not in composite.props:
                continue
            names = alarm_names_in_rule(str(composite.props["alarmRule"]))
        except UnknownValueError as exc:
            rules.unreadable = rules.unreadable or exc
            continue
        for name in names:
            rules.by_name.setdefault(name, []).append(composite)
    return rules


def composites_including(ctx: StackCheck, alarm: PolicyResource) -> list[PolicyResource]:
    """Composite alarms whose rule refers to `alarm`, in stack order: through a property dependency
    of `alarmRule` on it (the rule was built from its name output), or by its known name in a
    literal rule (one without property dependencies). A literal rule that is unknown at preview raises."""
    rules = ctx.view(_composite_rules)
    if rules.unreadable is not None:
        raise rules.unreadable
    found = {c.urn: c for c in rules.by_urn.get(alarm.urn, ())}
    for name in known_names(alarm) | _known_alarm_name(alarm):
        found.update((c.urn, c) for c in rules.by_name.get(name, ()))
    return sorted(found.values(), key=lambda composite: rules.position[composite.urn])


def _known_alarm_name(alarm: PolicyResource) -> set[str]:
    try:
        name = alarm.props.get("alarmName")
    except UnknownValueError:
        return set()
    return {str(name)} if name else set()


def _notifies(ctx: StackCheck, alarm: PolicyResource, seen: frozenset[str] = frozenset()) -> bool:
    """An alarm notifies when it has actions, or when a composite alarm that includes it notifies
    (composites may nest)."""
    if _has_actions(alarm):
        return True
    return any(
        _notifies(ctx, composite, seen | {alarm.urn})
        for composite in composites_including(ctx, alarm)
        if composite.urn not in seen
    )


@stack_rule(
    id="SY-SRV-006",
    name="sagemaker-alarm-actions",
    group="serving",
    severity="low",
    enforcement="advisory",
    description="Alarms on SageMaker metrics notify someone: an alarm action (such as an SNS topic) on the "
    "alarm, or on a composite alarm that includes it.",
    remediation="Set alarm_actions (and ok_actions) to the stack's SNS topic, on the alarm or on a composite "
    "alarm whose rule includes it (one page per incident).",
    frameworks=_MONITORING,
    peers={"aws-config": ["cloudwatch-alarm-action-check"]},
)
def sagemaker_alarm_actions(ctx: StackCheck) -> None:
    for alarm in ctx.of_type(METRIC_ALARM):
        with ctx.guard(alarm):
            if not _on_sagemaker_metrics(alarm) or _notifies(ctx, alarm):
                continue
            silent = [c.name for c in composites_including(ctx, alarm)]
            if silent:
                ctx.violation(
                    f"the alarm notifies no one (no alarmActions, nor on the composite alarms {silent} "
                    "that include it)",
                    alarm,
                )
            else:
                ctx.violation("the alarm notifies no one (no alarmActions)", alarm)
