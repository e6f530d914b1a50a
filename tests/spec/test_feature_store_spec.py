"""The `feature_store` section: every invalid case reports its path and a clear message."""

from __future__ import annotations

from typing import Any

import pytest

from stackyard.components.feature_store.spec import FeatureStoreSpec
from stackyard.spec import aws
from stackyard.spec.loader import SpecError
from tests.specs import make_spec


def group(name: str = "customers", **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": name,
        "description": "Customer features",
        "record_identifier": "customer_id",
        "event_time": "event_time",
        "features": [
            {"name": "customer_id", "type": "String"},
            {"name": "event_time", "type": "Fractional"},
            {"name": "lifetime_value", "type": "Fractional"},
        ],
    }
    base.update(overrides)
    return base


def issues_of(feature_store: dict[str, Any], **stack: Any) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as raised:
        make_spec(feature_store=feature_store, **stack)
    return raised.value.issues


def test_defaults_turn_on_both_stores_with_a_year_of_retention() -> None:
    spec = make_spec(feature_store={"groups": [group()]})
    assert spec.feature_store is not None
    only = spec.feature_store.groups[0]
    assert only.online_store.enabled and only.online_store.storage_type == "Standard"
    assert only.online_store.ttl is None
    assert only.offline_store.enabled and only.offline_store.table_format == "Glue"
    assert only.offline_store.retention_days == 365
    assert spec.feature_store.required_services() == {"sagemaker", "glue"}


def test_spellings_are_normalised_to_sagemakers() -> None:
    spec = make_spec(
        feature_store={
            "groups": [
                group(
                    features=[
                        {"name": "customer_id", "type": "string"},
                        {"name": "event_time", "type": "FRACTIONAL"},
                        {"name": "tags", "type": "string", "collection": "set"},
                    ],
                    online_store={"storage_type": "inmemory", "ttl": {"value": 2, "unit": "weeks"}},
                    offline_store={"table_format": "iceberg"},
                )
            ]
        }
    )
    assert spec.feature_store is not None
    parsed = spec.feature_store.groups[0]
    assert [f.type for f in parsed.features] == ["String", "Fractional", "String"]
    assert parsed.features[2].collection == "Set"
    assert parsed.online_store.storage_type == "InMemory"
    assert parsed.online_store.ttl is not None and parsed.online_store.ttl.unit == "Weeks"
    assert parsed.offline_store.table_format == "Iceberg"


def test_online_only_groups_need_no_glue() -> None:
    spec = make_spec(feature_store={"groups": [group(offline_store={"enabled": False})]})
    assert spec.feature_store is not None
    assert spec.feature_store.required_services() == {"sagemaker"}


@pytest.mark.parametrize(
    ("bad_group", "expected"),
    [
        (
            group(name="bad name"),
            (
                "feature_store.groups[0].name",
                "feature group name 'bad name' must start and end with a letter or digit and contain only "
                "letters, digits, '-' and '_'",
            ),
        ),
        (
            group(name="-leading"),
            (
                "feature_store.groups[0].name",
                "feature group name '-leading' must start and end with a letter or digit and contain only "
                "letters, digits, '-' and '_'",
            ),
        ),
        (
            group(name="g" * 65),
            ("feature_store.groups[0].name", f"feature group name '{'g' * 65}' is longer than 64 characters"),
        ),
        (
            group(description="d" * 129),
            ("feature_store.groups[0].description", "the description is longer than 128 characters"),
        ),
        (
            group(record_identifier="user_id"),
            (
                "feature_store.groups[0].record_identifier",
                "'user_id' is not one of the group's features (customer_id, event_time, lifetime_value)",
            ),
        ),
        (
            group(event_time="ts"),
            (
                "feature_store.groups[0].event_time",
                "'ts' is not one of the group's features (customer_id, event_time, lifetime_value)",
            ),
        ),
        (
            group(record_identifier="lifetime_value"),
            (
                "feature_store.groups[0].record_identifier",
                "'lifetime_value' is Fractional; it must be Integral or String",
            ),
        ),
        (
            group(
                features=[
                    {"name": "customer_id", "type": "String"},
                    {"name": "event_time", "type": "Integral"},
                ]
            ),
            (
                "feature_store.groups[0].event_time",
                "'event_time' is Integral; it must be Fractional or String",
            ),
        ),
        (
            group(event_time="customer_id"),
            (
                "feature_store.groups[0].event_time",
                "the event time must be a different feature from the record identifier",
            ),
        ),
        (
            group(
                features=[
                    {"name": "customer_id", "type": "String", "collection": "List"},
                    {"name": "event_time", "type": "Fractional"},
                ],
                online_store={"storage_type": "InMemory"},
            ),
            (
                "feature_store.groups[0].record_identifier",
                "'customer_id' is List of String; it must be Integral or String",
            ),
        ),
        (
            group(online_store={"enabled": False, "ttl": {"value": 7}}),
            ("feature_store.groups[0].online_store.ttl", "a TTL needs an enabled online store"),
        ),
        (
            group(online_store={"enabled": False}, offline_store={"enabled": False}),
            ("feature_store.groups[0]", "enable the online store, the offline store or both"),
        ),
        (
            group(
                features=[
                    {"name": "customer_id", "type": "String"},
                    {"name": "event_time", "type": "Fractional"},
                    {"name": "Customer_ID", "type": "Integral"},
                ]
            ),
            (
                "feature_store.groups[0].features[2].name",
                "feature 'Customer_ID' is already defined as 'customer_id' (names are compared "
                "case-insensitively: they become Glue column names)",
            ),
        ),
        (
            group(
                features=[
                    {"name": "customer_id", "type": "String"},
                    {"name": "event_time", "type": "Fractional"},
                    {"name": "write_time", "type": "Fractional"},
                ]
            ),
            (
                "feature_store.groups[0].features[2].name",
                "'write_time' is reserved by Feature Store (api_invocation_time, is_deleted, write_time)",
            ),
        ),
        (
            group(
                features=[
                    {"name": "customer_id", "type": "String"},
                    {"name": "event_time", "type": "Fractional"},
                    {"name": "total", "type": "decimal"},
                ]
            ),
            (
                "feature_store.groups[0].features[2].type",
                "'decimal' is not a valid feature type; use one of Integral, Fractional, String",
            ),
        ),
        (
            group(
                features=[
                    {"name": "customer_id", "type": "String"},
                    {"name": "event_time", "type": "Fractional"},
                    {"name": "recent_items", "type": "String", "collection": "List"},
                ]
            ),
            (
                "feature_store.groups[0].features[2].collection",
                "collection types need an enabled online store with storage_type InMemory",
            ),
        ),
        (
            group(
                features=[
                    {"name": "customer_id", "type": "String"},
                    {"name": "event_time", "type": "Fractional"},
                    {"name": "embedding", "type": "Fractional", "collection": "Vector"},
                ],
                online_store={"storage_type": "InMemory"},
            ),
            ("feature_store.groups[0].features[2].dimension", "a Vector feature needs its dimension"),
        ),
        (
            group(
                features=[
                    {"name": "customer_id", "type": "String"},
                    {"name": "event_time", "type": "Fractional"},
                    {"name": "embedding", "type": "Fractional", "collection": "Vector", "dimension": 9000},
                ],
                online_store={"storage_type": "InMemory"},
            ),
            ("feature_store.groups[0].features[2].dimension", "the dimension must be between 1 and 8192"),
        ),
        (
            group(
                features=[
                    {"name": "customer_id", "type": "String"},
                    {"name": "event_time", "type": "Fractional"},
                    {"name": "a", "type": "Fractional", "collection": "Vector", "dimension": 4},
                    {"name": "b", "type": "Fractional", "collection": "Vector", "dimension": 4},
                ],
                online_store={"storage_type": "InMemory"},
            ),
            (
                "feature_store.groups[0].features[3].collection",
                "a feature group holds at most one Vector feature",
            ),
        ),
        (
            group(online_store={"storage_type": "Fast"}),
            (
                "feature_store.groups[0].online_store.storage_type",
                "'Fast' is not a valid online storage type; use one of "
                + ", ".join(aws.sagemaker_shape("StorageType").enum),
            ),
        ),
        (
            group(offline_store={"table_format": "Default"}),
            (
                "feature_store.groups[0].offline_store.table_format",
                "'Default' is not a valid table format; use one of Glue, Iceberg",
            ),
        ),
        (
            group(online_store={"ttl": {"value": 1, "unit": "Months"}}),
            (
                "feature_store.groups[0].online_store.ttl.unit",
                "'Months' is not a valid TTL unit; use one of Seconds, Minutes, Hours, Days, Weeks",
            ),
        ),
    ],
)
def test_invalid_group_reports_its_path(bad_group: dict[str, Any], expected: tuple[str, str]) -> None:
    assert issues_of({"groups": [bad_group]}) == [expected]


def test_group_names_must_be_unique_ignoring_case_and_separator() -> None:
    issues = issues_of({"groups": [group("customer-daily"), group("customers"), group("Customer_Daily")]})
    assert issues == [
        (
            "feature_store.groups[2].name",
            "feature group 'Customer_Daily' clashes with 'customer-daily' (names are compared ignoring case "
            "and '-' versus '_': their Glue table names would be equal)",
        )
    ]


def test_feature_count_is_limited_by_sagemakers_model() -> None:
    limit = aws.sagemaker_shape("FeatureDefinitions").max
    assert limit == 2500
    features = [{"name": "customer_id", "type": "String"}, {"name": "event_time", "type": "Fractional"}]
    features += [{"name": f"f{index}", "type": "Integral"} for index in range(limit - 1)]
    issues = issues_of({"groups": [group(features=features)]})
    assert issues == [
        (
            "feature_store.groups[0].features",
            f"{limit + 1} features; SageMaker allows at most {limit} per group",
        )
    ]


def test_the_prefixed_sagemaker_name_must_fit() -> None:
    # "demo-dev-" takes 9 of the 64 characters.
    issues = issues_of({"groups": [group("g" * 56)]})
    assert issues == [
        (
            "feature_store.groups[0].name",
            f"the SageMaker name 'demo-dev-{'g' * 56}' is 65 characters; at most 64 "
            "(shorten the group name to 55 characters)",
        )
    ]
    make_spec(feature_store={"groups": [group("g" * 55)]})


def test_a_group_is_never_classified_above_the_stack() -> None:
    issues = issues_of({"groups": [group(data_classification="restricted")]})
    assert issues == [
        (
            "feature_store.groups[0].data_classification",
            "'restricted' is above the stack's 'internal' (tags.data_classification is the highest "
            "classification the stack holds)",
        )
    ]
    make_spec(feature_store={"groups": [group(data_classification="public")]})


def test_the_region_must_offer_sagemaker() -> None:
    region = "us-iso-west-1"
    assert not aws.service_offered("sagemaker", region)
    issues = issues_of({"groups": [group()]}, region=region, allowed_regions=[region])
    assert ("feature_store", f"AWS service 'sagemaker' is not offered in {region}") in issues


def test_every_group_error_is_reported_at_once() -> None:
    first = group("first", record_identifier="nope")
    second = group("second", online_store={"enabled": False, "ttl": {"value": 1}})
    paths = [path for path, _ in issues_of({"groups": [first, second]})]
    assert paths == ["feature_store.groups[0].record_identifier", "feature_store.groups[1].online_store.ttl"]


def test_schema_lists_botocores_enums() -> None:
    schema = FeatureStoreSpec.model_json_schema()
    feature = schema["$defs"]["FeatureSpec"]["properties"]
    assert feature["type"]["enum"] == ["Integral", "Fractional", "String"]
    offline = schema["$defs"]["OfflineStoreSpec"]["properties"]
    assert offline["table_format"]["enum"] == ["Glue", "Iceberg"]
