"""Model serving endpoints (SageMaker real-time or KServe).

`from stackyard.components.serving import Serving` loads Pulumi; the spec (`.spec`) does not.
"""

from __future__ import annotations

from stackyard.lazy import lazy_exports

_COMPONENTS = {
    "Serving": "stackyard.components.serving.component",
    "SageMakerEndpoint": "stackyard.components.serving.sagemaker",
    "KServeEndpoint": "stackyard.components.serving.kserve",
}

__getattr__, __all__ = lazy_exports(__name__, _COMPONENTS)
