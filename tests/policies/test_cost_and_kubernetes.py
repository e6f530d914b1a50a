from __future__ import annotations

import pytest

from stackyard.policies.rules.kubernetes import floating_image
from tests.policies.harness import UNKNOWN, Stack, check_case, resource_case, run_resource, stack_case

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
DEV = {"environment": "dev"}


def _gpu_group(
    max_size: float, min_size: float = 0.0, instance: str = "g5.2xlarge", tags: dict | None = None
) -> dict:
    return {
        "instanceTypes": [instance],
        "amiType": "AL2023_x86_64_NVIDIA",
        "tags": tags or {},
        "scalingConfig": {"minSize": min_size, "maxSize": max_size, "desiredSize": min_size},
    }


def _total(*sizes: float):
    def build(stack: Stack) -> None:
        for i, size in enumerate(sizes):
            stack.add(NODE_GROUP, f"gpu-{i}", _gpu_group(size))
        stack.add(
            NODE_GROUP,
            "system",
            {"instanceTypes": ["m6i.large"], "scalingConfig": {"minSize": 2.0, "maxSize": 50.0}},
        )

    return build


def _container(name: str = "trainer", **overrides: object) -> dict:
    container = {
        "name": name,
        "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/train:1.4.2",
        "resources": {
            "requests": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"},
            "limits": {"memory": "16Gi", "nvidia.com/gpu": "1"},
        },
    }
    container.update(overrides)
    return container


def _deployment(*containers: dict, tolerations: list | None = None) -> dict:
    spec: dict = {"containers": list(containers)}
    if tolerations:
        spec["tolerations"] = tolerations
    return {
        "metadata": {"name": "train", "namespace": "ml"},
        "spec": {
            "selector": {"matchLabels": {"app": "t"}},
            "template": {"metadata": {"labels": {"app": "t"}}, "spec": spec},
        },
    }


GPU_TOLERATION = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]


def _namespace(with_quota: bool, literal: bool = False):
    def build(stack: Stack) -> None:
        ns = stack.add("kubernetes:core/v1:Namespace", "team-a", {"metadata": {"name": "team-a"}})
        if with_quota:
            metadata = {"name": "gpu-quota", "namespace": "team-a" if literal else UNKNOWN}
            stack.add(
                "kubernetes:core/v1:ResourceQuota",
                "team-a-quota",
                {"metadata": metadata, "spec": {"hard": {"requests.nvidia.com/gpu": "4"}}},
                deps={} if literal else {"metadata": [ns]},
            )

    return build


CASES = [
    resource_case("SY-COST-001", "g5", NODE_GROUP, _gpu_group(4.0)),
    resource_case(
        "SY-COST-001",
        "p5-not-allowed",
        NODE_GROUP,
        _gpu_group(4.0, instance="p5.48xlarge"),
        "GPU instance type 'p5.48xlarge' is not in the allowed families ['g5']",
        config={"allowedGpuFamilies": ["g5"]},
    ),
    resource_case(
        "SY-COST-001",
        "sagemaker-p3",
        "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
        {"productionVariants": [{"variantName": "a", "instanceType": "ml.p3.2xlarge"}]},
        "GPU instance type 'ml.p3.2xlarge' is not in the allowed families "
        "['g4dn', 'g5', 'g6', 'g6e', 'p4d', 'p5']",
    ),
    resource_case("SY-COST-002", "within-cap", NODE_GROUP, _gpu_group(8.0)),
    resource_case(
        "SY-COST-002",
        "over-cap",
        NODE_GROUP,
        _gpu_group(20.0),
        "GPU node group may grow to 20 nodes, more than the cap 8",
    ),
    stack_case("SY-COST-003", "within-total", _total(8.0, 8.0)),
    stack_case(
        "SY-COST-003",
        "over-total",
        _total(4.0, 6.0),
        "gpu-0: GPU node groups may grow to 10 nodes in total, more than the cap 6",
        "gpu-1: GPU node groups may grow to 10 nodes in total, more than the cap 6",
        config={"maxGpuNodesTotal": 6},
    ),
    resource_case("SY-COST-004", "scales-to-zero", NODE_GROUP, _gpu_group(4.0, tags=DEV)),
    resource_case(
        "SY-COST-004",
        "keeps-one",
        NODE_GROUP,
        _gpu_group(4.0, min_size=1.0, tags=DEV),
        "GPU node group keeps 1 nodes running when idle (minSize 1)",
    ),
    resource_case(
        "SY-K8S-001", "gpu-limited", DEPLOYMENT, _deployment(_container(), tolerations=GPU_TOLERATION)
    ),
    resource_case(
        "SY-K8S-001",
        "request-without-limit",
        DEPLOYMENT,
        _deployment(
            _container(
                resources={
                    "requests": {"cpu": "1", "memory": "1Gi", "nvidia.com/gpu": "1"},
                    "limits": {"memory": "1Gi"},
                }
            )
        ),
        "container 'trainer' requests nvidia.com/gpu without a limit",
    ),
    resource_case(
        "SY-K8S-001",
        "toleration-without-gpu",
        DEPLOYMENT,
        _deployment(
            _container(resources={"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "1Gi"}}),
            tolerations=GPU_TOLERATION,
        ),
        "the pod tolerates the nvidia.com/gpu taint but no container sets an nvidia.com/gpu limit",
    ),
    resource_case("SY-K8S-002", "set", DEPLOYMENT, _deployment(_container())),
    resource_case(
        "SY-K8S-002",
        "missing",
        "kubernetes:batch/v1:Job",
        {
            "spec": {
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [_container(resources={"requests": {"cpu": "1"}})],
                    }
                }
            }
        },
        "container 'trainer' does not set ['requests.memory', 'limits.memory']",
    ),
    resource_case(
        "SY-K8S-003",
        "unprivileged",
        DEPLOYMENT,
        _deployment(_container(securityContext={"privileged": False})),
    ),
    resource_case(
        "SY-K8S-003",
        "privileged",
        "kubernetes:core/v1:Pod",
        {"spec": {"containers": [_container(securityContext={"privileged": True})]}},
        "container 'trainer' is privileged",
    ),
    resource_case("SY-K8S-004", "pinned", DEPLOYMENT, _deployment(_container())),
    resource_case(
        "SY-K8S-004",
        "latest",
        "kubernetes:batch/v1:CronJob",
        {
            "spec": {
                "schedule": "@daily",
                "jobTemplate": {
                    "spec": {
                        "template": {
                            "spec": {
                                "containers": [
                                    _container(image="python:latest"),
                                    _container("sidecar", image="busybox"),
                                ]
                            }
                        }
                    }
                },
            }
        },
        "container 'trainer' uses the floating image 'python:latest'",
        "container 'sidecar' uses the floating image 'busybox'",
    ),
    stack_case("SY-K8S-005", "quota-by-dependency", _namespace(True)),
    stack_case("SY-K8S-005", "quota-by-name", _namespace(True, literal=True)),
    stack_case("SY-K8S-005", "no-quota", _namespace(False), "team-a: namespace has no ResourceQuota"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}:{c.label}")
def test_rule(case) -> None:
    check_case(case)


@pytest.mark.parametrize(
    ("image", "floating"),
    [
        ("busybox", True),
        ("python:latest", True),
        ("localhost:5000/app", True),
        ("localhost:5000/app:1.0", False),
        ("repo/app@sha256:abc", False),
        ("repo/app:latest@sha256:abc", False),
        ("nvcr.io/nvidia/pytorch:24.05-py3", False),
    ],
)
def test_floating_image(image: str, floating: bool) -> None:
    assert floating_image(image) is floating


def test_kserve_predictor_model_counts_as_a_container() -> None:
    props = {
        "metadata": {"name": "churn"},
        "spec": {
            "predictor": {
                "model": {
                    "modelFormat": {"name": "sklearn"},
                    "storageUri": "s3://b/m",
                    "resources": {"requests": {"cpu": "1"}},
                }
            }
        },
    }
    outcome = run_resource("SY-K8S-002", "kubernetes:serving.kserve.io/v1beta1:InferenceService", props)
    assert outcome.violations == [
        "container 'kserve-container' does not set ['requests.memory', 'limits.memory']"
    ]


def test_cpu_node_groups_are_not_gpu_groups() -> None:
    outcome = run_resource(
        "SY-COST-002", NODE_GROUP, {"instanceTypes": ["m6i.large"], "scalingConfig": {"maxSize": 50.0}}
    )
    assert outcome.not_applicable == "not a GPU node group"


def test_total_over_cap_fails_even_with_an_unknown_group() -> None:
    stack = Stack()
    _total(10.0)(stack)
    stack.add(NODE_GROUP, "gpu-unknown", {**_gpu_group(1.0), "scalingConfig": {"maxSize": UNKNOWN}})
    outcome = stack.run("SY-COST-003", {"maxGpuNodesTotal": 6})
    assert outcome.violations == ["gpu-0: GPU node groups may grow to 10 nodes in total, more than the cap 6"]
    assert len(outcome.indeterminate) == 1


def test_gpu_limits_do_not_apply_to_node_agents() -> None:
    """The NVIDIA device plugin runs on every GPU node: it tolerates the GPU taint, uses no GPU."""
    agent = _container("nvidia-device-plugin", resources={"requests": {"cpu": "50m", "memory": "64Mi"}})
    props = _deployment(agent, tolerations=GPU_TOLERATION)
    daemon_set = run_resource("SY-K8S-001", "kubernetes:apps/v1:DaemonSet", props)
    assert daemon_set.not_applicable == (
        "a DaemonSet runs a per-node agent, which tolerates GPU taints without using GPUs"
    )
    deployment = run_resource("SY-K8S-001", DEPLOYMENT, props)
    assert deployment.violations == [
        "the pod tolerates the nvidia.com/gpu taint but no container sets an nvidia.com/gpu limit"
    ]
