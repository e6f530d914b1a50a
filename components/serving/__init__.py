"""Model serving endpoints (SageMaker real-time or KServe).

`from stackyard.components.serving import Serving` loads Pulumi; the spec (`.spec`) does not.
"""

from __future__ import annotations

import importlib
from typing import Any

_COMPONENTS = {
    "Serving": "stackyard.components.serving.component",
    "SageMakerEndpoint": "stackyard.components.serving.sagemaker",
    "KServeEndpoint": "stackyard.components.serving.kserve",
}


def __getattr__(name: str) -> Any:
    module = _COMPONENTS.get(name)
    if module is None:
        raise AttributeError(f"module 'stackyard.components.serving' has no attribute '{name}'")
    return getattr(importlib.import_module(module), name)


__all__ = sorted(_COMPONENTS)
