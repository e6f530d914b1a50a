"""Spec of the `feature_store` section: Feature groups of SageMaker Feature Store."""

from __future__ import annotations

from stackyard.spec.base import SectionSpec


class FeatureStoreSpec(SectionSpec):
    """Feature groups of SageMaker Feature Store."""
