"""Cost and GPU guards: which GPUs, how many, and idle capacity that scales to zero."""

from __future__ import annotations

from typing import Any

from stackyard.policies import resource_properties
from stackyard.policies.catalog import ResourceCheck, StackCheck, resource_rule, stack_rule

_CAPACITY = {"nist-800-53": ["CM-7", "SA-2", "SC-6"], "iso-27001": ["A.8.6"], "soc2": ["CC9.1", "A1.1"]}

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
GPU_AMI_MARKERS = ("GPU", "NVIDIA")


def instance_types_of(ctx: ResourceCheck) -> list[str]:
    """The instance types a compute resource may launch."""
    props = ctx.props
    if ctx.type == NODE_GROUP:
        return [str(t) for t in resource_properties.as_list(props.get("instanceTypes"))]
    if ctx.type == "aws:batch/computeEnvironment:ComputeEnvironment":
        return [str(t) for t in resource_properties.as_list(resource_properties.get_path(props, "computeResources.instanceTypes"))]
    if ctx.type == "aws:sagemaker/endpointConfiguration:EndpointConfiguration":
        return [
            str(v["instanceType"])
            for v in resource_properties.as_list(props.get("productionVariants"))
            if v.get("instanceType")
        ]
    if ctx.type == "aws:sagemaker/trainingJob:TrainingJob":
        instance_type = resource_properties.get_path(props, "resourceConfig.instanceType")
        return [str(instance_type)] if instance_type else []
    return []


def is_gpu_node_group(props: Any) -> bool:
    ami = str(props.get("amiType", "") if "amiType" in props else "")
    types = [str(t) for t in resource_properties.as_list(props.get("instanceTypes"))]
    return any(marker in ami for marker in GPU_AMI_MARKERS) or any(resource_properties.is_gpu_instance(t) for t in types)


@resource_rule(
    id="SY-COST-001",
    name="allowed-gpu-families",
    group="cost",
    severity="medium",
    enforcement="mandatory",
    description="GPU capacity (EKS node groups, Batch, SageMaker training and endpoints) uses only the "
    "allowed GPU instance families.",
    remediation="Pick an instance type from allowedGpuFamilies, or extend the list after a cost review.",
    frameworks=_CAPACITY,
    peers={},
    types=[
        NODE_GROUP,
        "aws:batch/computeEnvironment:ComputeEnvironment",
        "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
        "aws:sagemaker/trainingJob:TrainingJob",
    ],
    settings=["allowedGpuFamilies"],
)
def allowed_gpu_families(ctx: ResourceCheck) -> None:
    gpu_types = [t for t in instance_types_of(ctx) if resource_properties.is_gpu_instance(t)]
    if not gpu_types:
        ctx.not_applicable("no GPU instance types")
    allowed = ctx.config["allowedGpuFamilies"]
    for instance_type in gpu_types:
        if resource_properties.instance_family(instance_type) not in allowed:
            ctx.violation(f"GPU instance type '{instance_type}' is not in the allowed families {allowed}")


def _gpu_max_size(props: Any) -> int:
    return int(resource_properties.get_path(props, "scalingConfig.maxSize", 0))


@resource_rule(
    id="SY-COST-002",
    name="gpu-node-group-cap",
    group="cost",
    severity="medium",
    enforcement="mandatory",
    description="A GPU node group can grow to at most maxGpuNodesPerGroup nodes.",
    remediation="Lower scaling_config.max_size, or raise maxGpuNodesPerGroup after a budget review.",
    frameworks=_CAPACITY,
    peers={},
    types=[NODE_GROUP],
    settings=["maxGpuNodesPerGroup"],
)
def gpu_node_group_cap(ctx: ResourceCheck) -> None:
    if not is_gpu_node_group(ctx.props):
        ctx.not_applicable("not a GPU node group")
    cap = int(ctx.config["maxGpuNodesPerGroup"])
    size = _gpu_max_size(ctx.props)
    if size > cap:
        ctx.violation(f"GPU node group may grow to {size} nodes, more than the cap {cap}")


@stack_rule(
    id="SY-COST-003",
    name="gpu-nodes-total-cap",
    group="cost",
    severity="medium",
    enforcement="mandatory",
    description="All GPU node groups of a stack together can grow to at most maxGpuNodesTotal nodes.",
    remediation="Lower the max_size of GPU node groups, or raise maxGpuNodesTotal after a budget review.",
    frameworks=_CAPACITY,
    peers={},
    settings=["maxGpuNodesTotal"],
)
def gpu_nodes_total_cap(ctx: StackCheck) -> None:
    cap = int(ctx.config["maxGpuNodesTotal"])
    total = 0
    groups = []
    for group in ctx.of_type(NODE_GROUP):
        with ctx.guard(group):
            if is_gpu_node_group(group.props):
                total += _gpu_max_size(group.props)
                groups.append(group)
    # Sizes are never negative: a total over the cap is a violation whatever unknown groups add.
    if total > cap:
        for group in groups:
            ctx.violation(
                f"GPU node groups may grow to {total} nodes in total, more than the cap {cap}", group
            )


@resource_rule(
    id="SY-COST-004",
    name="dev-gpu-scale-to-zero",
    group="cost",
    severity="low",
    enforcement="mandatory",
    description="In dev, GPU node groups scale to zero when idle (minimum size 0).",
    remediation="Set scaling_config.min_size=0 (and desired_size=0); the cluster autoscaler or Karpenter "
    "adds nodes when GPU pods are pending.",
    frameworks=_CAPACITY,
    peers={},
    types=[NODE_GROUP],
    settings=["environment"],
)
def dev_gpu_scale_to_zero(ctx: ResourceCheck) -> None:
    if not is_gpu_node_group(ctx.props):
        ctx.not_applicable("not a GPU node group")
    environment = ctx.environment()
    if environment != "dev":
        ctx.not_applicable(f"applies in dev, not in '{environment}'")
    minimum = int(resource_properties.get_path(ctx.props, "scalingConfig.minSize", 0))
    if minimum > 0:
        ctx.violation(f"GPU node group keeps {minimum} nodes running when idle (minSize {minimum})")
