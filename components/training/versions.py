"""Versions stackyard pins for the Kubernetes parts of a training cluster.

Images are pinned (never `latest`) so a plan shows exactly what runs. cluster-autoscaler must match
the cluster's Kubernetes minor version, so it is keyed by it; the keys are also the EKS versions a
spec may ask for. kubernetes-validate ships OpenAPI schemas for 1.28 to 1.37, which covers them all.
"""

from __future__ import annotations

CLUSTER_AUTOSCALER_IMAGES: dict[str, str] = {
    "1.30": "registry.k8s.io/autoscaling/cluster-autoscaler:v1.30.2",
    "1.31": "registry.k8s.io/autoscaling/cluster-autoscaler:v1.31.1",
    "1.32": "registry.k8s.io/autoscaling/cluster-autoscaler:v1.32.1",
    "1.33": "registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.0",
    "1.34": "registry.k8s.io/autoscaling/cluster-autoscaler:v1.34.3",
    "1.35": "registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0",
}

EKS_VERSIONS: tuple[str, ...] = tuple(CLUSTER_AUTOSCALER_IMAGES)
"""Kubernetes versions a stackyard EKS cluster may run (EKS standard and extended support)."""

DEFAULT_EKS_VERSION = "1.33"

NVIDIA_DEVICE_PLUGIN_IMAGE = "nvcr.io/nvidia/k8s-device-plugin:v0.17.1"
"""NVIDIA's device plugin; its releases support every Kubernetes version above."""
