"""Spec of the `monitoring` section: Alarms, dashboards, Model Monitor and retraining triggers."""

from __future__ import annotations

from stackyard.spec.base import SectionSpec


class MonitoringSpec(SectionSpec):
    """Alarms, dashboards, Model Monitor and retraining triggers."""
