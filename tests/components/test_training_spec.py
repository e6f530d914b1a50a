"""The training section's rules: each invalid spec fails with a clear message at its path."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from stackyard.spec.loader import SpecError
from tests.components.training_specs import batch_cluster, eks_cluster
from tests.specs import make_spec

GPU_FAMILIES = "g4dn, g5, g5g, g6, g6e, gr6, p3, p3dn, p4d, p4de, p5, p5e, p5en, p6-b200, p6-b300"


def issues_of(*clusters: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        make_spec(training={"clusters": list(clusters)})
    return caught.value.issues


def with_group(index: int, **changes: Any) -> dict[str, Any]:
    cluster = eks_cluster()
    group = copy.deepcopy(cluster["eks"]["node_groups"][index])
    group.update(changes)
    cluster["eks"]["node_groups"][index] = group
    return cluster


def test_valid_spec_derives_taints_labels_and_capacity() -> None:
    spec = make_spec(training={"clusters": [eks_cluster(), batch_cluster()]})
    assert spec.training is not None
    research, jobs = spec.training.clusters
    assert (research.backend, jobs.backend) == ("eks", "batch")
    assert research.eks is not None
    system, a10g, h100 = research.eks.node_groups
    assert system.effective_taints == [] and system.gpus_per_node == 0
    assert [(t.key, t.value, t.effect) for t in h100.effective_taints] == [
        ("nvidia.com/gpu", None, "NoSchedule"),
        ("dedicated", "llm", "NoExecute"),
    ]
    assert a10g.effective_labels == {"workload": "finetune", "nvidia.com/gpu.present": "true"}
    assert a10g.initial_size == 0  # desired defaults to min: GPU groups start empty
    assert research.eks.gpu_capacity == 8 * 1 + 2 * 8
    assert spec.training.required_services() == {"eks", "autoscaling", "batch"}


def test_cpu_instance_in_a_gpu_group() -> None:
    assert issues_of(with_group(1, instance_types=["g5.2xlarge", "m6i.2xlarge"])) == [
        (
            "training.clusters[0].eks.node_groups[1].instance_types[1]",
            f"'m6i.2xlarge' has no NVIDIA GPU; GPU node groups use NVIDIA GPU families: {GPU_FAMILIES}",
        )
    ]


def test_trainium_is_not_a_gpu() -> None:
    assert issues_of(with_group(2, instance_types=["trn1.32xlarge"])) == [
        (
            "training.clusters[0].eks.node_groups[2].instance_types[0]",
            f"'trn1.32xlarge' has AWS Trainium, not NVIDIA GPUs; GPU node groups use NVIDIA GPU families: {GPU_FAMILIES}",
        )
    ]


def test_gpu_instance_in_a_cpu_group() -> None:
    assert issues_of(with_group(0, instance_types=["g5.xlarge"])) == [
        (
            "training.clusters[0].eks.node_groups[0].instance_types[0]",
            "'g5.xlarge' is a GPU instance type; set gpu: true so its nodes get the NVIDIA AMI and taint",
        )
    ]


def test_min_greater_than_max() -> None:
    assert issues_of(with_group(1, min_size=3, max_size=2)) == [
        ("training.clusters[0].eks.node_groups[1].min_size", "min_size 3 is greater than max_size 2")
    ]


def test_desired_outside_min_and_max() -> None:
    assert issues_of(with_group(1, min_size=1, desired_size=9, max_size=8)) == [
        (
            "training.clusters[0].eks.node_groups[1].desired_size",
            "desired_size 9 must be between min_size 1 and max_size 8",
        )
    ]


def test_unknown_instance_type_with_suggestions() -> None:
    assert issues_of(with_group(2, instance_types=["p5.48xlarg"])) == [
        (
            "training.clusters[0].eks.node_groups[2].instance_types[0]",
            "unknown EC2 instance type 'p5.48xlarg'; did you mean p5.48xlarge, p5e.48xlarge, p5.4xlarge?",
        )
    ]


def test_public_endpoint_without_cidrs() -> None:
    assert issues_of(eks_cluster(endpoint={"public": True})) == [
        (
            "training.clusters[0].eks.endpoint.public_access_cidrs",
            "a public endpoint needs an explicit CIDR allowlist (public_access_cidrs), e.g. your office's range",
        )
    ]


def test_public_endpoint_open_to_the_internet() -> None:
    assert issues_of(eks_cluster(endpoint={"public": True, "public_access_cidrs": ["0.0.0.0/0"]})) == [
        (
            "training.clusters[0].eks.endpoint.public_access_cidrs[0]",
            "'0.0.0.0/0' opens the API server to the internet",
        )
    ]


def test_every_error_at_once() -> None:
    cluster = with_group(1, instance_types=["c5.large"], min_size=5, max_size=1)
    cluster["eks"]["endpoint"] = {"public": True}
    paths = [path for path, _ in issues_of(cluster, batch_cluster(max_vcpus=0))]
    assert paths == [
        "training.clusters[0].eks.endpoint.public_access_cidrs",
        "training.clusters[0].eks.node_groups[1].instance_types[0]",
        "training.clusters[0].eks.node_groups[1].min_size",
        "training.clusters[1].batch.max_vcpus",
    ]


def test_gpu_types_of_a_group_must_have_the_same_gpu_count() -> None:
    assert issues_of(with_group(1, instance_types=["g5.2xlarge", "g5.12xlarge"])) == [
        (
            "training.clusters[0].eks.node_groups[1].instance_types",
            "the instance types have 1, 4 GPUs per instance; a node group's types must have the same number "
            "(the autoscaler builds one node template per group)",
        )
    ]


def test_a_cpu_group_must_host_the_system_pods() -> None:
    cluster = eks_cluster()
    cluster["eks"]["node_groups"] = cluster["eks"]["node_groups"][1:]
    assert issues_of(cluster) == [
        (
            "training.clusters[0].eks.node_groups",
            "add a CPU node group (gpu: false) with min_size >= 1: the cluster add-ons and the autoscaler "
            "that scales the GPU groups from zero run there",
        )
    ]


def test_team_quota_beyond_the_clusters_gpus() -> None:
    assert issues_of(
        eks_cluster(teams=[{"name": "vision", "gpu_quota": 64}, {"name": "kube-ops", "gpu_quota": 1}])
    ) == [
        ("training.clusters[0].eks.teams[1].name", "'kube-ops' is a system namespace; give the team its own"),
    ]
    assert issues_of(eks_cluster(teams=[{"name": "vision", "gpu_quota": 64}])) == [
        (
            "training.clusters[0].eks.teams[0].gpu_quota",
            "a quota of 64 GPUs exceeds the 24 GPUs the node groups provide at max_size",
        )
    ]


def test_unsupported_kubernetes_version() -> None:
    assert issues_of(eks_cluster(version="1.27")) == [
        (
            "training.clusters[0].eks.version",
            "Kubernetes version '1.27' is not supported; use one of 1.30, 1.31, 1.32, 1.33, 1.34, 1.35",
        )
    ]


def test_cluster_needs_exactly_one_backend() -> None:
    both = {**eks_cluster(), "batch": batch_cluster()["batch"]}
    assert issues_of(both) == [
        (
            "training.clusters[0].name",
            "cluster 'research' needs exactly one backend block (eks, batch or kubernetes), got eks, batch",
        )
    ]


def test_batch_rules() -> None:
    assert issues_of(batch_cluster(instance_types=["c5.large", "g5g.xlarge", "g5"])) == [
        (
            "training.clusters[0].batch.instance_types[0]",
            f"'c5.large' has no NVIDIA GPU; GPU compute environments use NVIDIA GPU families: {GPU_FAMILIES}",
        ),
        (
            "training.clusters[0].batch.instance_types[1]",
            "'g5g.xlarge' is a Graviton (arm64) type; Batch's NVIDIA AMI runs on x86_64 only",
        ),
    ]
    assert issues_of(batch_cluster(instance_types=["g6.xlarge"], job_definition={"gpus": 4})) == [
        (
            "training.clusters[0].batch.job_definition.gpus",
            "jobs request 4 GPUs but the largest instance type has 1",
        )
    ]
    assert issues_of(batch_cluster(job_definition={"image": "nvcr.io/nvidia/pytorch:latest"})) == [
        (
            "training.clusters[0].batch.job_definition.image",
            "'nvcr.io/nvidia/pytorch:latest' must be pinned to a version tag or digest (not 'latest')",
        )
    ]


def test_kubernetes_targets_may_name_only_eks_clusters() -> None:
    from stackyard.spec.common import KubernetesTargetSpec

    spec = make_spec(training={"clusters": [eks_cluster(), batch_cluster()]})
    assert list(KubernetesTargetSpec(cluster="research").stack_issues(spec)) == []
    assert list(KubernetesTargetSpec(cluster="jobs").stack_issues(spec)) == [
        (("cluster",), "no EKS cluster named 'jobs' in training.clusters (EKS clusters: research)")
    ]
