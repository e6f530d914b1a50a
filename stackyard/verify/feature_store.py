"""Proving that a SageMaker feature group works: it is Created, and a synthetic record built from
its feature definitions is put into the online store, read back unchanged, and deleted.

The record goes to the online store only (`TargetStores=["OnlineStore"]`), so nothing synthetic
reaches the offline store's S3 data or its Glue table; it is hard-deleted also after a failed
read. A group without an online store has nothing to read back: that is reported, not failed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from stackyard.aws_clients import AwsAccess
from stackyard.verify.endpoint import OnPass, aws_step, require_status
from stackyard.verify.tracking import VerificationFailed

ONLINE = ["OnlineStore"]


def synthetic_record(
    definitions: list[dict[str, Any]], identifier: str, event_time: str, now: dt.datetime
) -> tuple[str, list[dict[str, Any]]]:
    """(record identifier value, record) with one value per feature, of the feature's type; the
    event time is `now`, as an ISO 8601 string or as seconds since the epoch (Fractional)."""
    record_id = f"stackyard-verify-{uuid.uuid4().hex[:12]}"
    record = []
    for definition in definitions:
        name, kind = str(definition["FeatureName"]), str(definition.get("FeatureType", "String"))
        if name == identifier:
            value = record_id if kind == "String" else str(uuid.uuid4().int % 10**9)
            record_id = value
        elif name == event_time:
            value = now.strftime("%Y-%m-%dT%H:%M:%SZ") if kind == "String" else f"{now.timestamp():.3f}"
        else:
            value = {"Integral": "7", "Fractional": "0.625"}.get(kind, "stackyard-verify")
        if definition.get("CollectionType"):
            record.append({"FeatureName": name, "ValueAsStringList": [value]})
        else:
            record.append({"FeatureName": name, "ValueAsString": value})
    return record_id, record


def verify_feature_group(access: AwsAccess, name: str, on_pass: OnPass) -> None:
    sagemaker = access.client("sagemaker")
    step = "feature group is created"
    with aws_step(step):
        group = sagemaker.describe_feature_group(FeatureGroupName=name)
    require_status(step, name, group, "FeatureGroupStatus", "Created")
    on_pass(step, f"'{name}' is Created ({len(group.get('FeatureDefinitions') or [])} features)")
    online = group.get("OnlineStoreConfig") or {}
    if not online.get("EnableOnlineStore"):
        on_pass("online store round trip", "the group has no online store: nothing to read back")
        return

    now = dt.datetime.now(dt.UTC)
    record_id, record = synthetic_record(
        group["FeatureDefinitions"], group["RecordIdentifierFeatureName"], group["EventTimeFeatureName"], now
    )
    runtime = access.client("sagemaker-featurestore-runtime")
    step = "put a synthetic record"
    with aws_step(step):
        runtime.put_record(FeatureGroupName=name, Record=record, TargetStores=ONLINE)
    on_pass(step, f"record '{record_id}' with {len(record)} features")
    try:
        step = "read it back from the online store"
        with aws_step(step):
            found = runtime.get_record(FeatureGroupName=name, RecordIdentifierValueAsString=record_id)
        if _values(found.get("Record") or []) != _values(record):
            raise VerificationFailed(step, f"read {found.get('Record')!r}, wrote {record!r}")
        on_pass(step, "every feature reads back unchanged")
    finally:
        step = "delete it"
        with aws_step(step):
            runtime.delete_record(
                FeatureGroupName=name,
                RecordIdentifierValueAsString=record_id,
                EventTime=(now + dt.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
                if _event_time_is_string(group)
                else f"{now.timestamp() + 1:.3f}",
                TargetStores=ONLINE,
                DeletionMode="HardDelete",
            )
    on_pass(step, f"record '{record_id}' hard-deleted from the online store")


def _values(record: list[dict[str, Any]]) -> dict[str, Any]:
    return {str(f["FeatureName"]): f.get("ValueAsString", f.get("ValueAsStringList")) for f in record}


def _event_time_is_string(group: dict[str, Any]) -> bool:
    event_time = group["EventTimeFeatureName"]
    kinds = {d["FeatureName"]: d.get("FeatureType") for d in group.get("FeatureDefinitions") or ()}
    return bool(kinds.get(event_time, "String") == "String")
