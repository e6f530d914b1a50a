"""The Batch backend, an existing Kubernetes cluster, and the Platform wiring, under Pulumi mocks."""

from __future__ import annotations

import json

from stackyard.components.platform import Platform
from stackyard.components.training.gpu import Taint, tolerates
from stackyard.plan.wire import UNKNOWN
from stackyard.testing import record
from tests.components.k8s_validation import kubernetes_registrations, validate
from tests.components.training_specs import SUBNETS, batch_cluster, build_training
from tests.specs import make_spec


def test_batch_exact_resources_and_inputs() -> None:
    plan, clusters = build_training(batch_cluster())
    assert plan.counts() == {
        "stackyard:training:Training": 1,
        "stackyard:training:BatchCluster": 1,
        "aws:iam/role:Role": 1,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
        "aws:iam/instanceProfile:InstanceProfile": 1,
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:batch/computeEnvironment:ComputeEnvironment": 1,
        "aws:batch/jobQueue:JobQueue": 1,
        "aws:batch/jobDefinition:JobDefinition": 1,
    }
    compute = plan.named("training-jobs-compute")
    assert compute.inputs["name"] == "demo-dev-jobs"
    assert compute.inputs["type"] == "MANAGED"
    assert "serviceRole" not in compute.inputs  # Batch's service-linked role
    resources = compute.inputs["computeResources"]
    assert resources["type"] == "SPOT"
    assert resources["allocationStrategy"] == "SPOT_PRICE_CAPACITY_OPTIMIZED"
    assert (resources["minVcpus"], resources["maxVcpus"]) == (0, 256)
    assert resources["instanceTypes"] == ["g5", "g6.xlarge"]
    assert resources["subnets"] == SUBNETS
    assert resources["ec2Configurations"] == [{"imageType": "ECS_AL2023_NVIDIA"}]
    # the mocks give each resource the ARN arn:aws:<service>:<region>:<account>:<name> and id <name>-id
    assert resources["instanceRole"] == "arn:aws:iam:eu-west-1:123456789012:training-jobs-instance-profile"
    group = plan.named("training-jobs-instances")
    assert resources["securityGroupIds"] == ["training-jobs-instances-id"]
    assert "ingress" not in group.inputs or group.inputs["ingress"] == []
    assert [rule["cidrBlocks"] for rule in group.inputs["egress"]] == [["0.0.0.0/0"]]
    assert group.inputs["egress"][0]["fromPort"] == 443

    queue = plan.named("training-jobs-queue")
    assert queue.inputs["name"] == "demo-dev-jobs-gpu"
    assert queue.inputs["computeEnvironmentOrders"] == [
        {"order": 1, "computeEnvironment": "arn:aws:batch:eu-west-1:123456789012:training-jobs-compute"}
    ]

    job = plan.named("training-jobs-job")
    assert job.inputs["type"] == "container"
    assert job.inputs["platformCapabilities"] == ["EC2"]
    container = json.loads(job.inputs["containerProperties"])
    assert {"type": "GPU", "value": "1"} in container["resourceRequirements"]
    assert container["image"] == "nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04"
    assert container["privileged"] is False
    assert job.inputs["timeout"] == {"attemptDurationSeconds": 24 * 3600}

    policy = plan.named("training-jobs-instance-role-amazonec2containerserviceforec2role")
    assert (
        policy.inputs["policyArn"]
        == "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
    )

    reference = clusters["jobs"]
    assert reference.backend == "batch"
    assert reference.kubernetes_provider is None and reference.gpu_node_groups == {}
    assert reference.job_queue_arn is not None and reference.job_definition_arn is not None


def test_existing_cluster_gets_the_kubernetes_parts_alone() -> None:
    cluster = {
        "name": "onprem",
        "kubernetes": {
            "kubeconfig": "/etc/stackyard/kubeconfig",
            "context": "lab",
            "version": "1.31",
            "gpu_node_taints": [
                {"key": "nvidia.com/gpu"},
                {"key": "lab/gpu", "value": "a100", "effect": "NoExecute"},
            ],
            "gpu_node_selector": {"lab/accelerator": "nvidia"},
            "teams": [{"name": "research", "gpu_quota": 4}],
        },
    }
    plan, clusters = build_training(cluster, preview=True)
    assert plan.counts() == {
        "stackyard:training:Training": 1,
        "stackyard:training:GpuScheduling": 1,
        "pulumi:providers:kubernetes": 1,
        "kubernetes:apps/v1:DaemonSet": 1,
        "kubernetes:core/v1:Namespace": 1,
        "kubernetes:core/v1:ResourceQuota": 1,
        "kubernetes:core/v1:LimitRange": 1,
    }
    provider = plan.named("training-onprem-k8s")
    assert provider.inputs["kubeconfig"] == "/etc/stackyard/kubeconfig"
    assert provider.inputs["context"] == "lab"
    for registration in kubernetes_registrations(plan.registrations):
        assert registration.provider.startswith(provider.urn + "::")
        validate(registration, "1.31")
    pod = plan.named("training-onprem-gpu-device-plugin").inputs["spec"]["template"]["spec"]
    assert tolerates(pod["tolerations"], Taint("lab/gpu", "NoExecute", "a100"))
    assert tolerates(pod["tolerations"], Taint("nvidia.com/gpu", "NoSchedule"))
    assert pod["nodeSelector"] == {"lab/accelerator": "nvidia"}
    (limit,) = plan.named("training-onprem-gpu-research-limits").inputs["spec"]["limits"]
    assert limit["max"] == {"nvidia.com/gpu": "4"}
    assert clusters["onprem"].kubernetes_provider is not None


def test_platform_builds_training_and_exposes_its_clusters() -> None:
    spec = make_spec(training={"clusters": [batch_cluster()]})
    built: dict[str, Platform] = {}
    plan = record(lambda: built.setdefault("platform", Platform("p", spec)), preview=True)
    platform = built["platform"]
    assert set(platform.training_clusters) == {"jobs"}
    assert "training_jobs_job_queue_arn" in platform.outputs
    training = plan.named("p-training")
    assert training.parent == plan.named("p").urn
    compute = plan.named("p-training-jobs-compute")
    # The stack's private subnets: IDs unknown in preview, each item's template naming its subnet.
    assert compute.inputs["computeResources"]["subnets"] == [UNKNOWN, UNKNOWN]
    assert [compute.templates[f"computeResources.subnets[{i}]"] for i in (0, 1)] == [
        "${aws:ec2/subnet:Subnet::p-network-private-1.id}",
        "${aws:ec2/subnet:Subnet::p-network-private-2.id}",
    ]
    subnet_urns = {r.urn for r in plan.of_type("aws:ec2/subnet:Subnet")}
    assert subnet_urns <= set(compute.property_dependencies["computeResources"])

    built.clear()
    record(lambda: built.setdefault("platform", Platform("p", make_spec())), preview=True)
    assert built["platform"].training_clusters == {}


def test_reference_prod_stack_plans_its_training_clusters() -> None:
    from stackyard.plan import plan_project
    from stackyard.pulumi_documents import new_states as resources_of
    from tests.check.conftest import REPO

    types = [resource["type"] for resource in resources_of(plan_project(REPO, "prod"))]
    assert types.count("aws:eks/nodeGroup:NodeGroup") == 3
    assert types.count("aws:batch/jobQueue:JobQueue") == 1
    assert types.count("kubernetes:core/v1:ResourceQuota") == 2
