"""Kubernetes workloads: GPU limits, resource requests, no privileged or floating images, quotas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stackyard.policies import resource_properties
from stackyard.policies.catalog import ResourceCheck, StackCheck, resource_rule, stack_rule

_WORKLOAD = {
    "nist-800-53": ["CM-6", "CM-7", "SC-6"],
    "iso-27001": ["A.8.9", "A.8.6"],
    "soc2": ["CC7.1", "A1.1"],
}
_HARDENING = {
    "nist-800-53": ["AC-6", "CM-7"],
    "iso-27001": ["A.8.9"],
    "hipaa": ["164.312(a)(1)"],
    "soc2": ["CC6.8"],
}

GPU_RESOURCE = "nvidia.com/gpu"
DAEMON_SET = "kubernetes:apps/v1:DaemonSet"

POD_SPEC_PATHS = {
    "kubernetes:core/v1:Pod": "spec",
    "kubernetes:apps/v1:Deployment": "spec.template.spec",
    "kubernetes:apps/v1:StatefulSet": "spec.template.spec",
    DAEMON_SET: "spec.template.spec",
    "kubernetes:apps/v1:ReplicaSet": "spec.template.spec",
    "kubernetes:batch/v1:Job": "spec.template.spec",
    "kubernetes:batch/v1:CronJob": "spec.jobTemplate.spec.template.spec",
}
INFERENCE_SERVICE = "kubernetes:serving.kserve.io/v1beta1:InferenceService"
WORKLOAD_TYPES = [*POD_SPEC_PATHS, INFERENCE_SERVICE]


def pod_spec(ctx: ResourceCheck) -> Any:
    if ctx.type == INFERENCE_SERVICE:
        return resource_properties.get_path(ctx.props, "spec.predictor", {})
    return resource_properties.get_path(ctx.props, POD_SPEC_PATHS[ctx.type], {})


def containers(ctx: ResourceCheck, *, include_init: bool = True) -> Iterator[Any]:
    """The containers of a workload; a KServe predictor's `model` counts as one."""
    spec = pod_spec(ctx)
    keys = ["containers", "initContainers"] if include_init else ["containers"]
    for key in keys:
        yield from resource_properties.as_list(spec.get(key))
    if ctx.type == INFERENCE_SERVICE and spec.get("model"):
        yield {"name": "kserve-container", **dict(spec["model"])}


def _resources(container: Any, kind: str) -> Any:
    return resource_properties.get_path(container, f"resources.{kind}", {})


def _name(container: Any) -> str:
    return str(container.get("name", "?"))


def _workload_or_not_applicable(ctx: ResourceCheck) -> None:
    if not pod_spec(ctx):
        ctx.not_applicable("no pod template")


@resource_rule(
    id="SY-K8S-001",
    name="gpu-limits",
    group="kubernetes",
    severity="high",
    enforcement="mandatory",
    description="Containers that use GPUs set an nvidia.com/gpu limit, so the device plugin assigns them "
    "whole GPUs and the scheduler can count them.",
    remediation="Set resources.limits['nvidia.com/gpu'] on the container that needs GPUs (requests default "
    "to the limit for extended resources).",
    frameworks=_WORKLOAD,
    peers={},
    types=WORKLOAD_TYPES,
)
def gpu_limits(ctx: ResourceCheck) -> None:
    if ctx.type == DAEMON_SET:
        # Node agents (the NVIDIA device plugin, the DCGM exporter) run one pod on every GPU node:
        # they must tolerate the GPU taints to land there, and they manage or watch the GPUs
        # without being assigned one. A GPU limit would take a GPU away from the workloads.
        ctx.not_applicable("a DaemonSet runs a per-node agent, which tolerates GPU taints without using GPUs")
    _workload_or_not_applicable(ctx)
    tolerates_gpu = any(
        str(t.get("key", "")) == GPU_RESOURCE for t in resource_properties.as_list(pod_spec(ctx).get("tolerations"))
    )
    any_limit = False
    for container in containers(ctx):
        limited = GPU_RESOURCE in _resources(container, "limits")
        any_limit = any_limit or limited
        if GPU_RESOURCE in _resources(container, "requests") and not limited:
            ctx.violation(f"container '{_name(container)}' requests {GPU_RESOURCE} without a limit")
    if tolerates_gpu and not any_limit:
        ctx.violation(
            f"the pod tolerates the {GPU_RESOURCE} taint but no container sets an {GPU_RESOURCE} limit"
        )


REQUIRED_RESOURCES = ("requests.cpu", "requests.memory", "limits.memory")


@resource_rule(
    id="SY-K8S-002",
    name="requests-and-limits",
    group="kubernetes",
    severity="medium",
    enforcement="mandatory",
    description="Every container sets CPU and memory requests and a memory limit, so quotas, scheduling "
    "and eviction work.",
    remediation="Set resources.requests.cpu, resources.requests.memory and resources.limits.memory.",
    frameworks=_WORKLOAD,
    peers={"checkov": ["CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13"]},
    types=WORKLOAD_TYPES,
)
def requests_and_limits(ctx: ResourceCheck) -> None:
    _workload_or_not_applicable(ctx)
    for container in containers(ctx):
        missing = [
            path for path in REQUIRED_RESOURCES if not resource_properties.get_path(container, f"resources.{path}")
        ]
        if missing:
            ctx.violation(f"container '{_name(container)}' does not set {missing}")


@resource_rule(
    id="SY-K8S-003",
    name="no-privileged-containers",
    group="kubernetes",
    severity="critical",
    enforcement="mandatory",
    description="No container runs privileged (GPU access goes through the device plugin, not privilege).",
    remediation="Remove securityContext.privileged; request nvidia.com/gpu instead of mounting devices.",
    frameworks=_HARDENING,
    peers={"checkov": ["CKV_K8S_16"]},
    types=WORKLOAD_TYPES,
)
def no_privileged_containers(ctx: ResourceCheck) -> None:
    _workload_or_not_applicable(ctx)
    for container in containers(ctx):
        if resource_properties.get_path(container, "securityContext.privileged") is True:
            ctx.violation(f"container '{_name(container)}' is privileged")


def floating_image(image: str) -> bool:
    """Whether an image reference can change under the same name: no tag, or the `latest` tag.
    A digest (`@sha256:...`) pins it whatever the tag."""
    if "@" in image:
        return False
    last = image.rsplit("/", 1)[-1]
    return ":" not in last or last.rsplit(":", 1)[1] == "latest"


@resource_rule(
    id="SY-K8S-004",
    name="no-latest-images",
    group="kubernetes",
    severity="medium",
    enforcement="mandatory",
    description="Container images are pinned to a version tag or digest, never 'latest' or untagged.",
    remediation="Use an explicit version tag or, better, an image digest.",
    frameworks={
        "nist-800-53": ["CM-2", "CM-14", "SI-7"],
        "iso-27001": ["A.8.9", "A.8.32"],
        "soc2": ["CC8.1"],
    },
    peers={"checkov": ["CKV_K8S_14", "CKV_K8S_43"]},
    types=WORKLOAD_TYPES,
)
def no_latest_images(ctx: ResourceCheck) -> None:
    _workload_or_not_applicable(ctx)
    for container in containers(ctx):
        image = str(container["image"]) if "image" in container else ""
        if image and floating_image(image):
            ctx.violation(f"container '{_name(container)}' uses the floating image '{image}'")


SYSTEM_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
NAMESPACE = "kubernetes:core/v1:Namespace"
RESOURCE_QUOTA = "kubernetes:core/v1:ResourceQuota"


@stack_rule(
    id="SY-K8S-005",
    name="namespace-quotas",
    group="kubernetes",
    severity="medium",
    enforcement="mandatory",
    description="Every team namespace the stack creates has a ResourceQuota (CPU, memory, GPUs).",
    remediation="Create a ResourceQuota in the namespace (stackyard's training component sets GPU quotas per "
    "team).",
    frameworks=_WORKLOAD,
    peers={},
)
def namespace_quotas(ctx: StackCheck) -> None:
    for namespace in ctx.of_type(NAMESPACE):
        with ctx.guard(namespace):
            name = resource_properties.get_path(namespace.props, "metadata.name")
            if name in SYSTEM_NAMESPACES:
                continue
            quotas = [
                q
                for q in ctx.of_type(RESOURCE_QUOTA)
                if namespace in q.property_dependencies.get("metadata", [])
                or (name and resource_properties.get_path(q.props, "metadata.namespace") == name)
            ]
            if not quotas:
                ctx.violation("namespace has no ResourceQuota", namespace)
