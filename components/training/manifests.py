"""The Kubernetes objects of a training cluster, as plain manifests (Kubernetes field names).

Components hand these to typed pulumi-kubernetes resources, so plans, policies and schema validation
see every field; being plain data, tests also validate them against the Kubernetes OpenAPI schema.
Labels and names follow the upstream manifests (NVIDIA/k8s-device-plugin's static DaemonSet,
kubernetes/autoscaler's AWS auto-discovery example) so that operators recognise them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from stackyard.components.training.gpu import GPU_NODE_LABEL, GPU_RESOURCE

Manifest = dict[str, Any]

SYSTEM_NAMESPACE = "kube-system"
MANAGED_BY_LABEL = {"app.kubernetes.io/managed-by": "stackyard"}

DEVICE_PLUGIN_NAME = "nvidia-device-plugin-daemonset"
AUTOSCALER_NAME = "cluster-autoscaler"

_DROP_ALL = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def _metadata(name: str, namespace: str | None = None, labels: Mapping[str, str] | None = None) -> Manifest:
    metadata: Manifest = {"name": name, "labels": {**MANAGED_BY_LABEL, **(labels or {})}}
    if namespace:
        metadata["namespace"] = namespace
    return metadata


def device_plugin_daemonset(
    image: str, tolerations: Sequence[Mapping[str, str]], node_selector: Mapping[str, str]
) -> Manifest:
    """NVIDIA's device plugin, unprivileged as upstream runs it: it only talks to the kubelet's
    device-plugin socket directory, so every capability is dropped. `tolerations` come from the GPU
    node groups' taints (`gpu.tolerations_for`), never written by hand."""
    pod_labels = {"name": "nvidia-device-plugin-ds"}
    pod_spec: Manifest = {
        "priorityClassName": "system-node-critical",
        "tolerations": [dict(rule) for rule in tolerations],
        "containers": [
            {
                "name": "nvidia-device-plugin-ctr",
                "image": image,
                # On a node whose GPUs are not ready yet, keep running (and retry) instead of crash-looping.
                "env": [{"name": "FAIL_ON_INIT_ERROR", "value": "false"}],
                "securityContext": _DROP_ALL,
                "resources": {
                    "requests": {"cpu": "50m", "memory": "64Mi"},
                    "limits": {"cpu": "200m", "memory": "256Mi"},
                },
                "volumeMounts": [{"name": "device-plugin", "mountPath": "/var/lib/kubelet/device-plugins"}],
            }
        ],
        "volumes": [{"name": "device-plugin", "hostPath": {"path": "/var/lib/kubelet/device-plugins"}}],
    }
    if node_selector:
        pod_spec["nodeSelector"] = dict(node_selector)
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": _metadata(DEVICE_PLUGIN_NAME, SYSTEM_NAMESPACE),
        "spec": {
            "selector": {"matchLabels": pod_labels},
            "updateStrategy": {"type": "RollingUpdate"},
            "template": {"metadata": {"labels": pod_labels}, "spec": pod_spec},
        },
    }


def team_namespace(team: str) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": _metadata(team, labels={"stackyard.io/team": team}),
    }


def team_gpu_quota(team: str, gpus: int) -> Manifest:
    """Extended resources can only be limited on requests (`requests.nvidia.com/gpu`)."""
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": _metadata("gpu-quota", team),
        "spec": {"hard": {f"requests.{GPU_RESOURCE}": str(gpus)}},
    }


def team_limit_range(
    team: str, default_cpu: str, default_memory: str, max_gpus_per_container: int
) -> Manifest:
    """Containers that state no CPU or memory get the team's defaults (so a quota never blocks
    them for lack of requests), and none may ask for more GPUs than a node or the quota holds."""
    defaults = {"cpu": default_cpu, "memory": default_memory}
    limit: Manifest = {"type": "Container", "default": defaults, "defaultRequest": defaults}
    if max_gpus_per_container:
        limit["max"] = {GPU_RESOURCE: str(max_gpus_per_container)}
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": _metadata("container-defaults", team),
        "spec": {"limits": [limit]},
    }


def max_gpus_per_container(gpu_quota: int, gpus_per_node: int | None) -> int:
    """A container gets GPUs of one node only, and never more than its team's quota."""
    return min(gpu_quota, gpus_per_node) if gpus_per_node else gpu_quota


# cluster-autoscaler: the RBAC and Deployment of kubernetes/autoscaler's AWS auto-discovery example,
# with the AWS credentials coming from EKS Pod Identity instead of the node role.

_AUTOSCALER_LABELS = {"app": AUTOSCALER_NAME}


def autoscaler_service_account() -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": _metadata(AUTOSCALER_NAME, SYSTEM_NAMESPACE, _AUTOSCALER_LABELS),
    }


def autoscaler_cluster_role() -> Manifest:
    def rule(
        groups: list[str], resources: list[str], verbs: list[str], names: list[str] | None = None
    ) -> Manifest:
        entry: Manifest = {"apiGroups": groups, "resources": resources, "verbs": verbs}
        if names:
            entry["resourceNames"] = names
        return entry

    read = ["watch", "list", "get"]
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": _metadata(AUTOSCALER_NAME, labels=_AUTOSCALER_LABELS),
        "rules": [
            rule([""], ["events", "endpoints"], ["create", "patch"]),
            rule([""], ["pods/eviction"], ["create"]),
            rule([""], ["pods/status"], ["update"]),
            rule([""], ["endpoints"], ["get", "update"], [AUTOSCALER_NAME]),
            rule([""], ["nodes"], [*read, "update"]),
            rule(
                [""],
                [
                    "namespaces",
                    "pods",
                    "services",
                    "replicationcontrollers",
                    "persistentvolumeclaims",
                    "persistentvolumes",
                ],
                read,
            ),
            rule(["apps"], ["statefulsets", "replicasets", "daemonsets"], read),
            rule(["policy"], ["poddisruptionbudgets"], ["watch", "list"]),
            rule(
                ["storage.k8s.io"],
                ["storageclasses", "csinodes", "csidrivers", "csistoragecapacities", "volumeattachments"],
                read,
            ),
            rule(["batch"], ["jobs", "cronjobs"], read),
            rule(["coordination.k8s.io"], ["leases"], ["create"]),
            rule(["coordination.k8s.io"], ["leases"], ["get", "update"], [AUTOSCALER_NAME]),
        ],
    }


def autoscaler_role() -> Manifest:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": _metadata(AUTOSCALER_NAME, SYSTEM_NAMESPACE, _AUTOSCALER_LABELS),
        "rules": [
            {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create", "list", "watch"]},
            {
                "apiGroups": [""],
                "resources": ["configmaps"],
                "resourceNames": ["cluster-autoscaler-status"],
                "verbs": ["delete", "get", "update", "watch"],
            },
        ],
    }


def _binding(kind: str, role_kind: str, namespace: str | None) -> Manifest:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": kind,
        "metadata": _metadata(AUTOSCALER_NAME, namespace, _AUTOSCALER_LABELS),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": AUTOSCALER_NAME},
        "subjects": [{"kind": "ServiceAccount", "name": AUTOSCALER_NAME, "namespace": SYSTEM_NAMESPACE}],
    }


def autoscaler_cluster_role_binding() -> Manifest:
    return _binding("ClusterRoleBinding", "ClusterRole", None)


def autoscaler_role_binding() -> Manifest:
    return _binding("RoleBinding", "Role", SYSTEM_NAMESPACE)


def autoscaler_deployment(image: str, cluster_name: str, region: str) -> Manifest:
    """One replica on a CPU node (never a GPU node: it would keep that node from scaling to zero).
    It discovers the cluster's node groups by the tags EKS puts on their Auto Scaling groups."""
    discovery = f"asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/{cluster_name}"
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(AUTOSCALER_NAME, SYSTEM_NAMESPACE, _AUTOSCALER_LABELS),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": _AUTOSCALER_LABELS},
            "template": {
                "metadata": {"labels": _AUTOSCALER_LABELS},
                "spec": {
                    "serviceAccountName": AUTOSCALER_NAME,
                    "priorityClassName": "system-cluster-critical",
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 65534,
                        "fsGroup": 65534,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "affinity": {
                        "nodeAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": {
                                "nodeSelectorTerms": [
                                    {
                                        "matchExpressions": [
                                            {"key": GPU_NODE_LABEL, "operator": "DoesNotExist"}
                                        ]
                                    }
                                ]
                            }
                        }
                    },
                    "containers": [
                        {
                            "name": AUTOSCALER_NAME,
                            "image": image,
                            "command": [
                                "./cluster-autoscaler",
                                "--cloud-provider=aws",
                                f"--node-group-auto-discovery={discovery}",
                                # Fill the cheapest fitting GPU group first; treat same-shape groups in
                                # different zones as one pool.
                                "--expander=least-waste",
                                "--balance-similar-node-groups",
                                "--skip-nodes-with-local-storage=false",
                                "--skip-nodes-with-system-pods=false",
                                # Idle GPU nodes are expensive: give them back after 10 minutes.
                                "--scale-down-unneeded-time=10m",
                            ],
                            "env": [{"name": "AWS_REGION", "value": region}],
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "600Mi"},
                                "limits": {"cpu": "500m", "memory": "600Mi"},
                            },
                            "securityContext": {**_DROP_ALL, "readOnlyRootFilesystem": True},
                        }
                    ],
                },
            },
        },
    }
