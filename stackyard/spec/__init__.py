"""The typed spec: `StackSpec`, its shared sections, and the loaders.

`StackSpec` composes the capability sections that live in `stackyard.components`, and those
import this package's base modules, so it is resolved lazily to keep the import order free.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DataClassification": "stackyard.spec.common",
    "EncryptionSpec": "stackyard.spec.common",
    "Environment": "stackyard.spec.common",
    "EnvironmentPresets": "stackyard.spec.common",
    "NetworkSpec": "stackyard.spec.common",
    "TagsSpec": "stackyard.spec.common",
    "StackSpec": "stackyard.spec.stack",
    "SpecError": "stackyard.spec.loader",
    "load_spec": "stackyard.spec.loader",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'stackyard.spec' has no attribute '{name}'")
    return getattr(importlib.import_module(module), name)


__all__ = sorted(_EXPORTS)
