from __future__ import annotations

import pytest

from tests.policies.harness import UNKNOWN, Stack, check_case, resource_case, stack_case

ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
PROD = {"environment": "prod", "owner": "ml"}


def _endpoint(stack: Stack, count: float = 2.0, name: str = "churn"):
    config = stack.add(
        CONFIG,
        f"{name}-config",
        {
            "name": UNKNOWN,
            "productionVariants": [
                {
                    "variantName": "primary",
                    "modelName": UNKNOWN,
                    "instanceType": "ml.m5.xlarge",
                    "initialInstanceCount": count,
                }
            ],
        },
    )
    return stack.add(
        ENDPOINT,
        name,
        {"name": f"acme-prod-{name}", "endpointConfigName": UNKNOWN, "tags": PROD},
        deps={"endpointConfigName": [config]},
    )


TOPIC_ARN = "arn:aws:sns:eu-west-1:111122223333:alerts"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"


def _sagemaker_alarm(stack: Stack, kind: str = "latency", actions: list[str] | None = None):
    props: dict = {
        "name": f"acme-prod-churn-{kind}",
        "namespace": "AWS/SageMaker",
        "metricName": "ModelLatency",
    }
    if actions is not None:
        props["alarmActions"] = actions
    return stack.add(ALARM, kind, props)


def _composite(
    stack: Stack, members: list, *, actions: list[str] | None = None, name: str = "health", literal=False
):
    """A composite alarm over `members`; its rule built from their name outputs (a property dependency,
    as the monitoring component does), or written out as a literal."""
    names = [m.props.get("name") or m.props.get("alarmName") for m in members]
    props: dict = {
        "alarmName": f"acme-prod-churn-{name}",
        "alarmRule": " OR ".join(f'ALARM("{n}")' for n in names) if literal else UNKNOWN,
        "alarmActions": actions or [],
    }
    return stack.add(COMPOSITE, name, props, deps=None if literal else {"alarmRule": members})


def _scaling(stack: Stack, endpoint, minimum: float, with_policy: bool = True) -> None:
    target = stack.add(
        TARGET,
        "churn-scaling",
        {
            "serviceNamespace": "sagemaker",
            "resourceId": UNKNOWN,
            "scalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "minCapacity": minimum,
            "maxCapacity": 4.0,
        },
        deps={"resourceId": [endpoint]},
    )
    if with_policy:
        stack.add(
            SCALING_POLICY,
            "churn-scaling-policy",
            {"resourceId": UNKNOWN, "policyType": "TargetTrackingScaling"},
            deps={"resourceId": [target]},
        )


def _alarm(stack: Stack, endpoint, metric: str, literal: bool = False) -> None:
    dimensions = {"EndpointName": "acme-prod-churn" if literal else UNKNOWN, "VariantName": "primary"}
    stack.add(
        ALARM,
        f"churn-{metric}",
        {
            "namespace": "AWS/SageMaker",
            "metricName": metric,
            "dimensions": dimensions,
            "alarmActions": ["arn:aws:sns:eu-west-1:111122223333:alerts"],
        },
        deps={} if literal else {"dimensions": [endpoint]},
    )


def _redundancy(count: float, minimum: float | None):
    def build(stack: Stack) -> None:
        endpoint = _endpoint(stack, count)
        if minimum is not None:
            _scaling(stack, endpoint, minimum)

    return build


def _autoscaling(targets: bool, policy: bool):
    def build(stack: Stack) -> None:
        endpoint = _endpoint(stack)
        if targets:
            _scaling(stack, endpoint, 2.0, with_policy=policy)

    return build


def _alarms(*metrics: str, literal: bool = False):
    def build(stack: Stack) -> None:
        endpoint = _endpoint(stack)
        for metric in metrics:
            _alarm(stack, endpoint, metric, literal)

    return build


def _capture(capture: dict | None) -> dict:
    return {
        "tags": PROD,
        "productionVariants": [{"variantName": "primary", "instanceType": "ml.m5.xlarge"}],
        **({"dataCaptureConfig": capture} if capture is not None else {}),
    }


CAPTURE_ON = {"enableCapture": True, "initialSamplingPercentage": 20.0, "destinationS3Uri": "s3://b/c"}

CASES = [
    stack_case("SY-SRV-001", "two-instances", _redundancy(2.0, None)),
    stack_case("SY-SRV-001", "one-instance-autoscaling-min-two", _redundancy(1.0, 2.0)),
    stack_case(
        "SY-SRV-001",
        "one-instance",
        _redundancy(1.0, None),
        "churn: variant 'primary' has instance count 1, fewer than 2",
    ),
    stack_case(
        "SY-SRV-001",
        "autoscaling-min-one",
        _redundancy(2.0, 1.0),
        "churn: variant 'primary' has autoscaling minimum 1, fewer than 2",
    ),
    resource_case("SY-SRV-002", "capture-on", CONFIG, _capture(CAPTURE_ON)),
    resource_case("SY-SRV-002", "no-capture", CONFIG, _capture(None), "data capture is off"),
    resource_case(
        "SY-SRV-002",
        "zero-sampling",
        CONFIG,
        _capture({**CAPTURE_ON, "initialSamplingPercentage": 0.0}),
        "data capture samples 0% of requests",
    ),
    stack_case("SY-SRV-003", "target-and-policy", _autoscaling(True, True)),
    stack_case(
        "SY-SRV-003", "no-target", _autoscaling(False, False), "churn: endpoint has no autoscaling target"
    ),
    stack_case(
        "SY-SRV-003",
        "target-without-policy",
        _autoscaling(True, False),
        "churn: autoscaling target 'churn-scaling' has no scaling policy",
    ),
    stack_case("SY-SRV-004", "latency-alarm", _alarms("ModelLatency")),
    stack_case("SY-SRV-004", "latency-alarm-by-name", _alarms("ModelLatency", literal=True)),
    stack_case(
        "SY-SRV-004",
        "errors-only",
        _alarms("Invocation5XXErrors"),
        "churn: no CloudWatch alarm on the endpoint's latency (ModelLatency, ...)",
    ),
    stack_case("SY-SRV-005", "error-alarm", _alarms("ModelLatency", "Invocation5XXErrors")),
    stack_case(
        "SY-SRV-005",
        "latency-only",
        _alarms("ModelLatency"),
        "churn: no CloudWatch alarm on the endpoint's errors (Invocation4XXErrors, ...)",
    ),
    stack_case("SY-SRV-006", "notifies", lambda stack: _sagemaker_alarm(stack, actions=[TOPIC_ARN])),
    stack_case(
        "SY-SRV-006",
        "silent",
        lambda stack: _sagemaker_alarm(stack),
        "latency: the alarm notifies no one (no alarmActions)",
    ),
    stack_case(
        "SY-SRV-006",
        "composite-with-actions-by-dependency",
        lambda stack: _composite(stack, [_sagemaker_alarm(stack)], actions=[UNKNOWN]),
    ),
    stack_case(
        "SY-SRV-006",
        "composite-with-actions-by-name",
        lambda stack: _composite(stack, [_sagemaker_alarm(stack)], actions=[TOPIC_ARN], literal=True),
    ),
    stack_case(
        "SY-SRV-006",
        "nested-composite-with-actions",
        lambda stack: _composite(
            stack, [_composite(stack, [_sagemaker_alarm(stack)], name="inner")], actions=[TOPIC_ARN]
        ),
    ),
    stack_case(
        "SY-SRV-006",
        "composite-without-actions",
        lambda stack: _composite(stack, [_sagemaker_alarm(stack)]),
        "latency: the alarm notifies no one (no alarmActions, nor on the composite alarms ['health'] that "
        "include it)",
    ),
    stack_case(
        "SY-SRV-006",
        "composite-of-other-alarms",
        lambda stack: (
            _sagemaker_alarm(stack),
            _composite(stack, [_sagemaker_alarm(stack, "errors")], actions=[TOPIC_ARN], literal=True),
        ),
        "latency: the alarm notifies no one (no alarmActions)",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}:{c.label}")
def test_rule(case) -> None:
    check_case(case)


def test_redundancy_applies_only_in_prod() -> None:
    stack = Stack()
    endpoint = _endpoint(stack, 1.0)
    assert stack.run("SY-SRV-001", {"environment": "dev"}).passed
    assert endpoint.name == "churn"


def test_alarms_from_metric_queries_count() -> None:
    stack = Stack()
    endpoint = _endpoint(stack)
    stack.add(
        ALARM,
        "churn-latency-p99",
        {
            "metricQueries": [
                {
                    "id": "m1",
                    "metric": {
                        "namespace": "AWS/SageMaker",
                        "metricName": "ModelLatency",
                        "dimensions": {"EndpointName": UNKNOWN},
                    },
                }
            ]
        },
        deps={"metricQueries": [endpoint]},
    )
    assert stack.run("SY-SRV-004").passed


def test_alarms_on_other_namespaces_need_no_actions() -> None:
    stack = Stack()
    stack.add(ALARM, "cpu", {"namespace": "AWS/EC2", "metricName": "CPUUtilization"})
    assert stack.run("SY-SRV-006").passed


def test_an_unknown_composite_rule_makes_the_silent_alarm_indeterminate() -> None:
    stack = Stack()
    _sagemaker_alarm(stack)
    stack.add(COMPOSITE, "health", {"alarmName": "acme-prod-churn-health", "alarmRule": UNKNOWN})
    outcome = stack.run("SY-SRV-006")
    assert outcome.violations == []
    assert [(i.reason, i.urn.rsplit("::", 1)[1]) for i in outcome.indeterminate] == [
        ("string value at .alarmRule can't be known during preview", "latency")
    ]


def test_unknown_environment_makes_only_that_endpoint_indeterminate() -> None:
    stack = Stack()
    _endpoint(stack, 1.0)
    config = stack.add(
        CONFIG,
        "fraud-config",
        {"productionVariants": [{"variantName": "primary", "initialInstanceCount": 1.0}]},
    )
    stack.add(
        ENDPOINT,
        "fraud",
        {"name": "fraud", "tags": {"environment": UNKNOWN}},
        deps={"endpointConfigName": [config]},
    )
    outcome = stack.run("SY-SRV-001")
    assert outcome.violations == ["churn: variant 'primary' has instance count 1, fewer than 2"]
    assert [(i.reason, i.urn.rsplit("::", 1)[1]) for i in outcome.indeterminate] == [
        ("the environment tag is unknown at preview", "fraud")
    ]
