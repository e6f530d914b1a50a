"""`Platform`: one environment built from a `StackSpec`, each capability wired to the shared key,
network and to the capabilities it builds on."""

from __future__ import annotations

import pulumi
from stackyard.components.context import StackContext
from stackyard.components.encryption import Encryption
from stackyard.components.feature_store.component import FeatureStore
from stackyard.components.network import Network
from stackyard.components.refs import TrainingCluster
from stackyard.components.registry.registry import Registry
from stackyard.components.training.training import Training

from stackyard.spec.stack import StackSpec


class Platform(pulumi.ComponentResource):
    """Everything a `StackSpec` asks for. `outputs` are what the stack exports."""

    def __init__(self, name: str, spec: StackSpec, *, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("stackyard:index:Platform", name, None, opts)
        context = StackContext.from_spec(spec)
        child = pulumi.ResourceOptions(parent=self)
        self.context = context

        self.encryption = Encryption(f"{name}-encryption", spec.encryption, context=context, opts=child)
        self.network = Network(
            f"{name}-network", spec.network, context=context, kms_key_arn=self.encryption.key_arn, opts=child
        )

        self.outputs: dict[str, pulumi.Input[object]] = {
            "kms_key_arn": self.encryption.key_arn,
            "vpc_id": self.network.vpc_id,
            "private_subnet_ids": self.network.private_subnet_ids,
        }

        # --- training (issue 4): built first, registry/serving/monitoring take its cluster refs ---
        self.training_clusters: dict[str, TrainingCluster] = {}
        if spec.training is not None:
            self.training = Training(
                f"{name}-training",
                spec.training,
                context=context,
                kms_key_arn=self.encryption.key_arn,
                vpc_id=self.network.vpc_id,
                subnet_ids=self.network.private_subnet_ids,
                opts=child,
            )
            self.training_clusters = self.training.clusters
            for key, cluster in self.training_clusters.items():
                if cluster.cluster_name is not None:
                    self.outputs[f"training_{key}_cluster_name"] = cluster.cluster_name
                if cluster.job_queue_arn is not None:
                    self.outputs[f"training_{key}_job_queue_arn"] = cluster.job_queue_arn
        # --- end training ---
        # --- feature_store (issue 3) ---
        self.feature_store: FeatureStore | None = None
        if spec.feature_store is not None:
            self.feature_store = FeatureStore(
                f"{name}-feature-store",
                spec.feature_store,
                context=context,
                kms_key_arn=self.encryption.key_arn,
                opts=child,
            )
            self.outputs.update(self.feature_store.outputs)
        # --- end feature_store ---

        # --- registry (issue 5) ---
        self.registry: Registry | None = None
        if spec.registry is not None:
            self.registry = Registry(
                f"{name}-registry",
                spec.registry,
                context=context,
                kms_key_arn=self.encryption.key_arn,
                subnet_ids=self.network.private_subnet_ids,
                security_group_ids=self.network.security_group_ids,
                vpc_id=self.network.vpc_id,
                clusters=self.training_clusters,
                opts=child,
            )
            self.outputs["model_package_group_arns"] = self.registry.model_package_group_arns
            self.outputs["model_approval_statuses"] = self.registry.model_approval_statuses
            self.outputs["artifact_location"] = self.registry.artifact_location
            if self.registry.tracking_uri is not None:
                self.outputs["tracking_uri"] = self.registry.tracking_uri
        # --- end registry ---
        self.register_outputs(self.outputs)
