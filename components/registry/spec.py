"""Spec of the `registry` section: Model package groups and experiment tracking."""

from __future__ import annotations

from stackyard.spec.base import SectionSpec


class RegistrySpec(SectionSpec):
    """Model package groups and experiment tracking."""
