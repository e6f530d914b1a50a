"""`StackSpec`: the one typed spec an environment is built from."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from stackyard.components.feature_store.spec import FeatureStoreSpec
from stackyard.components.monitoring.spec import MonitoringSpec
from stackyard.components.registry.spec import RegistrySpec
from stackyard.components.serving.spec import ServingSpec
from stackyard.components.training.spec import TrainingSpec
from stackyard.spec import aws
from stackyard.spec.base import SectionSpec, SpecIssues, SpecModel
from stackyard.spec.common import (
    PROJECT_NAME,
    EncryptionSpec,
    Environment,
    EnvironmentPresets,
    NetworkSpec,
    TagsSpec,
    presets_for,
)

# Services every stack uses, whatever its sections: the key, the network, buckets, roles' tokens
# and the log groups. botocore's names (`get_available_regions`), not endpoint prefixes.
BASE_SERVICES = frozenset({"kms", "ec2", "s3", "sts", "logs"})

SECTIONS = ("feature_store", "training", "registry", "serving", "monitoring")


class StackSpec(SpecModel):
    """One environment of an MLOps platform: shared settings and one optional section per capability."""

    project: str = Field(
        description="Project name: lowercase letters, digits and hyphens, 3-32 characters. "
        "Prefixes resource names and is the 'project' tag."
    )
    environment: Environment = Field(description="dev, staging or prod; selects the environment presets.")
    region: str = Field(description="AWS region the stack is deployed to, e.g. eu-west-1.")
    allowed_regions: list[str] = Field(
        default_factory=list,
        description="Regions data and resources may live in (data residency). Defaults to [region].",
    )
    allowed_accounts: list[str] = Field(
        default_factory=list,
        description="AWS account IDs resources may be shared with (cross-account model promotion).",
    )
    tags: TagsSpec = Field(description="Required tags applied to every taggable resource.")
    encryption: EncryptionSpec = Field(
        default_factory=EncryptionSpec, description="KMS key that encrypts every resource holding data."
    )
    network: NetworkSpec = Field(
        default_factory=NetworkSpec, description="VPC and private subnets workloads run in."
    )
    protect_stateful: bool | None = Field(
        default=None,
        description="Override the environment preset that protects stateful resources against deletion "
        "(on in prod). Setting false in prod is an explicit opt-out that the policy packs report.",
    )
    feature_store: FeatureStoreSpec | None = Field(
        default=None, description="SageMaker Feature Store feature groups."
    )
    training: TrainingSpec | None = Field(
        default=None, description="GPU training clusters: EKS or AWS Batch."
    )
    registry: RegistrySpec | None = Field(
        default=None, description="Model registry (SageMaker model package groups) and experiment tracking."
    )
    serving: ServingSpec | None = Field(
        default=None, description="Model serving: SageMaker real-time endpoints or KServe on EKS."
    )
    monitoring: MonitoringSpec | None = Field(
        default=None, description="Alarms, dashboard, Model Monitor schedules and retraining triggers."
    )

    @field_validator("project")
    @classmethod
    def _project_name(cls, value: str) -> str:
        if not PROJECT_NAME.match(value):
            raise ValueError(
                f"'{value}' must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter"
            )
        return value

    @field_validator("region")
    @classmethod
    def _region_exists(cls, value: str) -> str:
        if value not in aws.known_regions():
            hint = aws.closest(value, set(aws.known_regions()))
            raise ValueError(
                f"unknown AWS region '{value}'" + (f"; did you mean {', '.join(hint)}?" if hint else "")
            )
        return value

    @field_validator("allowed_regions")
    @classmethod
    def _allowed_regions_exist(cls, value: list[str]) -> list[str]:
        unknown = [region for region in value if region not in aws.known_regions()]
        if unknown:
            raise ValueError(f"unknown AWS region(s): {', '.join(unknown)}")
        return value

    @field_validator("allowed_accounts")
    @classmethod
    def _account_ids(cls, value: list[str]) -> list[str]:
        bad = [account for account in value if not aws.is_account_id(account)]
        if bad:
            raise ValueError(f"not 12-digit AWS account IDs: {', '.join(bad)}")
        return value

    @model_validator(mode="after")
    def _stack_rules(self) -> StackSpec:
        issues = SpecIssues()
        if self.region not in self.residency_regions:
            issues.add("allowed_regions", f"the stack's region '{self.region}' is not in allowed_regions")
        key_arn = self.encryption.kms_key_arn
        parts = aws.parse_kms_key_arn(key_arn) if key_arn else None
        if parts and parts["region"] != self.region:
            issues.add(
                ("encryption", "kms_key_arn"),
                f"the key is in {parts['region']}, the stack in {self.region}: KMS keys cannot be used across regions",
            )
        for section_name in SECTIONS:
            section: SectionSpec | None = getattr(self, section_name)
            if section is None:
                continue
            for service in sorted(section.required_services()):
                if not aws.service_offered(service, self.region):
                    issues.add(section_name, f"AWS service '{service}' is not offered in {self.region}")
            issues.extend((section_name,), section.stack_issues(self))
        for service in sorted(BASE_SERVICES):
            if not aws.service_offered(service, self.region):
                issues.add("region", f"AWS service '{service}' is not offered in {self.region}")
        issues.raise_if_any("StackSpec")
        return self

    @property
    def vpc_endpoints(self) -> list[str]:
        """The network's endpoints and those its sections' workloads need, in a stable order."""
        needed: set[str] = set()
        for section_name in SECTIONS:
            section: SectionSpec | None = getattr(self, section_name)
            if section is not None:
                needed |= section.required_vpc_endpoints()
        return list(self.network.vpc_endpoints) + sorted(needed - set(self.network.vpc_endpoints))

    @property
    def residency_regions(self) -> list[str]:
        return self.allowed_regions or [self.region]

    @property
    def presets(self) -> EnvironmentPresets:
        return presets_for(self.environment, self.protect_stateful)

    @property
    def name_prefix(self) -> str:
        """`<project>-<environment>`: the prefix of every physical resource name."""
        return f"{self.project}-{self.environment.value}"
