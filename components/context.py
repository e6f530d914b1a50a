"""What every component needs to know about the stack it belongs to, beyond its own section.

A plain frozen dataclass rather than a spec model: it is derived (from a `StackSpec`, or written
by hand by a team composing components in its own program), never loaded from a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from stackyard.spec.common import DataClassification, Environment, EnvironmentPresets, presets_for

if TYPE_CHECKING:
    import pulumi

    from stackyard.spec.stack import StackSpec

MANAGED_BY = "stackyard"


@dataclass(frozen=True)
class StackContext:
    project: str
    environment: Environment
    region: str
    owner: str
    cost_center: str
    data_classification: DataClassification
    extra_tags: Mapping[str, str] = field(default_factory=dict)
    allowed_regions: tuple[str, ...] = ()
    protect_stateful: bool | None = None
    """None follows the environment preset (protected in prod)."""

    @classmethod
    def from_spec(cls, spec: StackSpec) -> StackContext:
        return cls(
            project=spec.project,
            environment=spec.environment,
            region=spec.region,
            owner=spec.tags.owner,
            cost_center=spec.tags.cost_center,
            data_classification=spec.tags.data_classification,
            extra_tags=dict(spec.tags.extra),
            allowed_regions=tuple(spec.residency_regions),
            protect_stateful=spec.protect_stateful,
        )

    @property
    def presets(self) -> EnvironmentPresets:
        return presets_for(self.environment, self.protect_stateful)

    @property
    def name_prefix(self) -> str:
        return f"{self.project}-{Environment(self.environment).value}"

    @property
    def tags(self) -> dict[str, str]:
        """The tags every taggable resource carries (the required three, and where it belongs)."""
        return {
            **self.extra_tags,
            "owner": self.owner,
            "cost-center": self.cost_center,
            "data-classification": DataClassification(self.data_classification).value,
            "environment": Environment(self.environment).value,
            "project": self.project,
            "managed-by": MANAGED_BY,
        }

    def tags_for(self, resource_name: str, **overrides: str) -> dict[str, str]:
        """Tags for one resource: the stack's, its `Name` (the Pulumi name, as awsx does), and overrides
        such as a feature group's own data classification."""
        return {**self.tags, "Name": resource_name, **overrides}

    def physical_name(self, role: str, max_length: int = 63) -> str:
        """The name AWS sees, `<project>-<env>-<role>`, cut to the service's limit."""
        return f"{self.name_prefix}-{role}"[:max_length].rstrip("-")

    def stateful_options(self, **extra: Any) -> pulumi.ResourceOptions:
        """Options for a resource that holds data: protected against deletion where the preset says so."""
        import pulumi

        return pulumi.ResourceOptions(protect=self.presets.protect_stateful, **extra)


def renamed_from(*old_names: str) -> pulumi.ResourceOptions:
    """Options for a child renamed in code: aliases to its old names (same type and parent), so
    `pulumi up` keeps the deployed resource, and `stackyard diff` pairs it with its old URN, instead
    of replacing it (pulumi-awsx's habit). An old name stays for as long as a stack may still have it."""
    import pulumi

    return pulumi.ResourceOptions(aliases=[pulumi.Alias(name=old_name) for old_name in old_names])
