"""`Platform`: one environment built from a `StackSpec`, each capability wired to the shared key,
network and to the capabilities it builds on."""

from __future__ import annotations

import pulumi
from stackyard.components.context import StackContext
from stackyard.components.encryption import Encryption
from stackyard.components.monitoring.component import Monitoring
from stackyard.components.network import Network

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
        # --- monitoring (built last: it watches what serving and training made) ---------------
        # Serving hands over `.endpoints: dict[str, ServedEndpoint]`, training
        # `.clusters: dict[str, TrainingCluster]` (components/refs.py); read with getattr so this
        # block stands whether or not those capabilities are in the spec.
        self.monitoring: Monitoring | None = None
        if spec.monitoring is not None and spec.monitoring.enabled:
            self.monitoring = Monitoring(
                f"{name}-monitoring",
                spec.monitoring,
                context=context,
                kms_key_arn=self.encryption.key_arn,
                endpoints=getattr(getattr(self, "serving", None), "endpoints", None),
                training_clusters=getattr(getattr(self, "training", None), "clusters", None),
                subnet_ids=self.network.private_subnet_ids,
                security_group_ids=self.network.security_group_ids,
                opts=child,
            )
            self.outputs["alarm_topic_arn"] = self.monitoring.topic_arn
            if self.monitoring.dashboard is not None:
                self.outputs["dashboard_name"] = self.monitoring.dashboard.dashboard_name
        # --- end monitoring --------------------------------------------------------------------

        self.register_outputs(self.outputs)
