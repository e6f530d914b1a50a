"""GPU facts and the scheduling rules derived from them: which instance types carry NVIDIA GPUs and
how many, which EKS AMI they boot, the taints GPU nodes carry and the tolerations that match them.

Pure Python (no pydantic, no Pulumi), so the spec validates with it and tests check it directly.

botocore's EC2 model lists every instance type (`InstanceType` enum) but carries no per-type
hardware data: `GpuInfo` is only a response shape of DescribeInstanceTypes, which needs a cloud.
So the NVIDIA GPU families and their GPUs per size are kept here, from the EC2 accelerated
computing documentation; a test checks that every size botocore knows for these families has an
entry. Deliberately left out:
- AWS Trainium/Inferentia (trn*, inf*), Habana Gaudi (dl1), Qualcomm (dl2q): accelerators, not GPUs;
  they need the Neuron/vendor device plugins, not NVIDIA's;
- g4ad: AMD Radeon GPUs, which the NVIDIA AMI and device plugin cannot drive;
- fractional-GPU families (g6f, gr6f): a fraction of a GPU is not a whole `nvidia.com/gpu`;
- generations the current NVIDIA drivers of the EKS AL2023 AMI no longer support (p2, g2, g3, g3s);
- families whose GPUs per size are not confirmed here yet (g7, g7e, p6e-gb200 UltraServers).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the spec side never loads pulumi_aws
    from pulumi_aws.eks import NodeGroupTaintArgsDict

GPU_RESOURCE = "nvidia.com/gpu"
"""The extended resource the NVIDIA device plugin advertises and pods request."""

GPU_TAINT_KEY = GPU_RESOURCE
"""The taint GPU node groups carry by default, so that only pods that ask for GPUs land there."""

GPU_NODE_LABEL = "nvidia.com/gpu.present"
"""Label on every GPU node group's nodes (the name NVIDIA's GPU feature discovery uses); the device
plugin is scheduled by it, so it never runs on CPU nodes."""

TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")

_EKS_TAINT_EFFECTS = {
    "NoSchedule": "NO_SCHEDULE",
    "PreferNoSchedule": "PREFER_NO_SCHEDULE",
    "NoExecute": "NO_EXECUTE",
}


@dataclass(frozen=True)
class GpuFamily:
    gpu: str
    """The GPU model, for messages and docs."""
    architecture: str
    """'x86_64' or 'arm64': selects the NVIDIA AMI."""
    gpus_per_size: Mapping[str, int]


_ONE_GPU_SIZES = ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge")

GPU_FAMILIES: dict[str, GpuFamily] = {
    "p3": GpuFamily("V100", "x86_64", {"2xlarge": 1, "8xlarge": 4, "16xlarge": 8}),
    "p3dn": GpuFamily("V100", "x86_64", {"24xlarge": 8}),
    "p4d": GpuFamily("A100", "x86_64", {"24xlarge": 8}),
    "p4de": GpuFamily("A100 80GB", "x86_64", {"24xlarge": 8}),
    "p5": GpuFamily("H100", "x86_64", {"4xlarge": 1, "48xlarge": 8}),
    "p5e": GpuFamily("H200", "x86_64", {"48xlarge": 8}),
    "p5en": GpuFamily("H200", "x86_64", {"48xlarge": 8}),
    "p6-b200": GpuFamily("B200", "x86_64", {"48xlarge": 8}),
    "p6-b300": GpuFamily("B300", "x86_64", {"48xlarge": 8}),
    "g4dn": GpuFamily("T4", "x86_64", {**dict.fromkeys(_ONE_GPU_SIZES, 1), "12xlarge": 4, "metal": 8}),
    "g5": GpuFamily(
        "A10G", "x86_64", {**dict.fromkeys(_ONE_GPU_SIZES, 1), "12xlarge": 4, "24xlarge": 4, "48xlarge": 8}
    ),
    "g5g": GpuFamily(
        "T4G",
        "arm64",
        {**dict.fromkeys(("xlarge", "2xlarge", "4xlarge", "8xlarge"), 1), "16xlarge": 2, "metal": 2},
    ),
    "g6": GpuFamily(
        "L4", "x86_64", {**dict.fromkeys(_ONE_GPU_SIZES, 1), "12xlarge": 4, "24xlarge": 4, "48xlarge": 8}
    ),
    "g6e": GpuFamily(
        "L40S", "x86_64", {**dict.fromkeys(_ONE_GPU_SIZES, 1), "12xlarge": 4, "24xlarge": 4, "48xlarge": 8}
    ),
    "gr6": GpuFamily("L4", "x86_64", {"4xlarge": 1, "8xlarge": 1}),
}

NOT_NVIDIA_GPU: dict[str, str] = {
    "trn1": "AWS Trainium",
    "trn1n": "AWS Trainium",
    "trn2": "AWS Trainium",
    "trn2u": "AWS Trainium",
    "inf1": "AWS Inferentia",
    "inf2": "AWS Inferentia",
    "dl1": "Habana Gaudi",
    "dl2q": "Qualcomm AI 100",
    "g4ad": "AMD Radeon Pro V520",
    "g6f": "a fractional NVIDIA L4",
    "gr6f": "a fractional NVIDIA L4",
}
"""Accelerated families that are not (whole) NVIDIA GPUs, named in error messages."""

# Graviton families: a 'g' among the letters after the generation digit (m7g, c7gn, r6gd, t4g, im4gn),
# plus a1. GPU families carry their architecture in the table instead.
_ARM_FAMILY = re.compile(r"^(a1|[a-z]+\d+[a-z]*g[a-z]*)$")


def family(instance_type: str) -> str:
    """`p4d.24xlarge` -> `p4d`; a bare family name is returned as is."""
    return instance_type.split(".", 1)[0]


def gpu_family(instance_type: str) -> GpuFamily | None:
    return GPU_FAMILIES.get(family(instance_type))


def is_gpu_instance(instance_type: str) -> bool:
    """True for instance types (or family names) with whole NVIDIA GPUs."""
    return gpu_family(instance_type) is not None


def gpus_per_instance(instance_type: str) -> int:
    """GPUs of one instance of the type (0 for CPU instance types)."""
    entry = gpu_family(instance_type)
    if entry is None:
        return 0
    size = instance_type.split(".", 1)[1] if "." in instance_type else ""
    return entry.gpus_per_size.get(size, 0)


def max_gpus_per_instance(instance_types: Iterable[str]) -> int:
    """The largest GPU count among the types; for a bare family name, its largest size."""
    counts = [
        max(entry.gpus_per_size.values())
        if "." not in name and (entry := gpu_family(name))
        else gpus_per_instance(name)
        for name in instance_types
    ]
    return max(counts, default=0)


def architecture(instance_type: str) -> str:
    entry = gpu_family(instance_type)
    if entry is not None:
        return entry.architecture
    return "arm64" if _ARM_FAMILY.match(family(instance_type)) else "x86_64"


def not_gpu_reason(instance_type: str) -> str:
    """Why an instance type cannot join a GPU node group, for error messages."""
    kind = NOT_NVIDIA_GPU.get(family(instance_type))
    what = f"has {kind}, not NVIDIA GPUs" if kind else "has no NVIDIA GPU"
    return f"'{instance_type}' {what}; GPU node groups use NVIDIA GPU families: " + ", ".join(
        sorted(GPU_FAMILIES)
    )


def eks_ami_type(gpu: bool, arch: str) -> str:
    """The EKS-optimized AL2023 AMI for a node group (values of botocore's EKS `AMITypes`).
    AL2 AMIs stop at Kubernetes 1.32, so stackyard uses AL2023 throughout."""
    arch_part = "ARM_64" if arch == "arm64" else "x86_64"
    return f"AL2023_{arch_part}_{'NVIDIA' if gpu else 'STANDARD'}"


@dataclass(frozen=True)
class Taint:
    key: str
    effect: str = "NoSchedule"
    value: str | None = None

    def eks(self) -> NodeGroupTaintArgsDict:
        """The taint as an EKS managed node group takes it (`NO_SCHEDULE`, ...)."""
        taint: NodeGroupTaintArgsDict = {"key": self.key, "effect": _EKS_TAINT_EFFECTS[self.effect]}
        if self.value:
            taint["value"] = self.value
        return taint

    def autoscaler_tag(self) -> tuple[str, str]:
        """cluster-autoscaler's node-template tag for the taint (`value:Effect`)."""
        return (
            f"k8s.io/cluster-autoscaler/node-template/taint/{self.key}",
            f"{self.value or ''}:{self.effect}",
        )


DEFAULT_GPU_TAINT = Taint(GPU_TAINT_KEY, "NoSchedule")


def toleration(taint: Taint) -> dict[str, str]:
    """The toleration that matches exactly this taint (Kubernetes wire form)."""
    if taint.value:
        return {"key": taint.key, "operator": "Equal", "value": taint.value, "effect": taint.effect}
    return {"key": taint.key, "operator": "Exists", "effect": taint.effect}


def tolerations_for(taint_sets: Iterable[Sequence[Taint]]) -> list[dict[str, str]]:
    """Tolerations matching every taint of every GPU node group, deduplicated in a stable order:
    the device plugin built from them runs on every GPU node by construction."""
    seen: dict[tuple[str, str, str], dict[str, str]] = {}
    for taints in taint_sets:
        for taint in taints:
            seen.setdefault((taint.key, taint.value or "", taint.effect), toleration(taint))
    return [seen[key] for key in sorted(seen)]


def tolerates(tolerations: Sequence[Mapping[str, Any]], taint: Taint) -> bool:
    """Kubernetes' matching rule (`v1.Toleration.ToleratesTaint`): same key (or an empty key with
    Exists), same effect (or none), and Exists or an equal value."""
    for rule in tolerations:
        effect = rule.get("effect")
        if effect and effect != taint.effect:
            continue
        key = rule.get("key")
        operator = rule.get("operator", "Equal")
        if not key:
            if operator == "Exists":
                return True
            continue
        if key != taint.key:
            continue
        if operator == "Exists" or rule.get("value", "") == (taint.value or ""):
            return True
    return False


def autoscaler_node_template_tags(
    gpus: int, labels: Mapping[str, str], taints: Sequence[Taint]
) -> dict[str, str]:
    """Auto Scaling group tags that let cluster-autoscaler build a node template for a group
    scaled to zero: with no node to look at, these say what a new node would offer."""
    tags = {f"k8s.io/cluster-autoscaler/node-template/label/{key}": value for key, value in labels.items()}
    tags.update(taint.autoscaler_tag() for taint in taints)
    if gpus:
        tags[f"k8s.io/cluster-autoscaler/node-template/resources/{GPU_RESOURCE}"] = str(gpus)
    return dict(sorted(tags.items()))
