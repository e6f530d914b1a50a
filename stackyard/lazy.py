"""Lazy exports for packages whose names would otherwise pull in Pulumi or pulumi-aws at import.

    __getattr__, __all__ = lazy_exports(__name__, {"FeatureStore": "stackyard.components.feature_store.component"})

`from package import Name` then imports the defining module only when asked (PEP 562), so
validating a spec or printing `stackyard --help` never loads the heavy SDKs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], list[str]]:
    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module '{package}' has no attribute '{name}'")
        return getattr(importlib.import_module(module), name)

    return __getattr__, sorted(exports)
