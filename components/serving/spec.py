"""Spec of the `serving` section: model serving endpoints (SageMaker real-time or KServe).

Deploying or rolling back a model is a one-line change (`model.version`): the component turns it
into a new model and endpoint configuration and switches the endpoint to them, never replacing
the endpoint itself.

Framework containers are checked against the sagemaker SDK's image configs, imported lazily (see
`images.py`): only specs that name a framework pay for the import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import Field, model_validator

from stackyard.components.monitoring.spec import endpoint_is_monitored
from stackyard.components.serving import images
from stackyard.spec import aws
from stackyard.spec.base import Loc, SectionSpec, SpecIssues, SpecModel, duplicates
from stackyard.spec.common import KubernetesTargetSpec

ENDPOINT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
S3_URI = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?P<key>\S+)$")
ENV_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$")
QUANTITY = re.compile(r"^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$")
LATEST_APPROVED = "latest-approved"

DEFAULT_SAMPLING_PERCENTAGE = 20
"""Enough requests for drift statistics on any endpoint with real traffic, a fifth of the storage
(and of the personal data held) of capturing everything."""

SERVERLESS_MEMORY_SIZES = (1024, 2048, 3072, 4096, 5120, 6144)
"""What SageMaker serverless endpoints accept (MemorySizeInMB, 1 GB steps)."""



COMMON_FRAMEWORKS = ("pytorch", "tensorflow", "xgboost", "sklearn", "huggingface", "huggingface-llm")
"""Named when a framework is unknown: the SDK has about 60, mostly variants of these."""


def frameworks_hint(known: Sequence[str]) -> str:
    """A short list of the frameworks to choose from, and where the whole list is."""
    common = [name for name in COMMON_FRAMEWORKS if name in known]
    return (
        f"{', '.join(common)} and {len(known) - len(common)} more "
        "(all of them: sagemaker.core.image_uris.list_frameworks())"
    )

class ModelSourceSpec(SpecModel):
    """What the endpoint serves: a version of a model package group of the registry, or a model
    artifact in S3."""

    package_group: str | None = Field(
        default=None,
        description="Name of a model in the registry section (its model package group).",
    )
    version: int | Literal["latest-approved"] | None = Field(
        default=None,
        description="Model package version to deploy (with package_group). Changing it deploys that "
        "version through the rollout; 'latest-approved' is rejected (see the message).",
    )
    s3_uri: str | None = Field(
        default=None,
        description="S3 URI of a model artifact (model.tar.gz), instead of a package group.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> ModelSourceSpec:
        issues = SpecIssues()
        if bool(self.package_group) == bool(self.s3_uri):
            issues.add(
                "package_group", "give either package_group (with version) or s3_uri, not both or neither"
            )
        if self.package_group:
            if self.version is None:
                issues.add("version", "a model package source needs the version to deploy")
            elif self.version == LATEST_APPROVED:
                # Resolving it would need the SageMaker API at plan time, and would deploy a new model on
                # any `pulumi up` with no change to the spec: no review, no record, no rollback target.
                issues.add(
                    "version",
                    "'latest-approved' cannot be known when the plan is made; give the approved version "
                    "number to deploy (deploying or rolling back is then a one-line, reviewed change)",
                )
            elif isinstance(self.version, int) and self.version < 1:
                issues.add("version", "model package versions start at 1", self.version)
        elif self.version is not None:
            issues.add("version", "version is only used with package_group")
        if self.s3_uri and not S3_URI.match(self.s3_uri):
            issues.add("s3_uri", f"'{self.s3_uri}' is not an S3 object URI (s3://bucket/key)", self.s3_uri)
        issues.raise_if_any("ModelSourceSpec")
        return self

    def fingerprint(self) -> dict[str, Any]:
        return {"package_group": self.package_group, "version": self.version, "s3_uri": self.s3_uri}


class ContainerSpec(SpecModel):
    """The inference image: a framework version, resolved to the region's image by the sagemaker
    SDK, or an explicit ECR image."""

    framework: str | None = Field(
        default=None,
        description="sagemaker SDK framework name: pytorch, tensorflow, xgboost, sklearn, huggingface, "
        "huggingface-llm (TGI), huggingface-vllm, djl-lmi, ...",
    )
    version: str | None = Field(default=None, description="Framework version, e.g. '2.6.0' (with framework).")
    py_version: str | None = Field(
        default=None, description="Python version of the image, e.g. 'py312'; the newest when omitted."
    )
    base_framework_version: str | None = Field(
        default=None,
        description="Base framework of a Hugging Face image, e.g. 'pytorch2.6.0'; the newest when omitted.",
    )
    image: str | None = Field(
        default=None, description="Explicit ECR image URI, instead of framework and version."
    )

    @model_validator(mode="after")
    def _framework_or_image(self) -> ContainerSpec:
        issues = SpecIssues()
        if bool(self.framework) == bool(self.image):
            issues.add("framework", "give either framework (with version) or image, not both or neither")
        elif self.image:
            if images.parse_ecr_image(self.image) is None:
                issues.add(
                    "image",
                    f"'{self.image}' is not an ECR image URI "
                    "(<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag])",
                    self.image,
                )
            for field in ("version", "py_version", "base_framework_version"):
                if getattr(self, field):
                    issues.add(field, f"{field} is only used with framework")
        elif self.framework and not self.version:
            issues.add("version", f"framework '{self.framework}' needs a version")
        issues.raise_if_any("ContainerSpec")
        return self

    def framework_issues(self) -> list[tuple[Loc, str]]:
        """The framework, version and Python version checked against the sagemaker SDK. Called by
        the endpoint's validator rather than this model's, so a bad framework is reported together
        with the endpoint's other errors."""
        framework, version = self.framework, self.version
        if not framework or not version:
            return []
        known = images.inference_frameworks()
        if framework not in known:
            hint = aws.closest(framework, set(known))
            return [
                (
                    ("framework",),
                    f"the sagemaker SDK has no inference images for framework '{framework}'"
                    + (f" (did you mean {', '.join(hint)}?)" if hint else "")
                    + f"; frameworks with inference images: {frameworks_hint(known)}",
                )
            ]
        versions = images.framework_versions(framework)
        if version not in versions:
            return [
                (
                    ("version",),
                    f"the sagemaker SDK has no {framework} inference images for version '{version}'; "
                    f"supported versions: {', '.join(versions)}",
                )
            ]
        issues: list[tuple[Loc, str]] = []
        py_versions = images.python_versions(framework, version)
        if self.py_version and self.py_version not in py_versions:
            issues.append(
                (
                    ("py_version",),
                    f"{framework} {version} has no image for Python '{self.py_version}'; "
                    f"supported: {', '.join(py_versions) or 'none (omit py_version)'}",
                )
            )
        bases = images.base_framework_versions(framework, version)
        if self.base_framework_version and self.base_framework_version not in bases:
            issues.append(
                (
                    ("base_framework_version",),
                    f"{framework} {version} has no image on base framework '{self.base_framework_version}'; "
                    f"supported: {', '.join(bases) or 'none (omit base_framework_version)'}",
                )
            )
        return issues

    def image_uri(self, region: str, instance_type: str | None) -> str:
        """The image the model runs (raises ValueError when the framework has none for the region
        and instance type; `stack_issues` reports that before any resource is made)."""
        if self.image:
            return self.image
        assert self.framework and self.version  # guaranteed by the validator
        return images.retrieve_image_uri(
            self.framework,
            region,
            self.version,
            instance_type=instance_type,
            py_version=self.py_version,
            base_framework_version=self.base_framework_version,
        )


class AutoscalingSpec(SpecModel):
    """Target tracking on invocations per instance (Application Auto Scaling)."""

    min_instances: int = Field(ge=1, description="Fewest instances (at least 2 in prod).")
    max_instances: int = Field(ge=1, description="Most instances.")
    target_invocations_per_instance: int = Field(
        ge=1, description="Invocations per instance per minute the scaling policy keeps the variant at."
    )
    scale_in_cooldown_seconds: int = Field(
        default=300, ge=0, le=3600, description="Seconds after a scale-in before the next one."
    )
    scale_out_cooldown_seconds: int = Field(
        default=60, ge=0, le=3600, description="Seconds after a scale-out before the next one."
    )

    @model_validator(mode="after")
    def _range(self) -> AutoscalingSpec:
        issues = SpecIssues()
        if self.min_instances > self.max_instances:
            issues.add(
                "min_instances",
                f"min_instances ({self.min_instances}) is greater than max_instances ({self.max_instances})",
            )
        issues.raise_if_any("AutoscalingSpec")
        return self


class ServerlessSpec(SpecModel):
    """A serverless endpoint: no instances, billed per request."""

    memory_mb: Literal[1024, 2048, 3072, 4096, 5120, 6144] = Field(
        default=2048, description="Memory of each concurrent invocation, 1024-6144 MB in 1024 MB steps."
    )
    max_concurrency: int = Field(default=10, ge=1, le=200, description="Most concurrent invocations (1-200).")


class DataCaptureSpec(SpecModel):
    """Requests and responses captured to the stack's encrypted data capture bucket (for Model Monitor)."""

    enabled: bool = Field(default=True, description="Capture requests and responses (on by default).")
    sampling_percentage: int = Field(
        default=DEFAULT_SAMPLING_PERCENTAGE,
        ge=1,
        le=100,
        description="Percentage of requests captured (default 20).",
    )


class RolloutSpec(SpecModel):
    """How a new model or configuration reaches traffic. 'all-at-once' switches when the new fleet is
    healthy; 'canary' and 'linear' are blue/green deployments that shift traffic in steps and roll
    back automatically when the endpoint's rollback alarms fire (they need the monitoring section)."""

    strategy: Literal["all-at-once", "canary", "linear"] = Field(
        default="all-at-once", description="all-at-once, canary or linear."
    )
    canary_percent: int = Field(
        default=10, ge=1, le=50, description="Share of capacity that gets traffic first (canary)."
    )
    linear_step_percent: int = Field(
        default=20, ge=5, le=50, description="Share of capacity shifted per step (linear)."
    )
    wait_seconds: int = Field(
        default=600, ge=60, le=3600, description="Seconds each step bakes while the alarms watch it."
    )
    termination_wait_seconds: int = Field(
        default=600,
        ge=0,
        le=3600,
        description="Seconds the old fleet is kept after the shift, so a late alarm can still roll back.",
    )
    maximum_execution_timeout_seconds: int | None = Field(
        default=None, ge=600, le=14400, description="Time limit of the whole deployment (600-14400 s)."
    )

    @property
    def blue_green(self) -> bool:
        return self.strategy != "all-at-once"


class KServeSpec(SpecModel):
    """A KServe InferenceService on a Kubernetes cluster."""

    target: KubernetesTargetSpec = Field(
        description="The cluster: an EKS cluster of this stack, or a kubeconfig."
    )
    namespace: str = Field(
        description="Namespace the InferenceService runs in (it must exist, e.g. a team namespace)."
    )
    model_format: str = Field(
        description="KServe model format the serving runtime is chosen by: sklearn, xgboost, pytorch, "
        "tensorflow, huggingface, onnx, triton, ..."
    )
    runtime_version: str | None = Field(default=None, description="Version of the serving runtime image.")
    gpus: int = Field(default=0, ge=0, le=16, description="NVIDIA GPUs per replica (requests = limits).")
    cpu: str = Field(default="1", description="CPU per replica, a Kubernetes quantity ('2', '500m').")
    memory: str = Field(default="4Gi", description="Memory per replica, a Kubernetes quantity ('16Gi').")
    min_replicas: int = Field(
        default=1, ge=1, le=100, description="Fewest replicas (raw deployments do not scale to zero)."
    )
    max_replicas: int = Field(default=1, ge=1, le=100, description="Most replicas.")
    service_account: str | None = Field(
        default=None, description="Service account with read access to the model's S3 location (IRSA)."
    )

    @model_validator(mode="after")
    def _replicas_and_quantities(self) -> KServeSpec:
        issues = SpecIssues()
        if self.min_replicas > self.max_replicas:
            issues.add(
                "min_replicas",
                f"min_replicas ({self.min_replicas}) is greater than max_replicas ({self.max_replicas})",
            )
        for field in ("cpu", "memory"):
            value = getattr(self, field)
            if not QUANTITY.match(value):
                issues.add(field, f"'{value}' is not a Kubernetes quantity", value)
        if not re.match(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", self.namespace):
            issues.add("namespace", f"'{self.namespace}' is not a Kubernetes namespace name", self.namespace)
        issues.raise_if_any("KServeSpec")
        return self


class SampleRequestSpec(SpecModel):
    """A request the model answers, which `stackyard verify` sends to the endpoint after a deploy."""

    body: str = Field(min_length=1, description="The request body, e.g. one CSV row of features.")
    content_type: str = Field(
        default="text/csv", min_length=1, description="Its content type, e.g. text/csv or application/json."
    )


class EndpointSpec(SpecModel):
    """One model endpoint."""

    name: str = Field(
        description="Endpoint name, 2-32 lowercase letters, digits and hyphens; the SageMaker endpoint "
        "is '<project>-<environment>-<name>'."
    )
    backend: Literal["sagemaker", "kserve"] = Field(
        default="sagemaker", description="'sagemaker' (real-time endpoint) or 'kserve' (InferenceService)."
    )
    model: ModelSourceSpec = Field(description="The model to serve.")
    container: ContainerSpec | None = Field(
        default=None,
        description="Inference image (sagemaker). Required with an S3 model; with a model package the "
        "package carries its image and this only scopes the role's image pull rights.",
    )
    instance_type: str | None = Field(
        default=None, description="SageMaker instance type, e.g. ml.m5.xlarge (not with serverless)."
    )
    initial_instance_count: int | None = Field(
        default=None,
        ge=1,
        description="Instances at creation; defaults to autoscaling.min_instances, else the environment's "
        "minimum (2 in prod).",
    )
    autoscaling: AutoscalingSpec | None = Field(default=None, description="Autoscaling of the instances.")
    serverless: ServerlessSpec | None = Field(
        default=None, description="Serverless endpoint instead of instances."
    )
    data_capture: DataCaptureSpec = Field(
        default_factory=DataCaptureSpec, description="Request and response capture (sagemaker)."
    )
    network_isolation: bool = Field(
        default=True, description="Run the container without network access (on by default)."
    )
    environment: dict[str, str] = Field(
        default_factory=dict, description="Environment variables of the inference container."
    )
    rollout: RolloutSpec = Field(default_factory=RolloutSpec, description="How changes reach traffic.")
    kserve: KServeSpec | None = Field(default=None, description="KServe settings (backend 'kserve').")
    sample_request: SampleRequestSpec | None = Field(
        default=None,
        description="A request `stackyard verify endpoint` sends after a deploy (sagemaker); without one, "
        "verification needs --payload.",
    )

    @model_validator(mode="after")
    def _backend_fields(self) -> EndpointSpec:
        issues = SpecIssues()
        if not ENDPOINT_NAME.match(self.name):
            issues.add(
                "name",
                f"'{self.name}' must be 2-32 lowercase letters, digits and hyphens, starting with a letter",
                self.name,
            )
        for key in self.environment:
            if not ENV_NAME.match(key):
                issues.add(("environment", key), f"'{key}' is not an environment variable name", key)
        if self.backend == "sagemaker":
            self._check_sagemaker(issues)
        else:
            self._check_kserve(issues)
        issues.raise_if_any("EndpointSpec")
        return self

    def _check_sagemaker(self, issues: SpecIssues) -> None:
        if self.kserve is not None:
            issues.add("kserve", "kserve settings are only used with backend 'kserve'")
        if self.container is not None:
            issues.extend(("container",), self.container.framework_issues())
        elif self.model.s3_uri:
            issues.add(
                "container", "an S3 model artifact needs a container (framework and version, or image)"
            )
        if self.serverless is not None:
            if self.autoscaling is not None:
                issues.add(
                    "autoscaling",
                    "a serverless endpoint scales by itself: remove autoscaling or serverless",
                )
            if self.instance_type is not None:
                issues.add("instance_type", "a serverless endpoint has no instance type: remove one of them")
            if self.initial_instance_count is not None:
                issues.add("initial_instance_count", "a serverless endpoint has no instances")
            if self.rollout.blue_green:
                issues.add(
                    ("rollout", "strategy"),
                    "canary and linear rollouts need instances; serverless endpoints deploy all at once",
                )
            # AWS's serverless feature exclusions: no VPC, network isolation or data capture. The
            # secure defaults are turned off in the spec, not silently, so the trade-off is reviewed.
            if self.network_isolation:
                issues.add(
                    "network_isolation",
                    "serverless endpoints run outside the VPC and without network isolation: "
                    "set network_isolation: false, or use an instance type",
                )
            if self.data_capture.enabled:
                issues.add(
                    ("data_capture", "enabled"),
                    "serverless endpoints cannot capture data: set data_capture.enabled: false, "
                    "or use an instance type",
                )
        elif self.instance_type is None:
            issues.add("instance_type", "give an instance type (e.g. ml.m5.xlarge) or serverless")
        elif self.instance_type not in aws.sagemaker_instance_types():
            hint = aws.closest(self.instance_type, set(aws.sagemaker_instance_types()))
            issues.add(
                "instance_type",
                f"'{self.instance_type}' is not a SageMaker endpoint instance type"
                + (f"; did you mean {', '.join(hint)}?" if hint else ""),
                self.instance_type,
            )
        if self.autoscaling and self.initial_instance_count is not None:
            low, high = self.autoscaling.min_instances, self.autoscaling.max_instances
            if not low <= self.initial_instance_count <= high:
                issues.add(
                    "initial_instance_count",
                    f"initial_instance_count ({self.initial_instance_count}) is outside the autoscaling "
                    f"range {low}-{high}",
                )

    def _check_kserve(self, issues: SpecIssues) -> None:
        if self.kserve is None:
            issues.add("kserve", "backend 'kserve' needs kserve settings (target, namespace, model_format)")
        if not self.model.s3_uri:
            issues.add(("model", "s3_uri"), "KServe serves a model from storage: give s3_uri")
        for field in ("container", "instance_type", "initial_instance_count", "autoscaling", "serverless"):
            if getattr(self, field) is not None:
                issues.add(field, f"{field} is only used with backend 'sagemaker' (see kserve)")
        if self.rollout.blue_green:
            issues.add(("rollout", "strategy"), "canary and linear rollouts are for SageMaker endpoints")

    def instance_count(self, floor: int) -> int:
        """Instances at creation: as given, else the autoscaling minimum, else the environment's floor."""
        if self.initial_instance_count is not None:
            return self.initial_instance_count
        if self.autoscaling is not None:
            return self.autoscaling.min_instances
        return floor


class ServingSpec(SectionSpec):
    """Model serving endpoints (SageMaker real-time or KServe)."""

    endpoints: list[EndpointSpec] = Field(default_factory=list, description="The endpoints.")
    data_capture_retention_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="Days captured requests and responses are kept (they may hold personal data).",
    )

    @model_validator(mode="after")
    def _unique_names(self) -> ServingSpec:
        issues = SpecIssues()
        names = [endpoint.name for endpoint in self.endpoints]
        for name in duplicates(names):
            second = names.index(name, names.index(name) + 1)
            issues.add(("endpoints", second, "name"), f"endpoint name '{name}' is used more than once", name)
        issues.raise_if_any("ServingSpec")
        return self

    @property
    def sagemaker_endpoints(self) -> list[EndpointSpec]:
        return [endpoint for endpoint in self.endpoints if endpoint.backend == "sagemaker"]

    def required_services(self) -> set[str]:
        services: set[str] = set()
        if self.sagemaker_endpoints:
            services |= {"sagemaker", "sagemaker-runtime"}
            if any(endpoint.autoscaling for endpoint in self.sagemaker_endpoints):
                services.add("application-autoscaling")
        return services

    def stack_issues(self, stack: Any) -> Iterable[tuple[Loc, str]]:
        issues: list[tuple[Loc, str]] = []
        floor = stack.presets.min_serving_instances
        environment = stack.environment.value
        models = registry_model_names(stack)
        for index, endpoint in enumerate(self.endpoints):
            at: Loc = ("endpoints", index)
            group = endpoint.model.package_group
            if group and group not in models:
                issues.append(
                    (
                        (*at, "model", "package_group"),
                        f"no model named '{group}' in registry.models "
                        f"(models: {', '.join(sorted(models)) or 'none'})",
                    )
                )
            if endpoint.kserve is not None:
                issues += [
                    ((*at, "kserve", "target", *loc), m)
                    for loc, m in endpoint.kserve.target.stack_issues(stack)
                ]
            if endpoint.backend != "sagemaker":
                continue
            if endpoint.rollout.blue_green and not endpoint_is_monitored(stack, endpoint.name):
                issues.append(
                    (
                        (*at, "rollout", "strategy"),
                        f"a {endpoint.rollout.strategy} rollout rolls back on the endpoint's alarms, which "
                        "monitoring creates: add a monitoring section that watches this endpoint or use "
                        "strategy 'all-at-once'",
                    )
                )
            if endpoint.serverless is None:
                issues += _floor_issues(endpoint, at, floor, environment)
            if endpoint.container is not None and endpoint.container.framework:
                try:
                    endpoint.container.image_uri(stack.region, endpoint.instance_type)
                except ValueError as error:
                    issues.append(
                        (
                            (*at, "container"),
                            f"no {endpoint.container.framework} {endpoint.container.version} inference image "
                            f"for {endpoint.instance_type or 'serverless'} in {stack.region}: {error}",
                        )
                    )
        return issues


def _floor_issues(endpoint: EndpointSpec, at: Loc, floor: int, environment: str) -> list[tuple[Loc, str]]:
    """The environment's minimum instance count (2 in prod: one instance per availability zone, so
    an instance or zone failure does not take the endpoint down). There is no opt-out."""
    issues: list[tuple[Loc, str]] = []
    reason = f"{environment} endpoints run at least {floor} instances"
    if endpoint.autoscaling is not None and endpoint.autoscaling.min_instances < floor:
        issues.append(
            ((*at, "autoscaling", "min_instances"), f"{reason} (got {endpoint.autoscaling.min_instances})")
        )
    if endpoint.initial_instance_count is not None and endpoint.initial_instance_count < floor:
        issues.append(((*at, "initial_instance_count"), f"{reason} (got {endpoint.initial_instance_count})"))
    return issues


def registry_model_names(stack: Any) -> set[str]:
    """Names of the models of the stack's registry section (read duck-typed: the registry spec is
    another capability's; `models` may be a list of named models or a mapping keyed by name)."""
    models = getattr(getattr(stack, "registry", None), "models", None) or []
    if isinstance(models, dict):
        return set(models)
    return {getattr(model, "name", model) for model in models}
