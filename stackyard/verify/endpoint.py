"""Proving that a SageMaker real-time endpoint serves: it is InService, one invocation with a
sample request answers 2xx (its latency is reported), and, when the endpoint's configuration
captures data, a capture object for the invocation's hour appears under the capture destination.

Each step raises `VerificationFailed` naming itself; AWS errors never escape as tracebacks.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from stackyard.aws_clients import AwsAccess, credentials_problem, describe_error
from stackyard.errors import UserError
from stackyard.verify.tracking import VerificationFailed

OnPass = Callable[[str, str], None]


@dataclass(frozen=True)
class SampleRequest:
    body: bytes
    content_type: str


@contextmanager
def aws_step(step: str) -> Iterator[None]:
    """An AWS call of `step`: its errors become `VerificationFailed(step, ...)`, missing
    credentials a `UserError` (bad usage)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (ClientError, BotoCoreError) as e:
        problem = credentials_problem(e)
        if problem:
            raise problem from None
        raise VerificationFailed(step, describe_error(e)) from None


def require_status(step: str, name: str, description: dict[str, Any], field: str, wanted: str) -> None:
    """Fail `step` unless the resource's `field` (from its Describe call) is `wanted`, with AWS's
    failure reason when it gives one."""
    status = description.get(field)
    if status != wanted:
        reason = description.get("FailureReason")
        raise VerificationFailed(step, f"'{name}' is {status}" + (f": {reason}" if reason else ""))


def verify_endpoint(
    access: AwsAccess,
    name: str,
    sample: SampleRequest | None,
    on_pass: OnPass,
    *,
    capture_timeout_s: float = 120.0,
    poll_s: float = 5.0,
) -> None:
    sagemaker = access.client("sagemaker")
    step = "endpoint is in service"
    with aws_step(step):
        endpoint = sagemaker.describe_endpoint(EndpointName=name)
    require_status(step, name, endpoint, "EndpointStatus", "InService")
    on_pass(step, f"'{name}' is InService (configuration {endpoint.get('EndpointConfigName')})")

    step = "one invocation answers"
    if sample is None:
        on_pass(step, "skipped: no sample request (give --payload, or sample_request in the spec)")
        return
    runtime = access.client("sagemaker-runtime")
    started = time.perf_counter()
    invoked_at = dt.datetime.now(dt.UTC)
    with aws_step(step):
        response = runtime.invoke_endpoint(
            EndpointName=name, Body=sample.body, ContentType=sample.content_type
        )
    latency_ms = (time.perf_counter() - started) * 1000
    code = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    if not 200 <= code < 300:
        raise VerificationFailed(step, f"HTTP {code}")
    answer = response["Body"].read()
    on_pass(step, f"HTTP {code} in {latency_ms:.0f} ms ({len(answer)} bytes, {response.get('ContentType')})")

    step = "data capture"
    with aws_step(step):
        config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    capture = config.get("DataCaptureConfig") or {}
    current = endpoint.get("DataCaptureConfig") or {}
    if not capture or not current.get("EnableCapture", capture.get("EnableCapture", True)):
        on_pass(step, "off for this endpoint: nothing to check")
        return
    variants = [str(v["VariantName"]) for v in endpoint.get("ProductionVariants") or ()]
    prefixes = capture_prefixes(str(capture["DestinationS3Uri"]), name, variants, invoked_at)
    s3 = access.client("s3")
    deadline = time.monotonic() + capture_timeout_s
    while True:
        for bucket, prefix in prefixes:
            with aws_step(step):
                listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents") or []
            # Written after the invocation (a minute's leeway for clock skew), so not an old capture.
            fresh = [o for o in listed if o["LastModified"] >= invoked_at - dt.timedelta(minutes=1)]
            if fresh:
                on_pass(step, f"s3://{bucket}/{fresh[0]['Key']}")
                return
        if time.monotonic() >= deadline:
            where = ", ".join(f"s3://{b}/{p}" for b, p in prefixes)
            raise VerificationFailed(step, f"no capture object under {where} after {capture_timeout_s:.0f} s")
        time.sleep(poll_s)


def capture_prefixes(
    destination: str, endpoint: str, variants: list[str], at: dt.datetime
) -> list[tuple[str, str]]:
    """(bucket, prefix) where SageMaker writes the captures of `at`'s hour and the next:
    `<destination>/<endpoint>/<variant>/<yyyy>/<mm>/<dd>/<hh>/`."""
    bucket, _, key = destination.removeprefix("s3://").partition("/")
    base = f"{key.strip('/')}/" if key.strip("/") else ""
    prefixes = []
    for variant in variants:
        for hour in (at, at + dt.timedelta(hours=1)):
            prefixes.append((bucket, f"{base}{endpoint}/{variant}/{hour:%Y/%m/%d/%H}/"))
    return prefixes


def sample_from_file(path: Any, content_type: str) -> SampleRequest:
    try:
        return SampleRequest(body=path.read_bytes(), content_type=content_type)
    except OSError as e:
        raise UserError(f"{path}: cannot read the payload: {e.strerror}") from None
