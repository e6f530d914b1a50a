"""The EKS backend under Pulumi mocks: an EKS spec with two GPU node groups (one with EFA and a
custom taint), a CPU system group and two teams."""

from __future__ import annotations

import json

import pytest

from stackyard.components.refs import TrainingCluster
from stackyard.components.training.gpu import GPU_NODE_LABEL, Taint, tolerates
from stackyard.plan.monitor import Registration
from stackyard.plan.wire import UNKNOWN
from stackyard.testing import RecordedPlan
from tests.components.k8s_validation import kubernetes_registrations, validate
from tests.components.training_specs import ADMIN_ROLE, KEY_ARN, SUBNETS, build_training, eks_cluster

EKS_EFFECTS = {
    "NO_SCHEDULE": "NoSchedule",
    "PREFER_NO_SCHEDULE": "PreferNoSchedule",
    "NO_EXECUTE": "NoExecute",
}


@pytest.fixture(scope="module")
def recorded() -> tuple[RecordedPlan, dict[str, TrainingCluster]]:
    return build_training(eks_cluster(), preview=True)


@pytest.fixture(scope="module")
def plan(recorded: tuple[RecordedPlan, dict[str, TrainingCluster]]) -> RecordedPlan:
    return recorded[0]


def attached_policies(plan: RecordedPlan, role: str) -> list[str]:
    return sorted(
        r.inputs["policyArn"].rsplit("/", 1)[-1]
        for r in plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.name.startswith(f"{role}-")
    )


def test_exact_resources(plan: RecordedPlan) -> None:
    assert plan.counts() == {
        "stackyard:training:Training": 1,
        "stackyard:training:EksCluster": 1,
        "stackyard:training:GpuScheduling": 1,
        "stackyard:training:ClusterAutoscaler": 1,
        "aws:cloudwatch/logGroup:LogGroup": 1,
        "aws:eks/cluster:Cluster": 1,
        "aws:iam/role:Role": 4,  # cluster, nodes, VPC CNI, cluster-autoscaler
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 4,
        "aws:iam/rolePolicy:RolePolicy": 1,
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1,
        "aws:eks/accessEntry:AccessEntry": 1,
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": 1,
        "aws:eks/addon:Addon": 4,
        "aws:eks/podIdentityAssociation:PodIdentityAssociation": 1,
        "aws:ec2/launchTemplate:LaunchTemplate": 3,
        "aws:ec2/placementGroup:PlacementGroup": 1,
        "aws:eks/nodeGroup:NodeGroup": 3,
        # a10g: GPU label, workload label, GPU taint, GPUs; h100: GPU label, two taints, GPUs
        "aws:autoscaling/tag:Tag": 8,
        "pulumi:providers:kubernetes": 1,
        "kubernetes:apps/v1:DaemonSet": 1,
        "kubernetes:apps/v1:Deployment": 1,
        "kubernetes:core/v1:Namespace": 2,
        "kubernetes:core/v1:ResourceQuota": 2,
        "kubernetes:core/v1:LimitRange": 2,
        "kubernetes:core/v1:ServiceAccount": 1,
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": 1,
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": 1,
        "kubernetes:rbac.authorization.k8s.io/v1:Role": 1,
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 1,
    }


def test_control_plane_is_private_encrypted_and_logs_everything(plan: RecordedPlan) -> None:
    cluster = plan.named("training-research-cluster")
    inputs = cluster.inputs
    assert inputs["name"] == "demo-dev-research"
    assert inputs["version"] == "1.33"
    assert inputs["encryptionConfig"] == {"provider": {"keyArn": KEY_ARN}, "resources": ["secrets"]}
    assert inputs["enabledClusterLogTypes"] == [
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    ]
    assert inputs["vpcConfig"] == {
        "subnetIds": SUBNETS,
        "endpointPrivateAccess": True,
        "endpointPublicAccess": False,
    }
    assert inputs["accessConfig"] == {
        "authenticationMode": "API",
        "bootstrapClusterCreatorAdminPermissions": True,
    }
    assert inputs["bootstrapSelfManagedAddons"] is False
    logs = plan.named("training-research-control-plane-logs")
    assert logs.inputs["name"] == "/aws/eks/demo-dev-research/cluster"
    assert logs.inputs["kmsKeyId"] == KEY_ARN
    assert logs.urn in cluster.dependencies
    assert cluster.parent == plan.named("training-research").urn
    assert inputs["tags"]["Name"] == "training-research-cluster"


def test_public_endpoint_only_with_its_allowlist() -> None:
    plan, _ = build_training(
        eks_cluster(endpoint={"public": True, "public_access_cidrs": ["203.0.113.0/24"]}), preview=True
    )
    assert plan.named("training-research-cluster").inputs["vpcConfig"] == {
        "subnetIds": SUBNETS,
        "endpointPrivateAccess": True,
        "endpointPublicAccess": True,
        "publicAccessCidrs": ["203.0.113.0/24"],
    }


def test_roles_have_only_what_eks_needs(plan: RecordedPlan) -> None:
    assert attached_policies(plan, "training-research-cluster-role") == ["AmazonEKSClusterPolicy"]
    assert attached_policies(plan, "training-research-node-role") == [
        "AmazonEC2ContainerRegistryReadOnly",
        "AmazonEKSWorkerNodePolicy",
    ]
    assert attached_policies(plan, "training-research-cni-role") == ["AmazonEKS_CNI_Policy"]
    trust = json.loads(plan.named("training-research-node-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    # the CNI's role is assumed through the cluster's OIDC provider, known once the cluster exists
    cni = plan.named("training-research-cni-role")
    assert cni.inputs["assumeRolePolicy"] == UNKNOWN
    oidc = plan.named("training-research-oidc")
    assert oidc.urn in cni.property_dependencies["assumeRolePolicy"]
    assert oidc.inputs["clientIdLists"] == ["sts.amazonaws.com"]


def test_admin_roles_get_access_entries(plan: RecordedPlan) -> None:
    entry = plan.named("training-research-admin-platform-admin")
    assert entry.inputs["principalArn"] == ADMIN_ROLE
    assert entry.inputs["type"] == "STANDARD"
    association = plan.named("training-research-admin-platform-admin-policy")
    assert association.inputs["accessScope"] == {"type": "cluster"}
    assert (
        association.inputs["policyArn"]
        == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    )


def test_core_addons_and_their_order(plan: RecordedPlan) -> None:
    addons = {r.inputs["addonName"]: r for r in plan.of_type("aws:eks/addon:Addon")}
    assert set(addons) == {"vpc-cni", "kube-proxy", "eks-pod-identity-agent", "coredns"}
    cni_role = plan.named("training-research-cni-role")
    assert addons["vpc-cni"].property_dependencies["serviceAccountRoleArn"] == [cni_role.urn]
    gpu_group = plan.named("training-research-a10g")
    for name in ("vpc-cni", "kube-proxy", "eks-pod-identity-agent"):
        assert addons[name].urn in gpu_group.dependencies
    assert plan.named("training-research-system").urn in addons["coredns"].dependencies


def test_gpu_node_groups(plan: RecordedPlan) -> None:
    a10g = plan.named("training-research-a10g").inputs
    assert a10g["nodeGroupName"] == "research-a10g"
    assert a10g["amiType"] == "AL2023_x86_64_NVIDIA"
    assert a10g["capacityType"] == "SPOT"
    assert a10g["instanceTypes"] == ["g5.2xlarge", "g5.4xlarge"]
    assert a10g["scalingConfig"] == {"minSize": 0, "desiredSize": 0, "maxSize": 8}
    assert a10g["taints"] == [{"key": "nvidia.com/gpu", "effect": "NO_SCHEDULE"}]
    assert a10g["labels"] == {"workload": "finetune", GPU_NODE_LABEL: "true"}
    assert a10g["subnetIds"] == SUBNETS
    assert plan.named("training-research-a10g").ignore_changes == ["scalingConfig.desiredSize"]

    h100 = plan.named("training-research-h100").inputs
    assert h100["capacityType"] == "ON_DEMAND"
    assert h100["taints"] == [
        {"key": "nvidia.com/gpu", "effect": "NO_SCHEDULE"},
        {"key": "dedicated", "value": "llm", "effect": "NO_EXECUTE"},
    ]
    system = plan.named("training-research-system").inputs
    assert system["amiType"] == "AL2023_x86_64_STANDARD"
    assert system["scalingConfig"] == {"minSize": 2, "desiredSize": 2, "maxSize": 4}
    assert "taints" not in system or system["taints"] == []


def test_launch_templates_encrypt_and_keep_pods_off_imds(plan: RecordedPlan) -> None:
    template = plan.named("training-research-a10g-template").inputs
    assert template["blockDeviceMappings"] == [
        {
            "deviceName": "/dev/xvda",
            "ebs": {
                "volumeSize": 200,
                "volumeType": "gp3",
                "encrypted": "true",
                "deleteOnTermination": "true",
            },
        }
    ]
    assert template["metadataOptions"] == {
        "httpEndpoint": "enabled",
        "httpTokens": "required",
        "httpPutResponseHopLimit": 1,
    }
    assert "networkInterfaces" not in template
    efa = plan.named("training-research-h100-template").inputs
    assert efa["networkInterfaces"][0]["interfaceType"] == "efa"
    placement = plan.named("training-research-h100-placement")
    assert placement.inputs["strategy"] == "cluster"
    assert placement.urn in plan.named("training-research-h100-template").property_dependencies["placement"]


def test_scale_from_zero_node_template_tags(plan: RecordedPlan) -> None:
    tags: dict[str, dict[str, str]] = {}
    for tag in plan.of_type("aws:autoscaling/tag:Tag"):
        group = tag.name.split("-")[2]
        tags.setdefault(group, {})[tag.inputs["tag"]["key"]] = tag.inputs["tag"]["value"]
        assert tag.inputs["tag"]["propagateAtLaunch"] is False
        assert tag.inputs["autoscalingGroupName"] == UNKNOWN  # the group's ASG, known once it exists
    prefix = "k8s.io/cluster-autoscaler/node-template/"
    assert tags["h100"] == {
        f"{prefix}label/{GPU_NODE_LABEL}": "true",
        f"{prefix}resources/nvidia.com/gpu": "8",
        f"{prefix}taint/dedicated": "llm:NoExecute",
        f"{prefix}taint/nvidia.com/gpu": ":NoSchedule",
    }
    assert tags["a10g"][f"{prefix}resources/nvidia.com/gpu"] == "1"
    assert tags["a10g"][f"{prefix}label/workload"] == "finetune"
    assert "system" not in tags


def test_every_kubernetes_object_uses_the_clusters_provider(plan: RecordedPlan) -> None:
    provider = plan.named("training-research-k8s")
    assert provider.inputs["kubeconfig"] == UNKNOWN
    cluster = plan.named("training-research-cluster")
    assert cluster.urn in provider.property_dependencies["kubeconfig"]
    objects = kubernetes_registrations(plan.registrations)
    assert len(objects) == 13
    for registration in objects:
        assert registration.provider.startswith(provider.urn + "::"), registration.name


def test_every_manifest_validates_against_the_clusters_kubernetes_version(plan: RecordedPlan) -> None:
    for registration in kubernetes_registrations(plan.registrations):
        validate(registration, "1.33")


def device_plugin(plan: RecordedPlan) -> Registration:
    return plan.named("training-research-gpu-device-plugin")


def test_device_plugin_tolerates_every_gpu_node_groups_taints(plan: RecordedPlan) -> None:
    """Read back what the node groups and the DaemonSet were given: every taint of every GPU group,
    the custom NoExecute one included, is tolerated; the plugin runs only on GPU nodes."""
    pod = device_plugin(plan).inputs["spec"]["template"]["spec"]
    gpu_groups = [
        r
        for r in plan.of_type("aws:eks/nodeGroup:NodeGroup")
        if r.inputs["labels"].get(GPU_NODE_LABEL) == "true"
    ]
    assert len(gpu_groups) == 2
    taints = [
        Taint(taint["key"], EKS_EFFECTS[taint["effect"]], taint.get("value"))
        for group in gpu_groups
        for taint in group.inputs["taints"]
    ]
    assert Taint("dedicated", "NoExecute", "llm") in taints
    for taint in taints:
        assert tolerates(pod["tolerations"], taint), taint
    assert pod["nodeSelector"] == {GPU_NODE_LABEL: "true"}


def test_device_plugin_runs_unprivileged_and_pinned(plan: RecordedPlan) -> None:
    (container,) = device_plugin(plan).inputs["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "nvcr.io/nvidia/k8s-device-plugin:v0.17.1"
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
    }
    assert set(container["resources"]) == {"requests", "limits"}


def test_team_namespaces_quotas_and_limits(plan: RecordedPlan) -> None:
    for team, quota, memory in (("vision", "8", "4Gi"), ("nlp", "16", "8Gi")):
        namespace = plan.named(f"training-research-gpu-{team}")
        assert namespace.inputs["metadata"]["name"] == team
        resource_quota = plan.named(f"training-research-gpu-{team}-gpu-quota")
        assert resource_quota.inputs["metadata"]["namespace"] == team
        assert resource_quota.inputs["spec"] == {"hard": {"requests.nvidia.com/gpu": quota}}
        assert namespace.urn in resource_quota.dependencies
        (limit,) = plan.named(f"training-research-gpu-{team}-limits").inputs["spec"]["limits"]
        assert limit["default"] == {"cpu": "1", "memory": memory}
        assert limit["max"] == {"nvidia.com/gpu": "8"}  # no more than a p5.48xlarge holds


def test_cluster_autoscaler(plan: RecordedPlan) -> None:
    deployment = plan.named("training-research-autoscaler-deployment")
    (container,) = deployment.inputs["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.0"
    assert (
        "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,"
        "k8s.io/cluster-autoscaler/demo-dev-research" in container["command"]
    )
    assert plan.named("training-research-system").urn in deployment.dependencies
    identity = plan.named("training-research-autoscaler-identity")
    assert (identity.inputs["namespace"], identity.inputs["serviceAccount"]) == (
        "kube-system",
        "cluster-autoscaler",
    )
    trust = json.loads(plan.named("training-research-autoscaler-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    policy = json.loads(plan.named("training-research-autoscaler-scaling").inputs["policy"])
    scale = policy["Statement"][0]
    assert scale["Condition"] == {
        "StringEquals": {"aws:ResourceTag/k8s.io/cluster-autoscaler/demo-dev-research": "owned"}
    }
    assert policy["Statement"][2]["Resource"] == (
        "arn:aws:eks:eu-west-1:123456789012:nodegroup/demo-dev-research/*/*"
    )


def test_training_cluster_reference(recorded: tuple[RecordedPlan, dict[str, TrainingCluster]]) -> None:
    _, clusters = recorded
    reference = clusters["research"]
    assert reference.backend == "eks"
    assert set(reference.gpu_node_groups) == {"a10g", "h100"}
    assert reference.gpu_node_group_max == {"a10g": 8, "h100": 2}
    assert reference.kubernetes_provider is not None
    assert reference.oidc_provider_arn is not None and reference.oidc_provider_url is not None
    assert reference.job_queue_arn is None
