"""The settings rules take from `--policy-pack-config`, each defined once.

Several rules share a setting (every residency rule reads `allowedRegions`); Pulumi's policy config
is per policy, so a config file repeats a shared value under each rule that uses it (the presets
are generated that way, see `stackyard.policies.presets`). Names are camelCase, as Pulumi's own
policy packs name their settings.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    description: str
    json_type: dict[str, Any]
    default: Any

    def schema(self) -> dict[str, Any]:
        return {
            **copy.deepcopy(self.json_type),
            "description": self.description,
            "default": self.default_value(),
        }

    def default_value(self) -> Any:
        return copy.deepcopy(self.default)


_STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True}
_COUNT = {"type": "integer", "minimum": 0}

DEFAULT_REQUIRED_TAGS = ["owner", "cost-center", "data-classification"]
DEFAULT_GPU_FAMILIES = ["g4dn", "g5", "g6", "g6e", "p4d", "p5"]
DEFAULT_DATA_SERVICES = [
    "s3",
    "sagemaker",
    "kms",
    "dynamodb",
    "rds",
    "glue",
    "athena",
    "secretsmanager",
    "ecr",
    "elasticfilesystem",
]

SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting(
            "allowedRegions",
            "AWS regions resources and replicas may live in. Empty: residency rules are not applicable "
            "(they never guess a region list).",
            _STRINGS,
            [],
        ),
        Setting(
            "allowedAccounts",
            "AWS account IDs data may be shared with (the stack's own accounts and trusted partners), "
            "besides the AWS provider's allowedAccountIds. When both are empty, grants to specific "
            "accounts are not judged (they may be the stack's own); grants to everyone still are.",
            {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{12}$"}, "uniqueItems": True},
            [],
        ),
        Setting(
            "requiredTags",
            "Tag keys every taggable AWS resource must carry (non-empty), own tags and provider "
            "default tags together.",
            _STRINGS,
            DEFAULT_REQUIRED_TAGS,
        ),
        Setting(
            "allowedClassifications",
            "Values the data-classification tag may take.",
            _STRINGS,
            ["public", "internal", "confidential", "restricted"],
        ),
        Setting(
            "environment",
            "Environment of the stack (dev, staging or prod). Empty: taken from each resource's "
            "'environment' tag; rules that depend on it are not applicable when neither says.",
            {"type": "string", "enum": ["", "dev", "staging", "prod"]},
            "",
        ),
        Setting(
            "allowedGpuFamilies",
            "EC2 instance families (g5, p4d, ...) GPU node groups, Batch environments and SageMaker "
            "endpoints may use.",
            _STRINGS,
            DEFAULT_GPU_FAMILIES,
        ),
        Setting(
            "maxGpuNodesPerGroup",
            "Largest maximum size of one GPU node group.",
            _COUNT,
            8,
        ),
        Setting(
            "maxGpuNodesTotal",
            "Largest sum of the maximum sizes of all GPU node groups of a stack.",
            _COUNT,
            32,
        ),
        Setting(
            "maxOfflineRetentionDays",
            "Longest time (days) offline feature store data may be kept. 0: any finite expiration passes.",
            _COUNT,
            0,
        ),
        Setting(
            "minServingInstances",
            "Fewest instances a production real-time endpoint variant runs (initial count, or the "
            "autoscaling minimum when autoscaling is configured).",
            {"type": "integer", "minimum": 1},
            2,
        ),
        Setting(
            "minBackupRetentionDays",
            "Fewest days of automated database backups.",
            {"type": "integer", "minimum": 1, "maximum": 35},
            7,
        ),
        Setting(
            "dataServices",
            "IAM service prefixes that hold data; a wildcard action on any of them is a violation.",
            _STRINGS,
            DEFAULT_DATA_SERVICES,
        ),
    )
}
