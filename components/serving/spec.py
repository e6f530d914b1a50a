"""Spec of the `serving` section: Model serving endpoints (SageMaker real-time or KServe)."""

from __future__ import annotations

from stackyard.spec.base import SectionSpec


class ServingSpec(SectionSpec):
    """Model serving endpoints (SageMaker real-time or KServe)."""
