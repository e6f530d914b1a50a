"""What the provider knows without asking AWS: region, account, partition and zones from config.

Partitions and their DNS suffixes come from botocore's endpoint rules data
(botocore/data/partitions.json), matched as the SDKs match them: a listed region first, then
each partition's region pattern, else the `aws` partition.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"


@dataclass(frozen=True)
class Partition:
    id: str
    dns_suffix: str
    regions: frozenset[str]
    region_pattern: str


@lru_cache(maxsize=1)
def partitions() -> tuple[Partition, ...]:
    data: dict[str, Any] = json.loads(
        resources.files("botocore").joinpath("data", "partitions.json").read_text(encoding="utf-8")
    )
    return tuple(
        Partition(
            id=entry["id"],
            dns_suffix=entry["outputs"]["dnsSuffix"],
            regions=frozenset(entry.get("regions", {})),
            region_pattern=entry["regionRegex"],
        )
        for entry in data["partitions"]
    )


def partition_of(region: str) -> Partition:
    known = partitions()
    for partition in known:
        if region in partition.regions:
            return partition
    for partition in known:
        if re.match(partition.region_pattern, region):
            return partition
    return next(partition for partition in known if partition.id == "aws")


@dataclass(frozen=True)
class PlanFacts:
    region: str
    account_id: str
    partition: str
    dns_suffix: str
    availability_zones: tuple[str, ...]
    # The provider's `defaultTags.tags` (None when not configured) and `ignoreTags`.
    default_tags: tuple[tuple[str, str], ...] | None = None
    ignore_tag_keys: frozenset[str] = frozenset()
    ignore_tag_prefixes: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, get: Callable[[str], str | None]) -> PlanFacts:
        """Facts from stack config: `aws:region`, `stackyard:accountId`, `stackyard:availabilityZones`,
        and the provider's `aws:defaultTags` and `aws:ignoreTags`.

        Raises ValueError naming the key when one of the JSON values has the wrong shape.
        """
        region = get("aws:region") or DEFAULT_REGION
        partition = partition_of(region)
        configured = get("stackyard:availabilityZones")
        if configured:
            try:
                zones = json.loads(configured)
            except ValueError:
                zones = None
            if not isinstance(zones, list) or not all(isinstance(zone, str) for zone in zones):
                raise ValueError(
                    f"stackyard:availabilityZones must be a JSON list of zone names, got {configured!r}"
                )
        else:
            zones = [f"{region}{suffix}" for suffix in "abc"]
        tags = _json_config(get, "aws:defaultTags", "an object with a tags map")
        ignore = _json_config(get, "aws:ignoreTags", "an object with keys and keyPrefixes lists") or {}
        default_tags = None
        if tags is not None:
            tag_map = tags.get("tags") or {}
            if not isinstance(tag_map, dict) or not all(isinstance(value, str) for value in tag_map.values()):
                raise ValueError(f"aws:defaultTags.tags must map tag keys to strings, got {tag_map!r}")
            default_tags = tuple(sorted(tag_map.items()))
        return cls(
            region=region,
            account_id=get("stackyard:accountId") or DEFAULT_ACCOUNT_ID,
            partition=partition.id,
            dns_suffix=partition.dns_suffix,
            availability_zones=tuple(zones),
            default_tags=default_tags,
            ignore_tag_keys=frozenset(_string_list(ignore, "keys")),
            ignore_tag_prefixes=tuple(_string_list(ignore, "keyPrefixes")),
        )


def _json_config(get: Callable[[str], str | None], key: str, shape: str) -> dict[str, Any] | None:
    text = get(key)
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ValueError(f"{key} must be {shape}, got {text!r}")
    return value


def _string_list(config: dict[str, Any], key: str) -> list[str]:
    values = config.get(key) or []
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise ValueError(f"aws:ignoreTags.{key} must be a list of strings, got {values!r}")
    return values
