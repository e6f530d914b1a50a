"""Spec of the `feature_store` section: feature groups of SageMaker Feature Store.

SageMaker's own rules (name patterns and lengths, feature types, collection types, storage
types, table formats, TTL units, the feature limit) are read from botocore's SageMaker model,
so they follow the installed botocore. What the model does not carry is written down here with
its source: the reserved feature names and the types an event time may have (the
CreateFeatureGroup documentation in botocore's model), the types a record identifier may have
(the Feature Store developer guide), and that only the InMemory online store holds collection
types, with at most one vector per group (the Feature Store guide, "Collection types").

Type names are matched case-insensitively and stored as SageMaker spells them; the JSON Schema
lists SageMaker's spelling, so editors complete that one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pydantic import Field, field_validator, model_validator

from stackyard.spec import aws
from stackyard.spec.base import Loc, SectionSpec, SpecIssues, SpecModel
from stackyard.spec.common import DataClassification

RESERVED_FEATURE_NAMES = frozenset({"is_deleted", "write_time", "api_invocation_time"})
"""Columns Feature Store adds to every offline store table (CreateFeatureGroup, FeatureDefinitions)."""

RECORD_IDENTIFIER_TYPES = ("Integral", "String")
EVENT_TIME_TYPES = ("Fractional", "String")
"""A Fractional event time is a Unix timestamp in seconds; a String one is ISO-8601."""

COLLECTION_STORAGE_TYPE = "InMemory"
VECTOR_COLLECTION = "Vector"
VECTOR_FEATURE_TYPE = "Fractional"

CLASSIFICATION_ORDER = tuple(DataClassification)
"""Least to most sensitive, as declared."""


def _allowed(shape: str) -> tuple[str, ...]:
    return aws.sagemaker_shape(shape).enum


def _canonical(value: str, shape: str, what: str, exclude: Sequence[str] = ()) -> str:
    """`value` spelled as SageMaker spells it (case-insensitive match against botocore's enum)."""
    allowed = [option for option in _allowed(shape) if option not in exclude]
    for option in allowed:
        if option.lower() == value.lower():
            return option
    raise ValueError(f"'{value}' is not a valid {what}; use one of {', '.join(allowed)}")


def _enum_schema(shape: str, exclude: Sequence[str] = ()) -> Any:
    """JSON Schema `enum` from botocore, computed when the schema is written (editor completion)."""

    def extra(schema: dict[str, Any]) -> None:
        schema["enum"] = [option for option in _allowed(shape) if option not in exclude]

    return extra


def _clashes(names: Sequence[str], key: Callable[[str], str]) -> list[tuple[int, str]]:
    """(index, earlier name) for every name whose key an earlier name already has."""
    seen: dict[str, str] = {}
    clashes: list[tuple[int, str]] = []
    for index, name in enumerate(names):
        if key(name) in seen:
            clashes.append((index, seen[key(name)]))
        else:
            seen[key(name)] = name
    return clashes


def _name_issue(value: str, shape: str, what: str) -> str | None:
    facts = aws.sagemaker_shape(shape)
    if facts.max is not None and len(value) > facts.max:
        return f"{what} '{value}' is longer than {facts.max} characters"
    if not facts.matches(value):
        return (
            f"{what} '{value}' must start and end with a letter or digit and contain only letters, "
            "digits, '-' and '_'"
        )
    return None


TABLE_FORMAT_ALIASES = ("Default",)
"""botocore's `Default` is Glue under another name; a spec names the format it means."""


class FeatureSpec(SpecModel):
    """One feature (column) of a feature group."""

    name: str = Field(description="Feature name: letters, digits, '-' and '_', up to 64 characters.")
    type: str = Field(
        description="SageMaker feature type: Integral, Fractional or String (case-insensitive).",
        json_schema_extra=_enum_schema("FeatureType"),
    )
    collection: str | None = Field(
        default=None,
        description="Collection type (List, Set or Vector) for a feature holding several values of its "
        "type; only InMemory online stores hold collections.",
        json_schema_extra=_enum_schema("CollectionType"),
    )
    dimension: int | None = Field(
        default=None, description="Number of elements of a Vector feature (1-8192)."
    )

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        issue = _name_issue(value, "FeatureName", "feature name")
        if issue:
            raise ValueError(issue)
        if value.lower() in RESERVED_FEATURE_NAMES:
            raise ValueError(
                f"'{value}' is reserved by Feature Store ({', '.join(sorted(RESERVED_FEATURE_NAMES))})"
            )
        return value

    @field_validator("type")
    @classmethod
    def _valid_type(cls, value: str) -> str:
        return _canonical(value, "FeatureType", "feature type")

    @field_validator("collection")
    @classmethod
    def _valid_collection(cls, value: str | None) -> str | None:
        return None if value is None else _canonical(value, "CollectionType", "collection type")

    @model_validator(mode="after")
    def _vector_dimension(self) -> FeatureSpec:
        issues = SpecIssues()
        if self.collection == VECTOR_COLLECTION:
            bounds = aws.sagemaker_shape("Dimension")
            if self.type != VECTOR_FEATURE_TYPE:
                issues.add("type", f"a Vector holds {VECTOR_FEATURE_TYPE} elements, not {self.type}")
            if self.dimension is None:
                issues.add("dimension", "a Vector feature needs its dimension")
            elif not (bounds.min or 1) <= self.dimension <= (bounds.max or self.dimension):
                issues.add(
                    "dimension",
                    f"the dimension must be between {bounds.min} and {bounds.max}",
                    self.dimension,
                )
        elif self.dimension is not None:
            issues.add("dimension", "only a Vector feature has a dimension", self.dimension)
        issues.raise_if_any("FeatureSpec")
        return self


class TtlSpec(SpecModel):
    """How long a record stays in the online store after its event time, then is hard-deleted."""

    value: int = Field(ge=1, description="Number of units.")
    unit: str = Field(
        default="Days",
        description="Seconds, Minutes, Hours, Days or Weeks.",
        json_schema_extra=_enum_schema("TtlDurationUnit"),
    )

    @field_validator("unit")
    @classmethod
    def _valid_unit(cls, value: str) -> str:
        return _canonical(value, "TtlDurationUnit", "TTL unit")


class OnlineStoreSpec(SpecModel):
    """The low-latency store for serving; encrypted with the stack's KMS key."""

    enabled: bool = Field(default=True, description="Create the online store.")
    storage_type: str = Field(
        default="Standard",
        description="Online storage tier, e.g. Standard or InMemory (InMemory holds collection types).",
        json_schema_extra=_enum_schema("StorageType"),
    )
    ttl: TtlSpec | None = Field(
        default=None, description="Time to live of records in the online store; none keeps them."
    )

    @field_validator("storage_type")
    @classmethod
    def _valid_storage_type(cls, value: str) -> str:
        return _canonical(value, "StorageType", "online storage type")


class OfflineStoreSpec(SpecModel):
    """The historical store: the group's records in the stack's offline-store bucket, catalogued in Glue."""

    enabled: bool = Field(default=True, description="Create the offline store.")
    table_format: str = Field(
        default="Glue",
        description="Table format of the offline store: Glue or Iceberg.",
        json_schema_extra=_enum_schema("TableFormat", exclude=TABLE_FORMAT_ALIASES),
    )
    retention_days: int = Field(
        default=365,
        ge=1,
        description="Days offline records are kept before S3 expires them (GDPR storage limitation).",
    )

    @field_validator("table_format")
    @classmethod
    def _valid_table_format(cls, value: str) -> str:
        return _canonical(value, "TableFormat", "table format", exclude=TABLE_FORMAT_ALIASES)


class FeatureGroupSpec(SpecModel):
    """A feature group: its schema, its online store and its offline store."""

    name: str = Field(
        description="Group name: letters, digits, '-' and '_'. The SageMaker name is '<project>-<env>-<name>', "
        "at most 64 characters."
    )
    description: str | None = Field(default=None, description="What the group holds (up to 128 characters).")
    record_identifier: str = Field(description="The feature that identifies a record (Integral or String).")
    event_time: str = Field(
        description="The feature holding a record's event time: Fractional (Unix seconds) or String (ISO-8601)."
    )
    features: list[FeatureSpec] = Field(
        min_length=1, description="The group's features, record identifier and event time included."
    )
    online_store: OnlineStoreSpec = Field(
        default_factory=OnlineStoreSpec, description="Online store settings."
    )
    offline_store: OfflineStoreSpec = Field(
        default_factory=OfflineStoreSpec, description="Offline store settings."
    )
    data_classification: DataClassification | None = Field(
        default=None,
        description="Classification of this group's data, tagged on the group instead of the stack's; "
        "at most the stack's (tags.data_classification is the highest the stack holds).",
    )

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        issue = _name_issue(value, "FeatureGroupName", "feature group name")
        if issue:
            raise ValueError(issue)
        return value

    @field_validator("description")
    @classmethod
    def _valid_description(cls, value: str | None) -> str | None:
        limit = aws.sagemaker_shape("Description").max
        if value is not None and limit is not None and len(value) > limit:
            raise ValueError(f"the description is longer than {limit} characters")
        return value

    @model_validator(mode="after")
    def _schema_rules(self) -> FeatureGroupSpec:
        issues = SpecIssues()
        by_name = {feature.name: feature for feature in self.features}
        self._check_key_feature(
            issues, "record_identifier", self.record_identifier, RECORD_IDENTIFIER_TYPES, by_name
        )
        self._check_key_feature(issues, "event_time", self.event_time, EVENT_TIME_TYPES, by_name)
        if self.record_identifier == self.event_time:
            issues.add("event_time", "the event time must be a different feature from the record identifier")

        limit = aws.sagemaker_shape("FeatureDefinitions").max
        if limit is not None and len(self.features) > limit:
            issues.add(
                "features", f"{len(self.features)} features; SageMaker allows at most {limit} per group"
            )
        for index, earlier in _clashes([feature.name for feature in self.features], str.lower):
            issues.add(
                ("features", index, "name"),
                f"feature '{self.features[index].name}' is already defined as '{earlier}' (names are "
                "compared case-insensitively: they become Glue column names)",
            )

        in_memory = self.online_store.enabled and self.online_store.storage_type == COLLECTION_STORAGE_TYPE
        vectors = 0
        for index, feature in enumerate(self.features):
            if feature.collection is None:
                continue
            if not in_memory:
                issues.add(
                    ("features", index, "collection"),
                    f"collection types need an enabled online store with storage_type {COLLECTION_STORAGE_TYPE}",
                )
            if feature.collection == VECTOR_COLLECTION:
                vectors += 1
                if vectors == 2:
                    issues.add(
                        ("features", index, "collection"), "a feature group holds at most one Vector feature"
                    )

        if self.online_store.ttl is not None and not self.online_store.enabled:
            issues.add(("online_store", "ttl"), "a TTL needs an enabled online store")
        if not (self.online_store.enabled or self.offline_store.enabled):
            issues.add((), "enable the online store, the offline store or both")
        issues.raise_if_any("FeatureGroupSpec")
        return self

    @staticmethod
    def _check_key_feature(
        issues: SpecIssues, field: str, name: str, types: Sequence[str], by_name: dict[str, FeatureSpec]
    ) -> None:
        feature = by_name.get(name)
        if feature is None:
            issues.add(field, f"'{name}' is not one of the group's features ({', '.join(by_name)})", name)
        elif feature.type not in types or feature.collection is not None:
            kind = f"{feature.collection} of {feature.type}" if feature.collection else feature.type
            issues.add(field, f"'{name}' is {kind}; it must be {' or '.join(types)}", name)


def physical_group_name(name_prefix: str, group: str) -> str:
    """The SageMaker feature group name, `<project>-<env>-<group>`."""
    return f"{name_prefix}-{group}"


def glue_table_name(physical_name: str) -> str:
    """Glue (and Athena) table names are lowercase, with '_' for '-'."""
    return physical_name.lower().replace("-", "_")


def glue_database_name(name_prefix: str) -> str:
    return glue_table_name(f"{name_prefix}-feature-store")


def offline_store_prefix(group: str) -> str:
    """Key prefix of a group's offline store in the shared bucket: its own lifecycle rule keys on it."""
    return f"{group}/"


def group_name_issues(name_prefix: str, groups: Iterable[FeatureGroupSpec]) -> list[tuple[Loc, str]]:
    """Problems with the SageMaker names the groups get inside a stack (they carry its prefix)."""
    limit = aws.sagemaker_shape("FeatureGroupName").max
    problems: list[tuple[Loc, str]] = []
    for index, group in enumerate(groups):
        physical = physical_group_name(name_prefix, group.name)
        if limit is not None and len(physical) > limit:
            problems.append(
                (
                    ("groups", index, "name"),
                    f"the SageMaker name '{physical}' is {len(physical)} characters; at most {limit} "
                    f"(shorten the group name to {limit - len(name_prefix) - 1} characters)",
                )
            )
    return problems


def classification_issues(
    stack_classification: DataClassification, groups: Iterable[FeatureGroupSpec]
) -> list[tuple[Loc, str]]:
    """A group may be classified lower than the stack, never higher: the stack's tag is its maximum,
    and the shared offline-store bucket is tagged with it."""
    ceiling = CLASSIFICATION_ORDER.index(stack_classification)
    problems: list[tuple[Loc, str]] = []
    for index, group in enumerate(groups):
        level = group.data_classification
        if level is not None and CLASSIFICATION_ORDER.index(level) > ceiling:
            problems.append(
                (
                    ("groups", index, "data_classification"),
                    f"'{level.value}' is above the stack's '{stack_classification.value}' "
                    "(tags.data_classification is the highest classification the stack holds)",
                )
            )
    return problems


class FeatureStoreSpec(SectionSpec):
    """Feature groups of SageMaker Feature Store, with a shared, hardened offline-store bucket."""

    groups: list[FeatureGroupSpec] = Field(min_length=1, description="The feature groups.")

    @model_validator(mode="after")
    def _unique_names(self) -> FeatureStoreSpec:
        issues = SpecIssues()
        for index, earlier in _clashes([group.name for group in self.groups], glue_table_name):
            issues.add(
                ("groups", index, "name"),
                f"feature group '{self.groups[index].name}' clashes with '{earlier}' (names are compared "
                "ignoring case and '-' versus '_': their Glue table names would be equal)",
            )
        issues.raise_if_any("FeatureStoreSpec")
        return self

    @property
    def has_offline_store(self) -> bool:
        return any(group.offline_store.enabled for group in self.groups)

    def required_services(self) -> set[str]:
        # Feature Store is part of the SageMaker service: botocore's endpoint data has no entry
        # for its runtime (sagemaker-featurestore-runtime), so the 'sagemaker' regions stand for it.
        services = {"sagemaker"}
        if self.has_offline_store:
            services.add("glue")
        return services

    def stack_issues(self, stack: Any) -> Iterable[tuple[Loc, str]]:
        yield from group_name_issues(stack.name_prefix, self.groups)
        yield from classification_issues(stack.tags.data_classification, self.groups)
