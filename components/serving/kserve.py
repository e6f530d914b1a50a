"""`KServeEndpoint`: a KServe InferenceService on the stack's EKS cluster or an existing cluster.

The manifest is built by plain functions (tested without Pulumi, its pod fragments validated
against the Kubernetes schemas) and created as a typed `apiextensions.CustomResource`, so the
offline plan and the policies see every field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from stackyard.components.context import StackContext
from stackyard.components.errors import ComponentArgumentError
from stackyard.components.refs import TrainingCluster
from stackyard.components.serving.spec import EndpointSpec
from stackyard.components.training import gpu
from stackyard.spec.common import KubernetesTargetSpec

API_VERSION = "serving.kserve.io/v1beta1"
KIND = "InferenceService"
GPU_RESOURCE = "nvidia.com/gpu"


def predictor_resources(endpoint: EndpointSpec) -> dict[str, dict[str, str]]:
    """Requests equal limits (guaranteed QoS); GPUs can only be requested as limits anyway."""
    assert endpoint.kserve is not None
    settings = endpoint.kserve
    amounts = {"cpu": settings.cpu, "memory": settings.memory}
    if settings.gpus:
        amounts[GPU_RESOURCE] = str(settings.gpus)
    return {"requests": dict(amounts), "limits": dict(amounts)}


def inference_service(
    context: StackContext, endpoint: EndpointSpec, tolerations: Sequence[Mapping[str, str]]
) -> dict[str, Any]:
    """The InferenceService manifest. Raw deployment mode: plain Deployments and an HPA, no Knative
    needed on the cluster. Tolerations (those of the cluster's GPU nodes, see
    `gpu_tolerations`) only for GPU predictors, so CPU models stay off GPU nodes."""
    settings = endpoint.kserve
    assert settings is not None and endpoint.model.s3_uri
    model: dict[str, Any] = {
        "modelFormat": {"name": settings.model_format},
        "storageUri": endpoint.model.s3_uri,
        "resources": predictor_resources(endpoint),
    }
    if settings.runtime_version:
        model["runtimeVersion"] = settings.runtime_version
    if endpoint.environment:
        model["env"] = [{"name": key, "value": value} for key, value in sorted(endpoint.environment.items())]
    predictor: dict[str, Any] = {
        "minReplicas": settings.min_replicas,
        "maxReplicas": settings.max_replicas,
        "model": model,
    }
    if settings.service_account:
        predictor["serviceAccountName"] = settings.service_account
    if settings.gpus:
        predictor["tolerations"] = [dict(t) for t in tolerations]
    labels = {
        "app.kubernetes.io/name": endpoint.name,
        "app.kubernetes.io/part-of": context.name_prefix,
        "app.kubernetes.io/managed-by": "stackyard",
    }
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": endpoint.name,
            "namespace": settings.namespace,
            "labels": labels,
            "annotations": {"serving.kserve.io/deploymentMode": "RawDeployment"},
        },
        "spec": {"predictor": predictor},
    }


def gpu_tolerations(
    target: KubernetesTargetSpec, clusters: Mapping[str, TrainingCluster]
) -> list[dict[str, str]]:
    """What a GPU predictor tolerates: on a cluster of the stack, the taints of its GPU node groups
    as training made them (custom ones included); on an existing cluster, the taint EKS GPU node
    groups and the NVIDIA device plugin use by default."""
    if target.cluster:
        return list(clusters[target.cluster].gpu_tolerations)
    return default_gpu_tolerations()


def default_gpu_tolerations() -> list[dict[str, str]]:
    return gpu.tolerations_for([[gpu.DEFAULT_GPU_TAINT]])


def cluster_url(endpoint: EndpointSpec) -> str:
    """The in-cluster address of the InferenceService (KServe serves it under its own name)."""
    assert endpoint.kserve is not None
    return f"http://{endpoint.name}.{endpoint.kserve.namespace}.svc.cluster.local"


class KServeEndpoint(pulumi.ComponentResource):
    """One InferenceService. `inference_service` is the custom resource."""

    inference_service: k8s.apiextensions.CustomResource
    endpoint_name: pulumi.Output[str]
    invocation_url: str

    def __init__(
        self,
        name: str,
        args: EndpointSpec,
        *,
        context: StackContext,
        provider: k8s.Provider,
        tolerations: Sequence[Mapping[str, str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if args.backend != "kserve" or args.kserve is None:
            raise ComponentArgumentError(
                "stackyard:serving:KServeEndpoint", name, f"endpoint '{args.name}' is not a KServe endpoint"
            )
        super().__init__("stackyard:serving:KServeEndpoint", name, None, opts)
        manifest = inference_service(
            context, args, default_gpu_tolerations() if tolerations is None else tolerations
        )
        self.inference_service = k8s.apiextensions.CustomResource(
            f"{name}-isvc",
            api_version=manifest["apiVersion"],
            kind=manifest["kind"],
            metadata=manifest["metadata"],
            spec=manifest["spec"],
            opts=pulumi.ResourceOptions(parent=self, provider=provider),
        )
        self.endpoint_name = pulumi.Output.from_input(f"{args.kserve.namespace}/{args.name}")
        self.invocation_url = cluster_url(args)
        self.register_outputs({"endpoint_name": self.endpoint_name, "invocation_url": self.invocation_url})
