"""The typed spec: `StackSpec`, its shared sections, and the loaders."""

from stackyard.spec.common import (
    DataClassification,
    EncryptionSpec,
    Environment,
    EnvironmentPresets,
    NetworkSpec,
    TagsSpec,
)
from stackyard.spec.stack import StackSpec

__all__ = [
    "DataClassification",
    "EncryptionSpec",
    "Environment",
    "EnvironmentPresets",
    "NetworkSpec",
    "StackSpec",
    "TagsSpec",
]
