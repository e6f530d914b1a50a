"""`Platform`: one environment built from a `StackSpec`, each capability wired to the shared key,
network and to the capabilities it builds on."""

from __future__ import annotations

import pulumi
from stackyard.components.context import StackContext
from stackyard.components.encryption import Encryption
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

        # --- serving (issue 6) ---
        self.serving = None
        if spec.serving is not None:
            from stackyard.components.serving.component import Serving
            from stackyard.components.serving.kserve import cluster_gpu_taints

            # Registry and training wire in their own blocks; until they exist these are empty.
            registry = getattr(self, "registry", None)
            training = getattr(self, "training", None)
            self.serving = Serving(
                f"{name}-serving",
                spec.serving,
                context=context,
                kms_key_arn=self.encryption.key_arn,
                subnet_ids=self.network.private_subnet_ids,
                security_group_ids=self.network.security_group_ids,
                model_package_group_names=getattr(registry, "model_package_group_names", None),
                clusters=getattr(training, "clusters", None),
                gpu_taints=cluster_gpu_taints(spec.training),
                opts=child,
            )
            self.outputs.update({f"serving_{key}": value for key, value in self.serving.outputs.items()})
        # --- end serving ---

        self.register_outputs(self.outputs)
