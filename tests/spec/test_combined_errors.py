"""One `validate` run reports field errors and the cross-field errors of every part whose fields
those rules read are valid, at any depth; a rule that needs an invalid field says nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stackyard.spec.loader import SpecError, validate
from tests.specs import BASE_SPEC

OTHER_REGION_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def two_groups() -> dict[str, Any]:
    return {
        **copy.deepcopy(BASE_SPEC),
        "feature_store": {
            "groups": [
                {
                    "name": "customers",
                    "record_identifier": "customer_id",
                    "event_time": "event_time",
                    "features": [
                        {"name": "customer_id", "type": "String"},
                        {"name": "event_time", "type": "String"},
                        {"name": "tenure_days", "type": "Integral"},
                    ],
                },
                {
                    "name": "orders",
                    "record_identifier": "order_id",
                    "event_time": "event_time",
                    "features": [
                        {"name": "order_id", "type": "String"},
                        {"name": "event_time", "type": "Fractional"},
                    ],
                },
            ]
        },
    }


def issues_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        validate(data)
    return caught.value.issues


def customers(data: dict[str, Any]) -> dict[str, Any]:
    group: dict[str, Any] = data["feature_store"]["groups"][0]
    return group


def orders(data: dict[str, Any]) -> dict[str, Any]:
    group: dict[str, Any] = data["feature_store"]["groups"][1]
    return group


# Each mistake, and what validate says of it alone. None of them reads a field another one breaks.
Mistake = Callable[[dict[str, Any]], None]
MISTAKES: dict[str, tuple[Mistake, list[tuple[str, str]]]] = {
    "project": (
        lambda d: d.update(project="Demo_Project"),
        [
            (
                "project",
                "'Demo_Project' must be 3-32 characters of lowercase letters, digits and hyphens, "
                "starting with a letter",
            )
        ],
    ),
    "owner tag": (
        lambda d: d["tags"].update(owner=""),
        [("tags.owner", "String should have at least 1 character")],
    ),
    "feature type": (
        lambda d: customers(d)["features"][2].update(type="Integer"),
        [
            (
                "feature_store.groups[0].features[2].type",
                "'Integer' is not a valid feature type; use one of Integral, Fractional, String",
            )
        ],
    ),
    "retention": (
        lambda d: customers(d).update(offline_store={"retention_days": 0}),
        [
            (
                "feature_store.groups[0].offline_store.retention_days",
                "Input should be greater than or equal to 1",
            )
        ],
    ),
    "record identifier": (
        lambda d: customers(d).update(record_identifier="customer"),
        [
            (
                "feature_store.groups[0].record_identifier",
                "'customer' is not one of the group's features (customer_id, event_time, tenure_days)",
            )
        ],
    ),
    "event time": (
        lambda d: orders(d).update(event_time="order_id"),
        [
            (
                "feature_store.groups[1].event_time",
                "the event time must be a different feature from the record identifier",
            )
        ],
    ),
    "feature name clash": (
        lambda d: orders(d)["features"].append({"name": "Order_ID", "type": "String"}),
        [
            (
                "feature_store.groups[1].features[2].name",
                "feature 'Order_ID' is already defined as 'order_id' (names are compared "
                "case-insensitively: they become Glue column names)",
            )
        ],
    ),
    "ttl": (
        lambda d: orders(d).update(online_store={"enabled": False, "ttl": {"value": 7}}),
        [("feature_store.groups[1].online_store.ttl", "a TTL needs an enabled online store")],
    ),
    "residency": (
        lambda d: d.update(allowed_regions=["eu-central-1"]),
        [("allowed_regions", "the stack's region 'eu-west-1' is not in allowed_regions")],
    ),
    "key region": (
        lambda d: d.update(encryption={"mode": "existing", "kms_key_arn": OTHER_REGION_KEY}),
        [
            (
                "encryption.kms_key_arn",
                "the key is in us-east-1, the stack in eu-west-1: KMS keys cannot be used across regions",
            )
        ],
    ),
}


def with_mistakes(names: list[str]) -> dict[str, Any]:
    data = two_groups()
    for name in names:
        MISTAKES[name][0](data)
    return data


def test_the_two_groups_are_valid() -> None:
    assert validate(two_groups()).feature_store is not None


def test_ten_mistakes_are_ten_errors_in_one_run() -> None:
    # Field errors in the root, in the first group's features and offline store; beside them the
    # first group's record identifier (its group has field errors), the second group's rules and
    # the stack's rules (the stack has field errors).
    assert issues_of(with_mistakes(list(MISTAKES))) == [
        *MISTAKES["project"][1],
        *MISTAKES["owner tag"][1],
        *MISTAKES["feature type"][1],
        *MISTAKES["retention"][1],
        *MISTAKES["record identifier"][1],
        *MISTAKES["event time"][1],
        *MISTAKES["feature name clash"][1],
        *MISTAKES["ttl"][1],
        *MISTAKES["residency"][1],
        *MISTAKES["key region"][1],
    ]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(sorted(MISTAKES)), min_size=1, unique=True))
def test_independent_mistakes_are_reported_as_each_alone(names: list[str]) -> None:
    reported = issues_of(with_mistakes(names))
    assert sorted(reported) == sorted(issue for name in names for issue in MISTAKES[name][1])


def test_a_rule_that_needs_an_invalid_field_says_nothing() -> None:
    # The record identifier is a feature whose type did not validate: whether it is a valid key
    # cannot be judged, so only the type is reported (no "is not one of the group's features").
    data = two_groups()
    customers(data)["features"][0]["type"] = "Text"
    assert issues_of(data) == [
        (
            "feature_store.groups[0].features[0].type",
            "'Text' is not a valid feature type; use one of Integral, Fractional, String",
        )
    ]


def test_a_rule_stopped_by_an_invalid_field_keeps_what_it_found_before() -> None:
    # The group rule finds the unknown record identifier, then needs the event time feature's
    # type, which is invalid: the first finding is kept, the rest of the rule is not judged.
    data = two_groups()
    customers(data)["record_identifier"] = "customer"
    customers(data)["features"][1]["type"] = "Timestamp"
    assert issues_of(data) == [
        (
            "feature_store.groups[0].features[1].type",
            "'Timestamp' is not a valid feature type; use one of Integral, Fractional, String",
        ),
        *MISTAKES["record identifier"][1],
    ]
