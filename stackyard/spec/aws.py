"""Facts about AWS, read offline from data that ships with botocore.

Nothing here is hard-coded that botocore already knows: region lists come from its endpoint data,
instance types from its service models. Every lookup is cached, because loading the data is the
expensive part and validation asks the same questions many times; and each answer is kept on disk
for the installed botocore version (`stackyard.sdk_answer_cache`): importing botocore and reading
its endpoint data costs about half a second, more than validating a 2,000-resource spec, so a later
validation or plan asks the kept answers and imports botocore only for a question it has not seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from stackyard.sdk_answer_cache import Answers

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_KMS_KEY_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):kms:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):key/[A-Za-z0-9-]+$"
)


@cache
def _session() -> Any:
    import botocore.session

    return botocore.session.get_session()


_ANSWERS = Answers("botocore")
"""botocore's answers kept on disk, per installed version."""


def _regions_offering(service: str) -> list[str]:
    session = _session()
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions(service, partition_name=partition))
    return sorted(regions)


@cache
def known_regions() -> frozenset[str]:
    """Every region of every partition botocore's endpoint data knows."""
    return frozenset(_ANSWERS.get("known_regions", lambda: _regions_offering("ec2")))


@cache
def service_regions(service: str) -> frozenset[str]:
    """The regions in which botocore's endpoint data says `service` is offered."""
    return frozenset(_ANSWERS.get(f"service_regions {service}", lambda: _regions_offering(service)))


@cache
def partition_of(region: str) -> str:
    """The AWS partition of a region, from botocore's endpoint data (aws, aws-cn, aws-us-gov, ...)."""
    return str(
        _ANSWERS.get(f"partition_of {region}", lambda: str(_session().get_partition_for_region(region)))
    )


def service_offered(service: str, region: str) -> bool:
    return region in service_regions(service)


@cache
def ecr_hostname(region: str) -> str:
    """The ECR registry host of a region (`ecr.<region>.amazonaws.com`, `.com.cn` in China), as
    botocore's endpoint data gives it; the sagemaker SDK builds its image URIs the same way."""

    def compute() -> str:
        from botocore.regions import EndpointResolver

        endpoints = _session().get_component("data_loader").load_data("endpoints")
        endpoint = EndpointResolver(endpoints).construct_endpoint("ecr", region)
        return str(endpoint["hostname"]) if endpoint else f"ecr.{region}.amazonaws.com"

    return str(_ANSWERS.get(f"ecr_hostname {region}", compute))


@dataclass(frozen=True)
class ShapeConstraints:
    """What a botocore service model says about one shape: its enum values, its bounds
    (string length, list length or integer range, as the shape's type means them) and its pattern."""

    enum: tuple[str, ...]
    min: int | None
    max: int | None
    pattern: str | None

    def matches(self, value: str) -> bool:
        """Whether `value` matches the whole pattern (botocore patterns carry no anchors)."""
        return self.pattern is None or re.fullmatch(self.pattern, value) is not None


@cache
def shape_constraints(service: str, shape: str) -> ShapeConstraints:

    def compute() -> dict[str, Any]:
        found = _session().get_service_model(service).shape_for(shape)
        metadata = found.metadata
        return {
            "enum": list(getattr(found, "enum", None) or ()),
            "min": metadata.get("min"),
            "max": metadata.get("max"),
            "pattern": metadata.get("pattern"),
        }

    kept = _ANSWERS.get(f"shape {service} {shape}", compute)
    return ShapeConstraints(
        enum=tuple(kept["enum"]), min=kept["min"], max=kept["max"], pattern=kept["pattern"]
    )


def sagemaker_shape(shape: str) -> ShapeConstraints:
    """Constraints of a shape of botocore's SageMaker model, e.g. `FeatureGroupName`, `FeatureType`."""
    return shape_constraints("sagemaker", shape)


def _shape_enum(service: str, shape: str) -> tuple[str, ...]:
    return shape_constraints(service, shape).enum


@cache
def ec2_instance_types() -> frozenset[str]:
    """All EC2 instance types in botocore's EC2 model (the `InstanceType` enum)."""
    return frozenset(_shape_enum("ec2", "InstanceType"))


@cache
def sagemaker_instance_types(shape: str = "ProductionVariantInstanceType") -> frozenset[str]:
    """SageMaker instance types from botocore's SageMaker model, for the given enum shape.

    `ProductionVariantInstanceType` is what real-time endpoints accept;
    `TrainingInstanceType` and `ProcessingInstanceType` cover jobs.
    """
    return frozenset(_shape_enum("sagemaker", shape))


def is_account_id(value: str) -> bool:
    return bool(_ACCOUNT_ID.match(value))


def parse_kms_key_arn(value: str) -> dict[str, str] | None:
    """The parts of a KMS key ARN, or None when `value` is not one (aliases are not keys)."""
    match = _KMS_KEY_ARN.match(value)
    return match.groupdict() if match else None


def closest(value: str, candidates: frozenset[str] | set[str], limit: int = 3) -> list[str]:
    """Suggestions for a mistyped name, for error messages."""
    import difflib

    return difflib.get_close_matches(value, sorted(candidates), n=limit, cutoff=0.6)
