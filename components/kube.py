"""Kubernetes providers for an existing cluster, and the choice between that and a stack's EKS cluster."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from stackyard.components.refs import TrainingCluster
from stackyard.spec.common import KubernetesTargetSpec


def kubernetes_provider(
    name: str,
    target: KubernetesTargetSpec,
    clusters: Mapping[str, TrainingCluster],
    opts: pulumi.ResourceOptions,
) -> k8s.Provider:
    """The provider every Kubernetes child of a component is given explicitly: the stack's EKS
    cluster's, or one built from the kubeconfig and context the spec names."""
    if target.cluster:
        provider = clusters[target.cluster].kubernetes_provider
        if provider is None:
            raise pulumi.RunError(
                f"cluster '{target.cluster}' has no Kubernetes provider (is it an EKS cluster?)"
            )
        return provider
    kubeconfig = Path(str(target.kubeconfig)).expanduser()
    return k8s.Provider(
        f"{name}-k8s",
        kubeconfig=str(kubeconfig),
        context=target.context,
        opts=opts,
    )
