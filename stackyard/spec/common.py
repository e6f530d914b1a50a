"""The sections every stack shares: environment and its presets, tags, encryption, network.

Each capability's own section lives beside its component in `stackyard.components`; the root
`StackSpec` in `stackyard.spec.stack` composes them all.
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from stackyard.spec import aws
from stackyard.spec.base import SpecIssues, SpecModel

PROJECT_NAME = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")
TAG_KEY = re.compile(r"^[\w .:/=+\-@]{1,128}$")


class Environment(StrEnum):
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


class DataClassification(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"


class EnvironmentPresets(SpecModel):
    """What an environment implies unless the spec says otherwise."""

    protect_stateful: bool = Field(
        description="Protect stateful resources (buckets, feature groups, databases) against deletion."
    )
    min_serving_instances: int = Field(description="Fewest instances a real-time endpoint may run.")
    deletion_protection: bool = Field(description="Turn on deletion protection where AWS offers it (RDS).")
    backup_retention_days: int = Field(description="Days of automated database backups.")


PRESETS: dict[Environment, EnvironmentPresets] = {
    Environment.DEV: EnvironmentPresets(
        protect_stateful=False, min_serving_instances=1, deletion_protection=False, backup_retention_days=1
    ),
    Environment.STAGING: EnvironmentPresets(
        protect_stateful=False, min_serving_instances=1, deletion_protection=True, backup_retention_days=7
    ),
    Environment.PROD: EnvironmentPresets(
        protect_stateful=True, min_serving_instances=2, deletion_protection=True, backup_retention_days=30
    ),
}


def presets_for(environment: Environment | str, protect_stateful: bool | None = None) -> EnvironmentPresets:
    """The environment's presets, with the spec's explicit protection override when it has one."""
    preset = PRESETS[Environment(environment)]
    if protect_stateful is not None:
        return preset.model_copy(update={"protect_stateful": protect_stateful})
    return preset


class TagsSpec(SpecModel):
    """The tags every taggable resource carries. The three required ones are what cost reports,
    ownership lookups and data-handling rules key on."""

    owner: str = Field(min_length=1, max_length=256, description="Team or person accountable for the stack.")
    cost_center: str = Field(min_length=1, max_length=256, description="Cost center billed for the stack.")
    data_classification: DataClassification = Field(
        description="Highest classification of data the stack holds: public, internal, confidential or restricted."
    )
    extra: dict[str, str] = Field(
        default_factory=dict, description="Additional tags applied to every taggable resource."
    )

    @field_validator("extra")
    @classmethod
    def _valid_extra_keys(cls, value: dict[str, str]) -> dict[str, str]:
        reserved = {
            "owner",
            "cost-center",
            "data-classification",
            "environment",
            "project",
            "managed-by",
            "Name",
        }
        for key in value:
            if key in reserved:
                raise ValueError(f"tag '{key}' is set by stackyard; remove it from tags.extra")
            if not TAG_KEY.match(key) or key.lower().startswith("aws:"):
                raise ValueError(f"'{key}' is not a valid AWS tag key")
        return value


class EncryptionSpec(SpecModel):
    """How data at rest is encrypted. Every component uses the one key this section yields."""

    mode: Literal["managed", "existing"] = Field(
        default="managed",
        description="'managed': stackyard creates a customer managed KMS key for the stack, with rotation on. "
        "'existing': use the key given in kms_key_arn.",
    )
    kms_key_arn: str | None = Field(
        default=None,
        description="ARN of an existing KMS key (mode 'existing' only); must be in the stack's region.",
    )
    deletion_window_days: int = Field(
        default=30, ge=7, le=30, description="Waiting period before a managed key is deleted (7-30 days)."
    )

    @model_validator(mode="after")
    def _mode_and_key(self) -> EncryptionSpec:
        issues = SpecIssues()
        if self.mode == "existing":
            if not self.kms_key_arn:
                issues.add("kms_key_arn", "mode 'existing' needs kms_key_arn")
            elif aws.parse_kms_key_arn(self.kms_key_arn) is None:
                issues.add(
                    "kms_key_arn",
                    f"'{self.kms_key_arn}' is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)",
                    self.kms_key_arn,
                )
        elif self.kms_key_arn:
            issues.add("kms_key_arn", "kms_key_arn is only used with mode 'existing'")
        issues.raise_if_any("EncryptionSpec")
        return self


DEFAULT_VPC_ENDPOINTS = ("s3", "sagemaker.api", "sagemaker.runtime", "ecr.api", "ecr.dkr", "sts", "logs")


class NetworkSpec(SpecModel):
    """Where workloads run. By default a private VPC with no route to the internet."""

    mode: Literal["create", "existing"] = Field(
        default="create", description="'create' a VPC for the stack, or use an 'existing' VPC and subnets."
    )
    cidr: str = Field(default="10.40.0.0/16", description="CIDR block of the created VPC (mode 'create').")
    availability_zones: int = Field(
        default=2,
        ge=2,
        le=6,
        description="Number of availability zones with a private subnet (mode 'create').",
    )
    internet_gateway: bool = Field(
        default=False,
        description="Create an internet gateway and public subnets (mode 'create'). Off by default: "
        "AWS services are reached through VPC endpoints.",
    )
    vpc_endpoints: list[str] = Field(
        default_factory=lambda: list(DEFAULT_VPC_ENDPOINTS),
        description="AWS services reached privately through VPC endpoints (mode 'create'), "
        "as the suffix of com.amazonaws.<region>.<service>.",
    )
    vpc_id: str | None = Field(default=None, description="ID of the existing VPC (mode 'existing').")
    subnet_ids: list[str] = Field(
        default_factory=list,
        description="Private subnet IDs in the existing VPC, at least two (mode 'existing').",
    )
    security_group_ids: list[str] = Field(
        default_factory=list,
        description="Security groups for workloads in the existing VPC (mode 'existing'); "
        "stackyard creates one when empty.",
    )

    @model_validator(mode="after")
    def _mode_fields(self) -> NetworkSpec:
        issues = SpecIssues()
        if self.mode == "existing":
            if not self.vpc_id or not re.match(r"^vpc-[0-9a-f]{8,17}$", self.vpc_id):
                issues.add("vpc_id", "mode 'existing' needs vpc_id like 'vpc-0abc12345def67890'", self.vpc_id)
            if len(self.subnet_ids) < 2:
                issues.add(
                    "subnet_ids", "mode 'existing' needs at least two private subnet IDs", self.subnet_ids
                )
            for index, subnet in enumerate(self.subnet_ids):
                if not re.match(r"^subnet-[0-9a-f]{8,17}$", subnet):
                    issues.add(("subnet_ids", index), f"'{subnet}' is not a subnet ID", subnet)
            for index, group in enumerate(self.security_group_ids):
                if not re.match(r"^sg-[0-9a-f]{8,17}$", group):
                    issues.add(("security_group_ids", index), f"'{group}' is not a security group ID", group)
        else:
            try:
                network = ipaddress.ip_network(self.cidr)
            except ValueError:
                issues.add("cidr", f"'{self.cidr}' is not a CIDR block", self.cidr)
            else:
                if not 16 <= network.prefixlen <= 24:
                    issues.add("cidr", "the VPC CIDR prefix must be between /16 and /24", self.cidr)
            if self.vpc_id or self.subnet_ids:
                issues.add("vpc_id", "vpc_id and subnet_ids are only used with mode 'existing'")
            for index, service in enumerate(self.vpc_endpoints):
                if not re.match(r"^[a-z0-9-]+(\.[a-z0-9-]+)*$", service):
                    issues.add(
                        ("vpc_endpoints", index), f"'{service}' is not a VPC endpoint service name", service
                    )
        issues.raise_if_any("NetworkSpec")
        return self


class KubernetesTargetSpec(SpecModel):
    """Which Kubernetes cluster a workload runs on: an EKS cluster of this stack's `training`
    section, or an existing cluster reached through a kubeconfig (on-premises included)."""

    cluster: str | None = Field(
        default=None, description="Name of an EKS cluster in this stack's training section."
    )
    kubeconfig: str | None = Field(
        default=None,
        description="Path to a kubeconfig file for an existing cluster (instead of cluster).",
    )
    context: str | None = Field(
        default=None, description="Context in the kubeconfig to use (with kubeconfig)."
    )

    @model_validator(mode="after")
    def _one_target(self) -> KubernetesTargetSpec:
        issues = SpecIssues()
        if bool(self.cluster) == bool(self.kubeconfig):
            issues.add(
                "cluster",
                "give either cluster (an EKS cluster of this stack) or kubeconfig, not both or neither",
            )
        if self.context and not self.kubeconfig:
            issues.add("context", "context is only used with kubeconfig")
        issues.raise_if_any("KubernetesTargetSpec")
        return self

    def stack_issues(self, stack: Any) -> list[tuple[tuple[str | int, ...], str]]:
        """The named cluster must be an EKS cluster of the stack's training section."""
        if not self.cluster:
            return []
        training = getattr(stack, "training", None)
        names = [c.name for c in getattr(training, "clusters", []) if getattr(c, "backend", None) == "eks"]
        if self.cluster not in names:
            known = ", ".join(names) or "none"
            return [
                (
                    ("cluster",),
                    f"no EKS cluster named '{self.cluster}' in training.clusters (EKS clusters: {known})",
                )
            ]
        return []
