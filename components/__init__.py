"""Reusable Pulumi components for MLOps stacks, each beside its spec model.

Spec models (`<capability>.spec`) import only pydantic, so validating a spec never loads Pulumi.
Component classes are imported lazily for the same reason:
`from stackyard.components import FeatureStore` loads Pulumi only when asked.
"""

from __future__ import annotations

import importlib
from typing import Any

_COMPONENTS = {
    "Encryption": "stackyard.components.encryption",
    "FeatureStore": "stackyard.components.feature_store.component",
    "Network": "stackyard.components.network",
    "Platform": "stackyard.components.platform",
    "StackContext": "stackyard.components.context",
}


def __getattr__(name: str) -> Any:
    module = _COMPONENTS.get(name)
    if module is None:
        raise AttributeError(f"module 'stackyard.components' has no attribute '{name}'")
    return getattr(importlib.import_module(module), name)


__all__ = sorted(_COMPONENTS)
