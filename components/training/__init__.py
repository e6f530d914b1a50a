"""GPU training clusters (EKS, AWS Batch, or an existing Kubernetes cluster).

Components load lazily so that importing the spec (`training.spec`) never loads Pulumi.
"""

from __future__ import annotations

import importlib
from typing import Any

_COMPONENTS = {
    "Training": "stackyard.components.training.training",
    "EksTrainingCluster": "stackyard.components.training.eks",
    "BatchTrainingCluster": "stackyard.components.training.batch",
    "GpuScheduling": "stackyard.components.training.kubernetes",
    "ClusterAutoscaler": "stackyard.components.training.autoscaler",
}


def __getattr__(name: str) -> Any:
    module = _COMPONENTS.get(name)
    if module is None:
        raise AttributeError(f"module 'stackyard.components.training' has no attribute '{name}'")
    return getattr(importlib.import_module(module), name)


__all__ = sorted(_COMPONENTS)
