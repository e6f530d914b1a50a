"""How much the typed pulumi-aws classes add to a registration: N CloudWatch metric alarms (the
most numerous type in the generated platform) registered under the SDK's mocks, either with
`pulumi_aws.cloudwatch.MetricAlarm` or with `pulumi.CustomResource` and the same inputs in wire
form. No stackyard in it.

    python typed_registration.py typed|generic N [timings.json]
"""

import time

STARTED = time.perf_counter()

import asyncio  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

import pulumi  # noqa: E402
import pulumi.runtime  # noqa: E402

MODE = sys.argv[1]
if MODE == "typed":
    import pulumi_aws

    MetricAlarm = pulumi_aws.cloudwatch.MetricAlarm
IMPORTED = time.perf_counter()

TOPIC = "arn:aws:sns:eu-west-1:123456789012:alarms"
TAGS = {
    "owner": "ml-platform",
    "cost-center": "cc-1042",
    "data-classification": "confidential",
    "environment": "prod",
    "project": "bench",
    "managed-by": "stackyard",
}


class PreviewMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return None, dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


def typed(name: str) -> None:
    MetricAlarm(
        name,
        name=name,
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=3,
        metric_name="ModelLatency",
        namespace="AWS/SageMaker",
        period=60,
        extended_statistic="p99",
        threshold=500000.0,
        dimensions={"EndpointName": name, "VariantName": "AllTraffic"},
        alarm_actions=[TOPIC],
        ok_actions=[TOPIC],
        treat_missing_data="notBreaching",
        alarm_description="p99 latency above the objective",
        tags={**TAGS, "Name": name},
    )


def generic(name: str) -> None:
    pulumi.CustomResource(
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        name,
        {
            "name": name,
            "comparisonOperator": "GreaterThanThreshold",
            "evaluationPeriods": 3,
            "metricName": "ModelLatency",
            "namespace": "AWS/SageMaker",
            "period": 60,
            "extendedStatistic": "p99",
            "threshold": 500000.0,
            "dimensions": {"EndpointName": name, "VariantName": "AllTraffic"},
            "alarmActions": [TOPIC],
            "okActions": [TOPIC],
            "treatMissingData": "notBreaching",
            "alarmDescription": "p99 latency above the objective",
            "tags": {**TAGS, "Name": name},
        },
        pulumi.ResourceOptions(version="7.51.1"),
    )


def main() -> None:
    count = int(sys.argv[2])
    register = typed if MODE == "typed" else generic
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pulumi.runtime.set_mocks(PreviewMocks(), project="bench", stack="bench", preview=True)
    started = time.perf_counter()
    pulumi.runtime.test(lambda: [register(f"alarm-{index:05d}") for index in range(count)])()
    finished = time.perf_counter()
    if len(sys.argv) > 3:
        with open(sys.argv[3], "w", encoding="utf-8") as file:
            json.dump(
                {"import": IMPORTED - STARTED, "program": finished - started, "registrations": count}, file
            )


if __name__ == "__main__":
    main()
