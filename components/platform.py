"""`Platform`: one environment built from a `StackSpec`, each capability wired to the shared key,
network and to the capabilities it builds on.

Order matters only through references: training first (registry, serving and monitoring take
its clusters), then the feature store, the registry (serving takes its model package groups),
serving, and monitoring last (it watches what serving and training made).
"""

from __future__ import annotations

import pulumi

from stackyard.components.context import StackContext
from stackyard.components.encryption import Encryption
from stackyard.components.network import Network
from stackyard.components.refs import ServedEndpoint, TrainingCluster
from stackyard.spec.stack import StackSpec


class Platform(pulumi.ComponentResource):
    """Everything a `StackSpec` asks for. `outputs` are what the stack exports."""

    def __init__(self, name: str, spec: StackSpec, *, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("stackyard:index:Platform", name, None, opts)
        context = StackContext.from_spec(spec)
        child = pulumi.ResourceOptions(parent=self)
        self.context = context

        self.encryption = Encryption(f"{name}-encryption", spec.encryption, context=context, opts=child)
        # Private subnets reach AWS only through endpoints: add those the capabilities' workloads need.
        network = spec.network.model_copy(update={"vpc_endpoints": spec.vpc_endpoints})
        self.network = Network(
            f"{name}-network", network, context=context, kms_key_arn=self.encryption.key_arn, opts=child
        )
        self.outputs: dict[str, pulumi.Input[object]] = {
            "kms_key_arn": self.encryption.key_arn,
            "vpc_id": self.network.vpc_id,
            "private_subnet_ids": self.network.private_subnet_ids,
        }
        # Capability modules are imported only when their section is in the spec: a stack without
        # Kubernetes never loads pulumi-kubernetes, one without framework containers never sagemaker.
        self.training_clusters: dict[str, TrainingCluster] = {}
        if spec.training is not None:
            from stackyard.components.training.component import Training

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

        if spec.feature_store is not None:
            from stackyard.components.feature_store.component import FeatureStore

            self.feature_store = FeatureStore(
                f"{name}-feature-store",
                spec.feature_store,
                context=context,
                kms_key_arn=self.encryption.key_arn,
                opts=child,
            )
            self.outputs.update(self.feature_store.outputs)

        model_package_groups: dict[str, pulumi.Output[str]] = {}
        if spec.registry is not None:
            from stackyard.components.registry.component import Registry

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
            model_package_groups = self.registry.model_package_group_arns
            self.outputs["model_package_group_arns"] = self.registry.model_package_group_arns
            self.outputs["model_approval_statuses"] = self.registry.model_approval_statuses
            self.outputs["artifact_location"] = self.registry.artifact_location
            if self.registry.tracking_uri is not None:
                self.outputs["tracking_uri"] = self.registry.tracking_uri

        self.endpoints: dict[str, ServedEndpoint] = {}
        if spec.serving is not None:
            from stackyard.components.serving.component import Serving

            self.serving = Serving(
                f"{name}-serving",
                spec.serving,
                context=context,
                kms_key_arn=self.encryption.key_arn,
                subnet_ids=self.network.private_subnet_ids,
                security_group_ids=self.network.security_group_ids,
                model_package_group_names=model_package_groups,
                clusters=self.training_clusters,
                opts=child,
            )
            self.endpoints = self.serving.endpoints
            self.outputs.update({f"serving_{key}": value for key, value in self.serving.outputs.items()})

        if spec.monitoring is not None and spec.monitoring.enabled:
            from stackyard.components.monitoring.component import Monitoring

            self.monitoring = Monitoring(
                f"{name}-monitoring",
                spec.monitoring,
                context=context,
                kms_key_arn=self.encryption.key_arn,
                endpoints=self.endpoints,
                training_clusters=self.training_clusters,
                subnet_ids=self.network.private_subnet_ids,
                security_group_ids=self.network.security_group_ids,
                opts=child,
            )
            self.outputs["alarm_topic_arn"] = self.monitoring.topic_arn
            if self.monitoring.dashboard is not None:
                self.outputs["dashboard_name"] = self.monitoring.dashboard.dashboard_name

        self.register_outputs(self.outputs)
