"""GPU training clusters (EKS, AWS Batch, or an existing Kubernetes cluster).

Components load lazily so that importing the spec (`training.spec`) never loads Pulumi.
"""

from __future__ import annotations

from stackyard.lazy import lazy_exports

_COMPONENTS = {
    "Training": "stackyard.components.training.component",
    "EksTrainingCluster": "stackyard.components.training.eks",
    "BatchTrainingCluster": "stackyard.components.training.batch",
    "GpuScheduling": "stackyard.components.training.kubernetes",
    "ClusterAutoscaler": "stackyard.components.training.autoscaler",
}

__getattr__, __all__ = lazy_exports(__name__, _COMPONENTS)
