"""AWS provider functions answered from the provider's own configuration.

Each follows the Terraform AWS provider data source it bridges (internal/service/meta/*): the
caller's identity, region, partition and zones come from the plan's config (`PlanFacts`), an
ARN is parsed as aws-sdk-go-v2's `arn.Parse` parses it, default tags are the provider's
`defaultTags` less `aws:` keys and `ignoreTags`, and service principals use the provider's
partition rules (names/names.go `ServicePrincipalNameForPartition`).
"""

from __future__ import annotations

from typing import Any

from stackyard.plan.functions.errors import FunctionError
from stackyard.plan.functions.facts import PlanFacts, partition_of

# internal/service/meta/billing_service_account_data_source.go @ c49358f89b43a4d9c8e533cd0610cd72cbd11eb3
BILLING_ACCOUNT_ID = "386209384616"

# names/names.go ServicePrincipalNameForPartition: the services whose principal ends in the
# partition's own DNS suffix; every other principal ends in amazonaws.com.
_PARTITION_SUFFIX_SERVICES = {
    "aws-iso": {"cloudhsm", "config", "logs", "workspaces"},
    "aws-iso-b": {"dms", "logs"},
    "aws-cn": {"codedeploy", "elasticmapreduce", "logs"},
}


def caller_identity(args: dict[str, Any], facts: PlanFacts) -> dict[str, Any]:
    return {
        "accountId": facts.account_id,
        "arn": f"arn:{facts.partition}:iam::{facts.account_id}:user/stackyard-plan",
        "userId": "AIDASTACKYARDPLAN",
        "id": facts.account_id,
    }


def region(args: dict[str, Any], facts: PlanFacts) -> dict[str, Any]:
    name = str(args.get("region") or args.get("name") or facts.region)
    return {
        "name": name,
        "region": name,
        "id": name,
        "description": name,
        "endpoint": f"ec2.{name}.{partition_of(name).dns_suffix}",
    }


def partition(args: dict[str, Any], facts: PlanFacts) -> dict[str, Any]:
    return {
        "partition": facts.partition,
        "dnsSuffix": facts.dns_suffix,
        "id": facts.partition,
        "reverseDnsPrefix": ".".join(reversed(facts.dns_suffix.split("."))),
    }


def availability_zones(args: dict[str, Any], facts: PlanFacts) -> dict[str, Any]:
    names = list(facts.availability_zones)
    return {"names": names, "zoneIds": [f"az-{index}" for index in range(len(names))], "id": facts.region}


def arn(args: dict[str, Any], facts: PlanFacts) -> dict[str, Any]:
    text = args.get("arn")
    if not isinstance(text, str):
        raise FunctionError("aws:index/getArn:getArn", f"arn must be a string, got {text!r}")
    if not text.startswith("arn:"):
        raise FunctionError("aws:index/getArn:getArn", f"parsing ARN ({text}): arn: invalid prefix")
    sections = text.split(":", 5)
    if len(sections) != 6:
        raise FunctionError("aws:index/getArn:getArn", f"parsing ARN ({text}): arn: not enough sections")
    _, partition_id, service, region_name, account, resource = sections
    return {
        "arn": text,
        "id": text,
        "partition": partition_id,
        "service": service,
        "region": region_name,
        "account": account,
        "resource": resource,
    }


def default_tags(args: dict[str, Any], facts: PlanFacts) -> dict[str, Any]:
    result: dict[str, Any] = {"id": facts.partition}
    if facts.default_tags is not None:
        keys, prefixes = facts.ignore_tag_keys, facts.ignore_tag_prefixes
        result["tags"] = {
            key: value
            for key, value in facts.default_tags
            if not key.startswith("aws:") and key not in keys and not key.startswith(prefixes)
        }
    return result


def billing_service_account(args: dict[str, Any], facts: PlanFacts) -> dict[str, Any]:
    return {"id": BILLING_ACCOUNT_ID, "arn": f"arn:{facts.partition}:iam::{BILLING_ACCOUNT_ID}:root"}


def service_principal(args: dict[str, Any], facts: PlanFacts) -> dict[str, Any]:
    service = args.get("serviceName")
    if not isinstance(service, str) or not service:
        raise FunctionError(
            "aws:index/getServicePrincipal:getServicePrincipal",
            f"serviceName must be a string, got {service!r}",
        )
    region_name = str(args.get("region") or facts.region)
    region_partition = partition_of(region_name)
    suffix = "amazonaws.com"
    if service in _PARTITION_SUFFIX_SERVICES.get(region_partition.id, set()):
        suffix = region_partition.dns_suffix
    return {
        "id": f"{service}.{region_name}.{suffix}",
        "name": f"{service}.{suffix}",
        "suffix": suffix,
        "region": region_name,
        "serviceName": service,
    }
