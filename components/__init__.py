"""Reusable Pulumi components for MLOps stacks, each beside its spec model.

Spec models (`<capability>.spec`) import only pydantic, so validating a spec never loads Pulumi.
Component classes are imported lazily for the same reason:
`from stackyard.components import FeatureStore` loads Pulumi only when asked.
"""

from __future__ import annotations

from stackyard.lazy import lazy_exports

_COMPONENTS = {
    "StackContext": "stackyard.components.context",
    "Encryption": "stackyard.components.encryption",
    "Network": "stackyard.components.network",
    "SecureBucket": "stackyard.components.bucket",
    "FeatureStore": "stackyard.components.feature_store.component",
    "Training": "stackyard.components.training.component",
    "Registry": "stackyard.components.registry.component",
    "Serving": "stackyard.components.serving.component",
    "Monitoring": "stackyard.components.monitoring.component",
    "Platform": "stackyard.components.platform",
}

__getattr__, __all__ = lazy_exports(__name__, _COMPONENTS)
