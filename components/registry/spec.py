"""Spec of the `registry` section: model package groups and experiment tracking.

    registry:
      models:
        - name: churn
          description: Churn classifier
          approval: manual
          readers: ["111122223333"]      # accounts that may read the group (promotion)
      tracking:
        backend: sagemaker-mlflow        # or kubernetes, or none
        server_size: Small

Tracking is one flat model with a `backend` switch rather than a tagged union, so that errors
read `registry.tracking.database.instance_class` (a union would put the tag in every path), and
a field set for another backend is an error instead of being silently ignored.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, model_validator

from stackyard.spec import aws
from stackyard.spec.base import SectionSpec, SpecIssues, SpecModel, duplicates
from stackyard.spec.common import KubernetesTargetSpec

MODEL_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
"""SageMaker's pattern for a model package group name (the physical name must match it too)."""
MODEL_PACKAGE_GROUP_NAME_MAX = 63
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
QUANTITY = re.compile(r"^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$")
MAINTENANCE_WINDOW = re.compile(r"^(MON|TUE|WED|THU|FRI|SAT|SUN):([01]\d|2[0-3]):[0-5]\d$")
MLFLOW_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?$")
OIDC_PROVIDER_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/[A-Za-z0-9.\-/_]+$")
IMAGE = re.compile(r"^[^\s:@]+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$")

Backend = Literal["sagemaker-mlflow", "kubernetes", "none"]

SAGEMAKER_FIELDS = frozenset(
    {"server_size", "mlflow_version", "automatic_model_registration", "maintenance_window"}
)
KUBERNETES_FIELDS = frozenset(
    {
        "target",
        "namespace",
        "create_namespace",
        "image",
        "replicas",
        "resources",
        "database",
        "oidc_provider_arn",
    }
)


class ModelSpec(SpecModel):
    """A model: one SageMaker model package group holding its versions."""

    name: str = Field(
        description="Model name: letters, digits and hyphens, up to 63 characters. The group is named "
        "`<project>-<environment>-<name>`."
    )
    description: str = Field(default="", max_length=1024, description="What the model is for.")
    approval: Literal["manual", "automatic"] = Field(
        default="manual",
        description="'manual': new versions wait for a reviewer (PendingManualApproval); 'automatic': "
        "new versions are registered Approved. Pipelines read it from the `model_approval_statuses` output.",
    )
    readers: list[str] = Field(
        default_factory=list,
        description="AWS account IDs allowed to describe and list the group's versions (cross-account "
        "promotion). Each must be in the stack's allowed_accounts.",
    )

    @model_validator(mode="after")
    def _name_and_readers(self) -> ModelSpec:
        issues = SpecIssues()
        if not MODEL_NAME.match(self.name):
            issues.add(
                "name",
                f"'{self.name}' must be letters, digits and single hyphens, starting and ending with a "
                "letter or digit, up to 63 characters",
                self.name,
            )
        for index, account in enumerate(self.readers):
            if not aws.is_account_id(account):
                issues.add(("readers", index), f"'{account}' is not a 12-digit AWS account ID", account)
        for account in duplicates(self.readers):
            issues.add("readers", f"account '{account}' is listed more than once")
        issues.raise_if_any("ModelSpec")
        return self


class ResourcesSpec(SpecModel):
    """CPU and memory of the MLflow server container (Kubernetes quantities)."""

    cpu_request: str = Field(default="500m", description="CPU the scheduler reserves, e.g. 500m.")
    memory_request: str = Field(default="1Gi", description="Memory the scheduler reserves, e.g. 1Gi.")
    cpu_limit: str = Field(default="2", description="Most CPU the server may use.")
    memory_limit: str = Field(
        default="2Gi", description="Most memory the server may use before it is killed."
    )

    @model_validator(mode="after")
    def _quantities(self) -> ResourcesSpec:
        issues = SpecIssues()
        for field_name in ("cpu_request", "memory_request", "cpu_limit", "memory_limit"):
            value = getattr(self, field_name)
            if not QUANTITY.match(value):
                issues.add(field_name, f"'{value}' is not a Kubernetes quantity (e.g. 500m, 2, 1Gi)", value)
        issues.raise_if_any("ResourcesSpec")
        return self


class DatabaseSpec(SpecModel):
    """The RDS PostgreSQL instance MLflow keeps runs, metrics and registered models in."""

    instance_class: str = Field(default="db.t4g.small", description="RDS instance class, e.g. db.t4g.small.")
    engine_version: Literal["14", "15", "16", "17"] = Field(
        default="16", description="PostgreSQL major version; RDS applies minor versions automatically."
    )
    allocated_storage_gb: int = Field(
        default=20, ge=20, le=65536, description="Initial storage (gp3), in GiB."
    )
    max_allocated_storage_gb: int = Field(
        default=100, ge=20, le=65536, description="Storage autoscaling ceiling, in GiB."
    )
    multi_az: bool | None = Field(
        default=None, description="Standby in a second availability zone. Default: on in prod only."
    )

    @model_validator(mode="after")
    def _class_and_storage(self) -> DatabaseSpec:
        issues = SpecIssues()
        family = self.instance_class.removeprefix("db.")
        if not self.instance_class.startswith("db.") or family not in aws.ec2_instance_types():
            known = {f"db.{name}" for name in aws.ec2_instance_types()}
            hint = aws.closest(self.instance_class, known)
            issues.add(
                "instance_class",
                f"'{self.instance_class}' is not an RDS instance class"
                + (f"; did you mean {', '.join(hint)}?" if hint else " (e.g. db.t4g.small)"),
                self.instance_class,
            )
        if self.max_allocated_storage_gb < self.allocated_storage_gb:
            issues.add(
                "max_allocated_storage_gb", "max_allocated_storage_gb must be at least allocated_storage_gb"
            )
        issues.raise_if_any("DatabaseSpec")
        return self


class TrackingSpec(SpecModel):
    """Where experiments are tracked: SageMaker managed MLflow, a self-hosted MLflow server on
    Kubernetes, or none."""

    backend: Backend = Field(
        default="none",
        description="'sagemaker-mlflow': a SageMaker managed MLflow tracking server. 'kubernetes': an MLflow "
        "server on a Kubernetes cluster, with RDS PostgreSQL and S3 artifacts. 'none': no tracking server.",
    )
    # sagemaker-mlflow
    server_size: str = Field(
        default="Small", description="Tracking server size (sagemaker-mlflow): Small, Medium or Large."
    )
    mlflow_version: str | None = Field(
        default=None,
        description="MLflow version of the managed server (sagemaker-mlflow), e.g. 3.0; "
        "default: SageMaker's current default.",
    )
    automatic_model_registration: bool = Field(
        default=False,
        description="Register models logged to MLflow in the SageMaker model registry automatically "
        "(sagemaker-mlflow). The server may only register into this stack's groups.",
    )
    maintenance_window: str | None = Field(
        default=None, description="Weekly maintenance start in UTC, e.g. TUE:03:30 (sagemaker-mlflow)."
    )
    # kubernetes
    target: KubernetesTargetSpec | None = Field(
        default=None,
        description="Cluster the MLflow server runs on (kubernetes): an EKS cluster of the training section, "
        "or a kubeconfig and context.",
    )
    namespace: str = Field(default="mlflow", description="Namespace of the MLflow server (kubernetes).")
    create_namespace: bool = Field(
        default=True, description="Create the namespace (kubernetes); false when it already exists."
    )
    image: str | None = Field(
        default=None,
        description="MLflow server image (kubernetes). Default: ghcr.io/mlflow/mlflow:v<version>-full, the "
        "official image with the PostgreSQL driver and boto3, at the mlflow version stackyard is tested with. "
        "An override must pin a tag or digest and contain mlflow, psycopg2 and boto3.",
    )
    replicas: int = Field(default=1, ge=1, le=10, description="MLflow server replicas (kubernetes).")
    resources: ResourcesSpec = Field(
        default_factory=ResourcesSpec, description="CPU and memory of the MLflow server (kubernetes)."
    )
    database: DatabaseSpec = Field(
        default_factory=DatabaseSpec, description="The RDS PostgreSQL backend store (kubernetes)."
    )
    oidc_provider_arn: str | None = Field(
        default=None,
        description="IAM OIDC provider of a cluster reached by kubeconfig (kubernetes): the MLflow pod "
        "exchanges its service-account token for the role that reads the artifact bucket and the database "
        "secret. Not used with an EKS cluster of the stack, whose provider is known.",
    )

    @model_validator(mode="after")
    def _backend_fields(self) -> TrackingSpec:
        issues = SpecIssues()
        own = {"sagemaker-mlflow": SAGEMAKER_FIELDS, "kubernetes": KUBERNETES_FIELDS, "none": frozenset()}
        for field_name in sorted(self.model_fields_set - own[self.backend] - {"backend"}):
            users = "sagemaker-mlflow" if field_name in SAGEMAKER_FIELDS else "kubernetes"
            issues.add(field_name, f"{field_name} is only used with backend '{users}'")
        if self.backend == "sagemaker-mlflow":
            self._sagemaker_issues(issues)
        if self.backend == "kubernetes":
            self._kubernetes_issues(issues)
        issues.raise_if_any("TrackingSpec")
        return self

    def _sagemaker_issues(self, issues: SpecIssues) -> None:
        sizes = aws.sagemaker_instance_types("TrackingServerSize")
        if self.server_size not in sizes:
            issues.add(
                "server_size",
                f"'{self.server_size}' is not a tracking server size ({', '.join(sorted(sizes))})",
                self.server_size,
            )
        if self.mlflow_version is not None and not MLFLOW_VERSION.match(self.mlflow_version):
            issues.add(
                "mlflow_version",
                f"'{self.mlflow_version}' is not an MLflow version like 3.0",
                self.mlflow_version,
            )
        if self.maintenance_window is not None and not MAINTENANCE_WINDOW.match(self.maintenance_window):
            issues.add(
                "maintenance_window",
                f"'{self.maintenance_window}' is not DDD:HH:MM in UTC, e.g. TUE:03:30",
                self.maintenance_window,
            )

    def _kubernetes_issues(self, issues: SpecIssues) -> None:
        if self.target is None:
            issues.add("target", "backend 'kubernetes' needs a target: cluster, or kubeconfig and context")
        elif self.target.kubeconfig and not self.oidc_provider_arn:
            issues.add(
                "oidc_provider_arn",
                "a cluster reached by kubeconfig needs oidc_provider_arn: the MLflow pod reaches S3 and the "
                "database secret through a service-account role trusted by that provider",
            )
        elif self.target.cluster and self.oidc_provider_arn:
            issues.add(
                "oidc_provider_arn",
                "oidc_provider_arn is only used with kubeconfig; the stack's EKS cluster brings its own",
            )
        if self.oidc_provider_arn and not OIDC_PROVIDER_ARN.match(self.oidc_provider_arn):
            issues.add(
                "oidc_provider_arn",
                f"'{self.oidc_provider_arn}' is not an IAM OIDC provider ARN "
                "(arn:aws:iam::<account>:oidc-provider/<issuer host and path>)",
                self.oidc_provider_arn,
            )
        if not DNS_LABEL.match(self.namespace):
            issues.add("namespace", f"'{self.namespace}' is not a Kubernetes namespace name", self.namespace)
        if self.image is not None and (not IMAGE.match(self.image) or _unpinned(self.image)):
            issues.add(
                "image",
                f"'{self.image}' must name an image with a pinned tag or digest (not 'latest')",
                self.image,
            )


def _unpinned(image: str) -> bool:
    if "@sha256:" in image:
        return False
    last = image.rsplit("/", 1)[-1]
    return ":" not in last or last.endswith(":latest")


class RegistrySpec(SectionSpec):
    """Model package groups and experiment tracking."""

    models: list[ModelSpec] = Field(
        default_factory=list, description="Models, each a SageMaker model package group."
    )
    tracking: TrackingSpec = Field(
        default_factory=TrackingSpec, description="Experiment tracking server (MLflow), or none."
    )

    @model_validator(mode="after")
    def _unique_models(self) -> RegistrySpec:
        issues = SpecIssues()
        names = [model.name for model in self.models]
        for name in duplicates(names):
            issues.add(
                ("models", names.index(name, names.index(name) + 1), "name"),
                f"model '{name}' is defined twice",
            )
        issues.raise_if_any("RegistrySpec")
        return self

    def required_vpc_endpoints(self) -> set[str]:
        """The self-hosted MLflow server reads its database password from Secrets Manager."""
        return {"secretsmanager"} if self.tracking.backend == "kubernetes" else set()

    def required_services(self) -> set[str]:
        services = {"sagemaker"}
        if self.tracking.backend == "kubernetes":
            services |= {"rds", "secretsmanager"}
        return services

    def stack_issues(self, stack: Any) -> list[tuple[tuple[str | int, ...], str]]:
        found: list[tuple[tuple[str | int, ...], str]] = []
        allowed = set(stack.allowed_accounts)
        for index, model in enumerate(self.models):
            physical = f"{stack.name_prefix}-{model.name}"
            if len(physical) > MODEL_PACKAGE_GROUP_NAME_MAX:
                found.append(
                    (
                        ("models", index, "name"),
                        f"the model package group name '{physical}' is longer than "
                        f"{MODEL_PACKAGE_GROUP_NAME_MAX} characters",
                    )
                )
            for position, account in enumerate(model.readers):
                if account not in allowed:
                    found.append(
                        (
                            ("models", index, "readers", position),
                            f"account '{account}' is not in the stack's allowed_accounts",
                        )
                    )
        tracking = self.tracking
        if tracking.backend == "kubernetes" and tracking.target is not None:
            found.extend(
                (("tracking", "target", *loc), message)
                for loc, message in tracking.target.stack_issues(stack)
            )
        return found
