"""`GpuScheduling`: what any Kubernetes cluster needs to run GPU training for teams: the NVIDIA
device plugin, tolerating exactly the GPU nodes' taints, and one namespace per team with its GPU
quota and container defaults. EKS clusters use it with their own provider; on-premises clusters
with one built from a kubeconfig."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_kubernetes as k8s

from stackyard.components.training import manifests
from stackyard.components.training.gpu import Taint, tolerations_for
from stackyard.components.training.spec import TeamSpec
from stackyard.components.training.versions import NVIDIA_DEVICE_PLUGIN_IMAGE


class GpuScheduling(pulumi.ComponentResource):
    """Every Kubernetes child uses `provider`, given explicitly."""

    device_plugin: k8s.apps.v1.DaemonSet
    namespaces: dict[str, k8s.core.v1.Namespace]

    def __init__(
        self,
        name: str,
        *,
        provider: k8s.Provider,
        gpu_taints: Sequence[Sequence[Taint]],
        gpu_node_selector: Mapping[str, str],
        teams: Sequence[TeamSpec],
        gpus_per_node: int | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`gpu_taints` holds the taints of each GPU node group (or of an existing cluster's GPU nodes)."""
        super().__init__("stackyard:training:GpuScheduling", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)

        plugin = manifests.device_plugin_daemonset(
            NVIDIA_DEVICE_PLUGIN_IMAGE, tolerations_for(gpu_taints), gpu_node_selector
        )
        self.device_plugin = k8s.apps.v1.DaemonSet(
            f"{name}-device-plugin", metadata=plugin["metadata"], spec=plugin["spec"], opts=child
        )

        self.namespaces = {}
        for team in teams:
            namespace_manifest = manifests.team_namespace(team.name)
            namespace = k8s.core.v1.Namespace(
                f"{name}-{team.name}", metadata=namespace_manifest["metadata"], opts=child
            )
            # The quota and limits go into the namespace only once it exists.
            in_namespace = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[namespace]))
            quota = manifests.team_gpu_quota(team.name, team.gpu_quota)
            k8s.core.v1.ResourceQuota(
                f"{name}-{team.name}-gpu-quota",
                metadata=quota["metadata"],
                spec=quota["spec"],
                opts=in_namespace,
            )
            limits = manifests.team_limit_range(
                team.name,
                team.default_cpu,
                team.default_memory,
                manifests.max_gpus_per_container(team.gpu_quota, gpus_per_node),
            )
            k8s.core.v1.LimitRange(
                f"{name}-{team.name}-limits",
                metadata=limits["metadata"],
                spec=limits["spec"],
                opts=in_namespace,
            )
            self.namespaces[team.name] = namespace

        self.register_outputs(
            {"namespaces": {key: ns.metadata["name"] for key, ns in self.namespaces.items()}}
        )
