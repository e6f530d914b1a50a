"""Spec of the `training` section: GPU training clusters (EKS or AWS Batch)."""

from __future__ import annotations

from stackyard.spec.base import SectionSpec


class TrainingSpec(SectionSpec):
    """GPU training clusters (EKS or AWS Batch)."""
