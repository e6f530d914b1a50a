"""Facts about AWS, read offline from data that ships with botocore.

Nothing here is hard-coded that botocore already knows: region lists come from its endpoint data,
instance types from its service models. Every lookup is cached, because loading the data is the
expensive part and validation asks the same questions many times.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_KMS_KEY_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):kms:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):key/[A-Za-z0-9-]+$"
)


@cache
def _botocore_data() -> Path:
    """botocore's data directory, found without importing botocore: its modules (session, loaders,
    regions, model alike) load urllib3 and its HTTP stack, a second of start-up that reading a
    few of its JSON files does not need."""
    spec = importlib.util.find_spec("botocore")
    assert spec is not None and spec.submodule_search_locations, "botocore is a dependency"
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@cache
def _endpoints() -> dict[str, Any]:
    """botocore's endpoint data: partitions, their regions, and where each service is offered."""
    data: dict[str, Any] = json.loads((_botocore_data() / "endpoints.json").read_text())
    return data


def _service_file(service: str) -> Path | None:
    """A service's model file (`service-2`) at its newest API version, as botocore's loader picks
    it; None for a service botocore does not know."""
    directory = _botocore_data() / service
    if not directory.is_dir():
        return None
    latest = max(path for path in directory.iterdir() if path.is_dir())  # API versions are dates
    compressed = latest / "service-2.json.gz"
    return compressed if compressed.is_file() else latest / "service-2.json"


@cache
def _service_model(service: str) -> dict[str, Any] | None:
    path = _service_file(service)
    if path is None:
        return None
    text = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    model: dict[str, Any] = json.loads(text)
    return model


_METADATA_KEY = b'"metadata":'


@cache
def _service_metadata(service: str) -> dict[str, Any] | None:
    """A service model's `metadata` (its endpoint prefix), read from the head of the file: models
    run to megabytes (EC2's 4 MB), and a stack asks for a dozen services."""
    path = _service_file(service)
    if path is None:
        return None
    raw = path.read_bytes()
    head = zlib.decompressobj(wbits=31).decompress(raw, 65536) if path.suffix == ".gz" else raw[:65536]
    # botocore's models start {"version": ..., "metadata": {...}, ...}: decode that one object.
    start = head.find(_METADATA_KEY)
    try:
        metadata, _ = json.JSONDecoder().raw_decode(head[start + len(_METADATA_KEY) :].decode().lstrip())
    except ValueError:
        metadata = None
    if start < 0 or not isinstance(metadata, dict):
        model = _service_model(service)
        return None if model is None else dict(model["metadata"])
    return metadata


def _available_regions(service: str) -> frozenset[str]:
    """What botocore's `Session.get_available_regions` gives over every partition: the regional
    endpoints of the service's endpoint prefix."""
    metadata = _service_metadata(service)
    if metadata is None:
        return frozenset()
    prefix = metadata.get("endpointPrefix", service)
    regions: set[str] = set()
    for partition in _endpoints()["partitions"]:
        endpoints = partition["services"].get(prefix, {}).get("endpoints", {})
        regions.update(name for name in endpoints if name in partition["regions"])
    return frozenset(regions)


@cache
def known_regions() -> frozenset[str]:
    """Every region of every partition botocore's endpoint data knows (where EC2 is offered)."""
    return _available_regions("ec2")


@cache
def service_regions(service: str) -> frozenset[str]:
    """The regions in which botocore's endpoint data says `service` is offered."""
    return _available_regions(service)


@cache
def partition_of(region: str) -> str:
    """The AWS partition of a region (aws, aws-cn, aws-us-gov, ...), matched as botocore's
    `get_partition_for_region` matches it: listed in a partition, or by its region pattern, in
    partition order. A region no partition matches is in `aws`."""
    for partition in _endpoints()["partitions"]:
        if region in partition["regions"] or (
            "regionRegex" in partition and re.match(partition["regionRegex"], region)
        ):
            return str(partition["partition"])
    return "aws"


def service_offered(service: str, region: str) -> bool:
    return region in service_regions(service)


@cache
def ecr_hostname(region: str) -> str:
    """The ECR registry host of a region (`ecr.<region>.amazonaws.com`, `.com.cn` in China), as
    botocore's endpoint data gives it; the sagemaker SDK builds its image URIs the same way."""
    from botocore.regions import EndpointResolver

    endpoint = EndpointResolver(_endpoints()).construct_endpoint("ecr", region)
    return str(endpoint["hostname"]) if endpoint else f"ecr.{region}.amazonaws.com"


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
    """A shape's constraints in a service's model (botocore's `Shape.metadata` and `enum` are
    these keys of the shape's definition)."""
    model = _service_model(service)
    if model is None:
        raise KeyError(f"botocore has no model of service '{service}'")
    found = model["shapes"][shape]
    return ShapeConstraints(
        enum=tuple(found.get("enum") or ()),
        min=found.get("min"),
        max=found.get("max"),
        pattern=found.get("pattern"),
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
