"""`stackyard verify STATE.json`: every verification that applies to the resources of a
`pulumi stack export`, in the order they appear.

- `aws:sagemaker/endpoint:Endpoint`: `verify_endpoint`, with the endpoint's sample request from
  the spec (`--spec`) or `--payload`; without either only its status is checked (and said so);
- `aws:sagemaker/featureGroup:FeatureGroup`: `verify_feature_group`;
- tracking servers: every `tracking_uri` a component recorded in its outputs (a SageMaker managed
  MLflow server's ARN, or a self-hosted server's URL), and every
  `aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer`'s ARN, each once: `verify_tracking`.

A self-hosted server's in-cluster address (`*.svc.cluster.local`) cannot be reached from where
`pulumi up` runs: it is reported as skipped. The first failed step stops the run
(`VerificationFailed`, exit 1), naming the resource; a state with nothing to verify passes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stackyard.aws_clients import AwsAccess
from stackyard.verify.endpoint import OnPass, SampleRequest, verify_endpoint
from stackyard.verify.feature_store import verify_feature_group
from stackyard.verify.tracking import VerificationFailed

ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
FEATURE_GROUP = "aws:sagemaker/featureGroup:FeatureGroup"
TRACKING_SERVER = "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer"


@dataclass(frozen=True)
class Verification:
    kind: str
    """`endpoint`, `feature-group` or `tracking`."""
    target: str
    """The endpoint or feature group name, or the tracking URI."""
    urn: str


def verifications(document: Mapping[str, Any]) -> list[Verification]:
    """What to verify in an export, in its order, each target once."""
    found: list[Verification] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, target: Any, urn: str) -> None:
        if isinstance(target, str) and target and (kind, target) not in seen:
            seen.add((kind, target))
            found.append(Verification(kind, target, urn))

    for state in document["deployment"]["resources"]:
        if state.get("delete"):
            continue
        outputs = state.get("outputs") or {}
        urn = str(state.get("urn", ""))
        kind = state.get("type")
        if kind == ENDPOINT:
            add("endpoint", outputs.get("name") or state.get("id"), urn)
        elif kind == FEATURE_GROUP:
            add("feature-group", outputs.get("featureGroupName") or state.get("id"), urn)
        elif kind == TRACKING_SERVER:
            add("tracking", outputs.get("arn"), urn)
        elif not state.get("custom"):
            add("tracking", outputs.get("tracking_uri"), urn)
    return found


def verify_state(
    access: AwsAccess,
    document: Mapping[str, Any],
    on_pass: OnPass,
    *,
    samples: Mapping[str, SampleRequest],
    default_sample: SampleRequest | None = None,
    verify_tracking: Callable[[str, OnPass], None] | None = None,
    capture_timeout_s: float = 120.0,
) -> list[Verification]:
    """Run every verification of `document`; return them. A failure names the resource's URN."""
    todo = verifications(document)
    if not todo:
        on_pass("nothing to verify", "the state has no endpoint, feature group or tracking server")
    for item in todo:
        prefixed = _prefixed(on_pass, item)
        if item.kind == "tracking" and in_cluster(item.target):
            prefixed(
                "reachable", "skipped: an in-cluster address; run `stackyard verify tracking` in the cluster"
            )
            continue
        try:
            if item.kind == "endpoint":
                sample = samples.get(item.target, default_sample)
                verify_endpoint(access, item.target, sample, prefixed, capture_timeout_s=capture_timeout_s)
            elif item.kind == "feature-group":
                verify_feature_group(access, item.target, prefixed)
            else:
                (verify_tracking or _tracking)(item.target, prefixed)
        except VerificationFailed as failed:
            raise VerificationFailed(f"{item.kind} {item.target}: {failed.step}", failed.reason) from None
    return todo


def in_cluster(uri: str) -> bool:
    """Whether a tracking URI is a Kubernetes Service address, reachable only inside its cluster."""
    from urllib.parse import urlsplit

    host = urlsplit(uri).hostname or ""
    return host.endswith(".cluster.local") or host.endswith(".svc")


def _prefixed(on_pass: OnPass, item: Verification) -> OnPass:
    return lambda step, detail: on_pass(f"{item.kind} {item.target}: {step}", detail)


def _tracking(uri: str, on_pass: OnPass) -> None:
    from stackyard.verify.tracking import verify_tracking

    verify_tracking(uri, on_pass=on_pass)
