"""`Training`: every cluster of the `training` section, and the references other capabilities use."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from stackyard.components.context import StackContext
from stackyard.components.kube import kubernetes_provider
from stackyard.components.refs import TrainingCluster
from stackyard.components.training.batch import BatchTrainingCluster
from stackyard.components.training.eks import EksTrainingCluster
from stackyard.components.training.gpu import tolerations_for
from stackyard.components.training.kubernetes import GpuScheduling
from stackyard.components.training.spec import ExistingClusterSpec, TrainingSpec
from stackyard.spec.common import KubernetesTargetSpec


class Training(pulumi.ComponentResource):
    """`clusters` maps each cluster's spec name to what registry, serving and monitoring need of it."""

    clusters: dict[str, TrainingCluster]

    def __init__(
        self,
        name: str,
        args: TrainingSpec,
        *,
        context: StackContext,
        kms_key_arn: pulumi.Input[str],
        vpc_id: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("stackyard:training:Training", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.clusters = {}
        for cluster in args.clusters:
            cluster_name = f"{name}-{cluster.name}"
            if cluster.eks is not None:
                self.clusters[cluster.name] = EksTrainingCluster(
                    cluster_name,
                    cluster.eks,
                    key=cluster.name,
                    context=context,
                    kms_key_arn=kms_key_arn,
                    subnet_ids=subnet_ids,
                    opts=child,
                ).reference
            elif cluster.batch is not None:
                self.clusters[cluster.name] = BatchTrainingCluster(
                    cluster_name,
                    cluster.batch,
                    key=cluster.name,
                    context=context,
                    vpc_id=vpc_id,
                    subnet_ids=subnet_ids,
                    opts=child,
                ).reference
            elif cluster.kubernetes is not None:
                self.clusters[cluster.name] = self._existing(cluster_name, cluster.name, cluster.kubernetes)
        self.register_outputs({})

    def _existing(self, name: str, key: str, args: ExistingClusterSpec) -> TrainingCluster:
        """An existing cluster gets the device plugin and team namespaces through its kubeconfig."""
        provider = kubernetes_provider(
            name,
            KubernetesTargetSpec(kubeconfig=args.kubeconfig, context=args.context),
            {},
            pulumi.ResourceOptions(parent=self),
        )
        gpu_taints = [[taint.taint() for taint in args.gpu_node_taints]]
        GpuScheduling(
            f"{name}-gpu",
            provider=provider,
            gpu_taints=gpu_taints,
            gpu_node_selector=args.gpu_node_selector,
            teams=args.teams,
            gpus_per_node=args.gpus_per_node,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return TrainingCluster(
            key=key,
            backend="kubernetes",
            kubernetes_provider=provider,
            gpu_tolerations=tolerations_for(gpu_taints),
        )
