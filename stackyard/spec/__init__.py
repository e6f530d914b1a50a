"""The typed spec: `StackSpec`, its shared sections, and the loaders.

`StackSpec` composes the capability sections that live in `stackyard.components`, and those
import this package's base modules, so it is resolved lazily to keep the import order free.
"""

from __future__ import annotations

from stackyard.lazy import lazy_exports

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

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
