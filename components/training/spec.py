"""Spec of the `training` section: GPU training clusters (EKS, AWS Batch, or an existing Kubernetes
cluster for the Kubernetes parts alone).

Each cluster names its backend by the one block it has (`eks`, `batch` or `kubernetes`), so an error
path reads like the YAML it points at: `training.clusters[0].eks.node_groups[1].instance_types[0]`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import Field, model_validator

from stackyard.components.training import gpu
from stackyard.components.training.gpu import Taint
from stackyard.components.training.versions import DEFAULT_EKS_VERSION, EKS_VERSIONS
from stackyard.spec import aws
from stackyard.spec.base import Loc, SectionSpec, SpecIssues, SpecModel, duplicates

CLUSTER_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
# At most 30 characters, so `<cluster>-<group>` fits EKS's 63-character node group names.
NODE_GROUP_NAME = re.compile(r"^[a-z][a-z0-9-]{0,28}[a-z0-9]$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# A qualified name with an optional DNS-subdomain prefix, as labels and taint keys use.
LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
QUANTITY = re.compile(r"^\d+(\.\d+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
IAM_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
PINNED_IMAGE = re.compile(r"^[^\s:@]+(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$")
RESERVED_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})


def _instance_type_issues(value: str) -> str | None:
    """None when botocore's EC2 model knows the type, otherwise a message with suggestions."""
    known = aws.ec2_instance_types()
    if value in known:
        return None
    hint = aws.closest(value, set(known))
    return f"unknown EC2 instance type '{value}'" + (f"; did you mean {', '.join(hint)}?" if hint else "")


class TaintSpec(SpecModel):
    """A Kubernetes taint on a node group's nodes."""

    key: str = Field(description="Taint key, e.g. 'nvidia.com/gpu' or 'team'.")
    value: str | None = Field(default=None, description="Taint value (optional).")
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] = Field(
        default="NoSchedule", description="What the taint does to pods that do not tolerate it."
    )

    @model_validator(mode="after")
    def _valid_names(self) -> TaintSpec:
        issues = SpecIssues()
        if not LABEL_KEY.match(self.key):
            issues.add(
                "key", f"'{self.key}' is not a valid taint key (a qualified name like 'example.com/gpu')"
            )
        if self.value is not None and not LABEL_VALUE.match(self.value):
            issues.add("value", f"'{self.value}' is not a valid taint value")
        issues.raise_if_any("TaintSpec")
        return self

    def taint(self) -> Taint:
        return Taint(self.key, self.effect, self.value)


def _label_issues(labels: dict[str, str]) -> list[tuple[Loc, str]]:
    issues: list[tuple[Loc, str]] = []
    for key, value in labels.items():
        if not LABEL_KEY.match(key):
            issues.append((("labels", key), f"'{key}' is not a valid Kubernetes label key"))
        if not LABEL_VALUE.match(value):
            issues.append((("labels", key), f"'{value}' is not a valid Kubernetes label value"))
    return issues


class NodeGroupSpec(SpecModel):
    """An EKS managed node group."""

    name: str = Field(description="Node group name, unique in the cluster (lowercase, digits, hyphens).")
    gpu: bool = Field(
        default=True,
        description="A GPU node group: NVIDIA instance types, the NVIDIA AMI, the GPU taint and label. "
        "false for the CPU group that runs the cluster's system pods.",
    )
    instance_types: list[str] = Field(
        min_length=1,
        description="EC2 instance types, e.g. ['g5.2xlarge']; all with the same GPUs per instance.",
    )
    capacity: Literal["on-demand", "spot"] = Field(
        default="on-demand", description="On-demand or spot capacity."
    )
    min_size: int = Field(
        default=0, ge=0, description="Fewest nodes; 0 lets the group scale to zero when idle."
    )
    desired_size: int | None = Field(
        default=None,
        ge=0,
        description="Nodes at creation (default: min_size); the autoscaler manages it after.",
    )
    max_size: int = Field(ge=1, le=1000, description="Most nodes: the group's GPU quota.")
    disk_size_gib: int = Field(
        default=200, ge=20, le=16384, description="Root volume size (GiB), encrypted with the stack key."
    )
    labels: dict[str, str] = Field(
        default_factory=dict, description="Kubernetes labels on the group's nodes."
    )
    gpu_taint: bool = Field(
        default=True,
        description="Taint GPU nodes 'nvidia.com/gpu:NoSchedule' so only pods that tolerate it (GPU pods) land there.",
    )
    taints: list[TaintSpec] = Field(
        default_factory=list,
        description="Further taints on the group's nodes (the device plugin tolerates them).",
    )
    efa: bool = Field(
        default=False,
        description="Attach an Elastic Fabric Adapter and place nodes in one cluster placement group "
        "(one availability zone) for multi-node training. The instance types must support EFA.",
    )

    @model_validator(mode="after")
    def _valid_group(self) -> NodeGroupSpec:
        issues = SpecIssues()
        if not NODE_GROUP_NAME.match(self.name):
            issues.add("name", f"'{self.name}' must be 2-30 lowercase letters, digits and hyphens")
        known = True
        for index, instance_type in enumerate(self.instance_types):
            problem = _instance_type_issues(instance_type)
            if problem:
                known = False
                issues.add(("instance_types", index), problem, instance_type)
            elif self.gpu and not gpu.is_gpu_instance(instance_type):
                known = False
                issues.add(("instance_types", index), gpu.not_gpu_reason(instance_type), instance_type)
            elif not self.gpu and gpu.is_gpu_instance(instance_type):
                issues.add(
                    ("instance_types", index),
                    f"'{instance_type}' is a GPU instance type; set gpu: true so its nodes get the NVIDIA AMI and taint",
                    instance_type,
                )
        if known:
            counts = sorted({gpu.gpus_per_instance(t) for t in self.instance_types})
            if self.gpu and len(counts) > 1:
                issues.add(
                    "instance_types",
                    f"the instance types have {', '.join(map(str, counts))} GPUs per instance; a node group's "
                    "types must have the same number (the autoscaler builds one node template per group)",
                )
            arches = sorted({gpu.architecture(t) for t in self.instance_types})
            if len(arches) > 1:
                issues.add(
                    "instance_types",
                    f"the instance types mix architectures ({', '.join(arches)}); one AMI serves one",
                )
        if duplicates(self.instance_types):
            issues.add("instance_types", f"listed twice: {', '.join(duplicates(self.instance_types))}")
        if self.min_size > self.max_size:
            issues.add("min_size", f"min_size {self.min_size} is greater than max_size {self.max_size}")
        elif not self.min_size <= self.initial_size <= self.max_size:
            issues.add(
                "desired_size",
                f"desired_size {self.initial_size} must be between min_size {self.min_size} and max_size {self.max_size}",
            )
        issues.extend((), _label_issues(self.labels))
        if self.efa and not self.gpu:
            issues.add("efa", "EFA is for multi-node GPU training; set it on a GPU node group")
        keys = [taint.key for taint in self.effective_taints]
        if duplicates(keys):
            issues.add("taints", f"taint key(s) set twice: {', '.join(duplicates(keys))}")
        issues.raise_if_any("NodeGroupSpec")
        return self

    @property
    def initial_size(self) -> int:
        return self.min_size if self.desired_size is None else self.desired_size

    @property
    def effective_taints(self) -> list[Taint]:
        """The taints the group's nodes carry: the GPU taint (unless turned off) and the spec's."""
        default = [gpu.DEFAULT_GPU_TAINT] if self.gpu and self.gpu_taint else []
        return default + [taint.taint() for taint in self.taints]

    @property
    def effective_labels(self) -> dict[str, str]:
        """The spec's labels, plus the GPU label the device plugin is scheduled by."""
        return {**self.labels, gpu.GPU_NODE_LABEL: "true"} if self.gpu else dict(self.labels)

    @property
    def gpus_per_node(self) -> int:
        return gpu.gpus_per_instance(self.instance_types[0]) if self.gpu else 0

    @property
    def architecture(self) -> str:
        return gpu.architecture(self.instance_types[0])


class TeamSpec(SpecModel):
    """A team's namespace on the cluster, with its GPU quota and container defaults."""

    name: str = Field(description="Namespace name (a DNS label).")
    gpu_quota: int = Field(
        ge=0, description="Most GPUs the team's pods may request at once (requests.nvidia.com/gpu)."
    )
    default_cpu: str = Field(default="1", description="CPU request and limit of containers that set none.")
    default_memory: str = Field(
        default="4Gi", description="Memory request and limit of containers that set none."
    )

    @model_validator(mode="after")
    def _valid_team(self) -> TeamSpec:
        issues = SpecIssues()
        if not DNS_LABEL.match(self.name):
            issues.add("name", f"'{self.name}' is not a valid namespace name (lowercase DNS label)")
        elif self.name in RESERVED_NAMESPACES or self.name.startswith("kube-"):
            issues.add("name", f"'{self.name}' is a system namespace; give the team its own")
        for field in ("default_cpu", "default_memory"):
            value = getattr(self, field)
            if not QUANTITY.match(value):
                issues.add(field, f"'{value}' is not a Kubernetes quantity (e.g. '500m', '2', '4Gi')")
        issues.raise_if_any("TeamSpec")
        return self


def _team_issues(teams: list[TeamSpec], gpu_capacity: int | None) -> list[tuple[Loc, str]]:
    issues: list[tuple[Loc, str]] = []
    names = [team.name for team in teams]
    if duplicates(names):
        issues.append((("teams",), f"team names must be unique: {', '.join(duplicates(names))}"))
    if gpu_capacity is not None:
        for index, team in enumerate(teams):
            if team.gpu_quota > gpu_capacity:
                issues.append(
                    (
                        ("teams", index, "gpu_quota"),
                        f"a quota of {team.gpu_quota} GPUs exceeds the {gpu_capacity} GPUs the node groups "
                        "provide at max_size",
                    )
                )
    return issues


class EndpointSpec(SpecModel):
    """Who reaches the cluster's API server. Private (from the VPC) unless asked otherwise."""

    public: bool = Field(
        default=False, description="Also expose the endpoint publicly, to public_access_cidrs only."
    )
    public_access_cidrs: list[str] = Field(
        default_factory=list,
        description="CIDR allowlist of the public endpoint (required with public: true).",
    )

    @model_validator(mode="after")
    def _allowlist(self) -> EndpointSpec:
        issues = SpecIssues()
        if self.public and not self.public_access_cidrs:
            issues.add(
                "public_access_cidrs",
                "a public endpoint needs an explicit CIDR allowlist (public_access_cidrs), e.g. your office's range",
            )
        if not self.public and self.public_access_cidrs:
            issues.add("public_access_cidrs", "public_access_cidrs is only used with public: true")
        for index, cidr in enumerate(self.public_access_cidrs):
            try:
                network = ipaddress.ip_network(cidr)
            except ValueError:
                issues.add(("public_access_cidrs", index), f"'{cidr}' is not a CIDR block", cidr)
                continue
            if network.prefixlen == 0:
                issues.add(
                    ("public_access_cidrs", index), f"'{cidr}' opens the API server to the internet", cidr
                )
        issues.raise_if_any("EndpointSpec")
        return self


class EksSpec(SpecModel):
    """An EKS cluster with GPU managed node groups that scale from zero."""

    version: str = Field(
        default=DEFAULT_EKS_VERSION, description=f"Kubernetes version: one of {', '.join(EKS_VERSIONS)}."
    )
    endpoint: EndpointSpec = Field(default_factory=EndpointSpec, description="API server endpoint access.")
    admin_role_arns: list[str] = Field(
        default_factory=list, description="IAM roles given cluster-admin through EKS access entries."
    )
    node_groups: list[NodeGroupSpec] = Field(
        min_length=1, description="Managed node groups: GPU groups, and one CPU group for system pods."
    )
    teams: list[TeamSpec] = Field(default_factory=list, description="Team namespaces with GPU quotas.")

    @model_validator(mode="after")
    def _valid_cluster(self) -> EksSpec:
        issues = SpecIssues()
        if self.version not in EKS_VERSIONS:
            issues.add(
                "version",
                f"Kubernetes version '{self.version}' is not supported; use one of {', '.join(EKS_VERSIONS)}",
            )
        for index, arn in enumerate(self.admin_role_arns):
            if not IAM_ROLE_ARN.match(arn):
                issues.add(("admin_role_arns", index), f"'{arn}' is not an IAM role ARN", arn)
        role_names = [arn.rsplit("/", 1)[-1] for arn in self.admin_role_arns]
        if duplicates(role_names):
            issues.add(
                "admin_role_arns", f"admin roles need distinct names: {', '.join(duplicates(role_names))}"
            )
        names = [group.name for group in self.node_groups]
        if duplicates(names):
            issues.add("node_groups", f"node group names must be unique: {', '.join(duplicates(names))}")
        if not any(group.gpu for group in self.node_groups):
            issues.add(
                "node_groups", "no GPU node group (gpu: true); use the batch backend for CPU-only work"
            )
        if not any(not group.gpu and group.min_size >= 1 for group in self.node_groups):
            issues.add(
                "node_groups",
                "add a CPU node group (gpu: false) with min_size >= 1: the cluster add-ons and the autoscaler "
                "that scales the GPU groups from zero run there",
            )
        issues.extend((), _team_issues(self.teams, self.gpu_capacity))
        issues.raise_if_any("EksSpec")
        return self

    @property
    def gpu_node_groups(self) -> list[NodeGroupSpec]:
        return [group for group in self.node_groups if group.gpu]

    @property
    def gpu_capacity(self) -> int:
        """GPUs of all GPU node groups at max_size."""
        return sum(group.gpus_per_node * group.max_size for group in self.gpu_node_groups)


class JobQueueSpec(SpecModel):
    name: str = Field(default="gpu", description="Queue name, appended to the stack prefix.")
    priority: int = Field(default=1, ge=0, le=1000, description="Queue priority (higher runs first).")


class JobDefinitionSpec(SpecModel):
    """The job definition template jobs start from; a submission overrides command and sizes."""

    image: str = Field(
        default="nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04",
        description="Container image, pinned to a tag or digest (not 'latest').",
    )
    gpus: int = Field(default=1, ge=1, description="GPUs each job requests.")
    vcpus: int = Field(default=4, ge=1, description="vCPUs each job requests.")
    memory_mib: int = Field(default=16384, ge=512, description="Memory each job requests (MiB).")
    timeout_hours: int = Field(default=24, ge=1, le=336, description="Jobs running longer are stopped.")

    @model_validator(mode="after")
    def _pinned(self) -> JobDefinitionSpec:
        issues = SpecIssues()
        tag = self.image.rsplit("/", 1)[-1]
        if (
            not PINNED_IMAGE.match(self.image)
            or ("@" not in tag and ":" not in tag)
            or tag.endswith(":latest")
        ):
            issues.add("image", f"'{self.image}' must be pinned to a version tag or digest (not 'latest')")
        issues.raise_if_any("JobDefinitionSpec")
        return self


class BatchSpec(SpecModel):
    """An AWS Batch managed EC2 compute environment for GPU jobs, scaled to zero when idle."""

    instance_types: list[str] = Field(
        min_length=1, description="GPU instance types or families, e.g. ['g5.2xlarge', 'p4d']."
    )
    max_vcpus: int = Field(
        ge=1, le=100000, description="Most vCPUs the environment runs at once (its quota)."
    )
    capacity: Literal["on-demand", "spot"] = Field(
        default="on-demand", description="On-demand or spot capacity."
    )
    job_queue: JobQueueSpec = Field(default_factory=JobQueueSpec, description="The environment's job queue.")
    job_definition: JobDefinitionSpec = Field(
        default_factory=JobDefinitionSpec, description="Template of the GPU jobs submitted to the queue."
    )

    @model_validator(mode="after")
    def _valid_batch(self) -> BatchSpec:
        issues = SpecIssues()
        for index, instance_type in enumerate(self.instance_types):
            # Batch also takes whole families ('g5'), which botocore's list of types does not name.
            whole_family = "." not in instance_type and gpu.is_gpu_instance(instance_type)
            problem = None if whole_family else _instance_type_issues(instance_type)
            if problem:
                issues.add(("instance_types", index), problem, instance_type)
            elif not gpu.is_gpu_instance(instance_type):
                issues.add(
                    ("instance_types", index),
                    gpu.not_gpu_reason(instance_type).replace("GPU node groups", "GPU compute environments"),
                    instance_type,
                )
            elif gpu.architecture(instance_type) != "x86_64":
                issues.add(
                    ("instance_types", index),
                    f"'{instance_type}' is a Graviton (arm64) type; Batch's NVIDIA AMI runs on x86_64 only",
                    instance_type,
                )
        if not issues:
            largest = gpu.max_gpus_per_instance(self.instance_types)
            if self.job_definition.gpus > largest:
                issues.add(
                    ("job_definition", "gpus"),
                    f"jobs request {self.job_definition.gpus} GPUs but the largest instance type has {largest}",
                )
        if self.job_definition.vcpus > self.max_vcpus:
            issues.add(
                ("job_definition", "vcpus"), f"jobs request more vCPUs than max_vcpus ({self.max_vcpus})"
            )
        issues.raise_if_any("BatchSpec")
        return self


class ExistingClusterSpec(SpecModel):
    """An existing Kubernetes cluster (on-premises or elsewhere): stackyard adds the GPU device
    plugin and the team namespaces, nothing else."""

    kubeconfig: str = Field(description="Path to the kubeconfig file.")
    context: str | None = Field(
        default=None, description="Context in the kubeconfig (default: its current one)."
    )
    version: str = Field(
        description="The cluster's Kubernetes version, e.g. '1.31' (manifests are checked against it)."
    )
    gpu_node_taints: list[TaintSpec] = Field(
        default_factory=lambda: [TaintSpec(key=gpu.GPU_TAINT_KEY)],
        description="Taints the cluster's GPU nodes carry (the device plugin tolerates them).",
    )
    gpu_node_selector: dict[str, str] = Field(
        default_factory=dict,
        description="Labels of the GPU nodes; the device plugin runs only there (empty: every node).",
    )
    gpus_per_node: int | None = Field(
        default=None, ge=1, description="GPUs of the largest GPU node, if known."
    )
    teams: list[TeamSpec] = Field(default_factory=list, description="Team namespaces with GPU quotas.")

    @model_validator(mode="after")
    def _valid_existing(self) -> ExistingClusterSpec:
        issues = SpecIssues()
        if not re.match(r"^1\.\d{2}$", self.version):
            issues.add("version", f"'{self.version}' is not a Kubernetes minor version like '1.31'")
        for key, value in self.gpu_node_selector.items():
            if not LABEL_KEY.match(key) or not LABEL_VALUE.match(value):
                issues.add(("gpu_node_selector", key), f"'{key}: {value}' is not a valid node label")
        issues.extend((), _team_issues(self.teams, None))
        issues.raise_if_any("ExistingClusterSpec")
        return self


Backend = Literal["eks", "batch", "kubernetes"]
BACKENDS: tuple[Backend, ...] = ("eks", "batch", "kubernetes")


class TrainingClusterSpec(SpecModel):
    """One training cluster; its backend is the one block it has: eks, batch or kubernetes."""

    name: str = Field(description="Cluster name, unique in the stack; prefixed with the stack's name in AWS.")
    eks: EksSpec | None = Field(default=None, description="An EKS cluster with GPU node groups.")
    batch: BatchSpec | None = Field(
        default=None, description="An AWS Batch GPU compute environment and job queue."
    )
    kubernetes: ExistingClusterSpec | None = Field(
        default=None,
        description="An existing Kubernetes cluster given by kubeconfig (Kubernetes parts only).",
    )

    @model_validator(mode="after")
    def _one_backend(self) -> TrainingClusterSpec:
        issues = SpecIssues()
        if not CLUSTER_NAME.match(self.name):
            issues.add(
                "name",
                f"'{self.name}' must be 2-32 lowercase letters, digits and hyphens, starting with a letter",
            )
        given = [backend for backend in BACKENDS if getattr(self, backend) is not None]
        if len(given) != 1:
            issues.add(
                "name",
                f"cluster '{self.name}' needs exactly one backend block (eks, batch or kubernetes), "
                f"got {', '.join(given) or 'none'}",
            )
        issues.raise_if_any("TrainingClusterSpec")
        return self

    @property
    def backend(self) -> Backend:
        return next(backend for backend in BACKENDS if getattr(self, backend) is not None)


class TrainingSpec(SectionSpec):
    """GPU training clusters (EKS, AWS Batch, or an existing Kubernetes cluster)."""

    clusters: list[TrainingClusterSpec] = Field(min_length=1, description="The training clusters.")

    @model_validator(mode="after")
    def _unique_names(self) -> TrainingSpec:
        issues = SpecIssues()
        names = [cluster.name for cluster in self.clusters]
        if duplicates(names):
            issues.add("clusters", f"cluster names must be unique: {', '.join(duplicates(names))}")
        issues.raise_if_any("TrainingSpec")
        return self

    def required_vpc_endpoints(self) -> set[str]:
        """EKS nodes join the cluster and pull images; the autoscaler resizes node groups; Batch's
        ECS agent registers its instances: all from private subnets."""
        backends = {cluster.backend for cluster in self.clusters}
        endpoints: set[str] = set()
        if "eks" in backends:
            endpoints |= {"eks", "eks-auth", "ec2", "autoscaling", "elasticloadbalancing"}
        if "batch" in backends:
            endpoints |= {"ecs", "ecs-agent", "ecs-telemetry"}
        return endpoints

    def required_services(self) -> set[str]:
        backends = {cluster.backend for cluster in self.clusters}
        services = set()
        if "eks" in backends:
            services |= {"eks", "autoscaling"}
        if "batch" in backends:
            services.add("batch")
        return services
