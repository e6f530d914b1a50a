"""GPU facts and scheduling rules, without Pulumi."""

from __future__ import annotations

import pytest

from stackyard.components.iam import service_account_trust_policy
from stackyard.components.training import gpu, manifests
from stackyard.components.training.versions import CLUSTER_AUTOSCALER_IMAGES, NVIDIA_DEVICE_PLUGIN_IMAGE
from stackyard.spec import aws


def test_gpu_table_covers_every_size_botocore_knows() -> None:
    for family, entry in gpu.GPU_FAMILIES.items():
        sizes = {name.split(".", 1)[1] for name in aws.ec2_instance_types() if gpu.family(name) == family}
        assert sizes == set(entry.gpus_per_size), family


def test_excluded_accelerator_families_exist_in_botocore() -> None:
    families = {gpu.family(name) for name in aws.ec2_instance_types()}
    assert set(gpu.NOT_NVIDIA_GPU) <= families


@pytest.mark.parametrize(
    ("instance_type", "gpus", "arch"),
    [
        ("g5.2xlarge", 1, "x86_64"),
        ("g5.12xlarge", 4, "x86_64"),
        ("p4d.24xlarge", 8, "x86_64"),
        ("g5g.16xlarge", 2, "arm64"),
        ("m7g.large", 0, "arm64"),
        ("c7gn.xlarge", 0, "arm64"),
        ("m6i.large", 0, "x86_64"),
        ("trn1.32xlarge", 0, "x86_64"),
    ],
)
def test_gpus_and_architecture(instance_type: str, gpus: int, arch: str) -> None:
    assert gpu.gpus_per_instance(instance_type) == gpus
    assert gpu.architecture(instance_type) == arch


def test_ami_types_are_ones_eks_accepts() -> None:
    allowed = set(aws.shape_constraints("eks", "AMITypes").enum)
    for is_gpu in (True, False):
        for arch in ("x86_64", "arm64"):
            assert gpu.eks_ami_type(is_gpu, arch) in allowed
    assert gpu.eks_ami_type(True, "x86_64") == "AL2023_x86_64_NVIDIA"


def test_tolerations_match_every_taint_including_custom_ones() -> None:
    groups = [
        [gpu.DEFAULT_GPU_TAINT],
        [gpu.DEFAULT_GPU_TAINT, gpu.Taint("dedicated", "NoExecute", "llm")],
        [gpu.Taint("team", "PreferNoSchedule")],
    ]
    tolerations = gpu.tolerations_for(groups)
    assert tolerations == [
        {"key": "dedicated", "operator": "Equal", "value": "llm", "effect": "NoExecute"},
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "team", "operator": "Exists", "effect": "PreferNoSchedule"},
    ]
    assert all(gpu.tolerates(tolerations, taint) for taints in groups for taint in taints)
    # and nothing broader: an unrelated taint, or the same key with another value or effect, is not tolerated
    assert not gpu.tolerates(tolerations, gpu.Taint("dedicated", "NoExecute", "other"))
    assert not gpu.tolerates(tolerations, gpu.Taint("nvidia.com/gpu", "NoExecute"))
    assert not gpu.tolerates(tolerations, gpu.Taint("spot", "NoSchedule"))


def test_toleration_matching_follows_kubernetes() -> None:
    taint = gpu.Taint("dedicated", "NoSchedule", "llm")
    assert gpu.tolerates([{"operator": "Exists"}], taint)
    assert gpu.tolerates([{"key": "dedicated", "operator": "Exists"}], taint)
    assert gpu.tolerates([{"key": "dedicated", "value": "llm"}], taint)  # Equal is the default operator
    assert not gpu.tolerates([{"key": "dedicated", "value": "llm", "effect": "NoExecute"}], taint)


def test_node_template_tags_for_scale_from_zero() -> None:
    tags = gpu.autoscaler_node_template_tags(
        8,
        {"nvidia.com/gpu.present": "true"},
        [gpu.DEFAULT_GPU_TAINT, gpu.Taint("dedicated", "NoExecute", "llm")],
    )
    assert tags == {
        "k8s.io/cluster-autoscaler/node-template/label/nvidia.com/gpu.present": "true",
        "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu": "8",
        "k8s.io/cluster-autoscaler/node-template/taint/dedicated": "llm:NoExecute",
        "k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu": ":NoSchedule",
    }


def test_images_are_pinned() -> None:
    for image in [NVIDIA_DEVICE_PLUGIN_IMAGE, *CLUSTER_AUTOSCALER_IMAGES.values()]:
        assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest")


def test_limit_range_caps_gpus_at_a_node_and_the_quota() -> None:
    assert manifests.max_gpus_per_container(16, 8) == 8
    assert manifests.max_gpus_per_container(4, 8) == 4
    assert manifests.max_gpus_per_container(4, None) == 4
    assert "max" not in manifests.team_limit_range("t", "1", "4Gi", 0)["spec"]["limits"][0]


def test_service_account_trust_is_scoped_to_one_account() -> None:
    import json

    policy = json.loads(
        service_account_trust_policy(
            "arn:aws:iam::1:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
            "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
            "kube-system",
            "aws-node",
        )
    )
    condition = policy["Statement"][0]["Condition"]["StringEquals"]
    assert condition == {
        "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:kube-system:aws-node",
        "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
    }


def test_every_supported_eks_version_has_a_kubernetes_schema() -> None:
    from stackyard.components.training.versions import EKS_VERSIONS
    from tests.components.k8s_validation import SHIPPED

    assert set(EKS_VERSIONS) <= SHIPPED
