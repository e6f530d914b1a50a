"""Provider functions (invokes) whose result needs no cloud, computed as the provider computes them.

`compute(token, args, facts)` takes the invoke's arguments in wire form (camelCase keys, as the
SDK sends them) and returns the result in wire form, or None when the token is not one computed
here (or, for a table-backed function, when the table does not know the region). Arguments the
provider would refuse raise `FunctionError`, whose message names the token and the argument.
Arguments holding an unknown value (a preview output) make every output unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stackyard.plan.functions import aws_meta, kubernetes, policy_document, regional_tables
from stackyard.plan.functions.errors import FunctionError
from stackyard.plan.functions.facts import PlanFacts
from stackyard.plan.wire import UNKNOWN, contains_unknown

Function = Callable[[dict[str, Any], PlanFacts], "dict[str, Any] | None"]

_FUNCTIONS: dict[str, Function] = {
    "aws:index/getCallerIdentity:getCallerIdentity": aws_meta.caller_identity,
    "aws:index/getRegion:getRegion": aws_meta.region,
    "aws:index/getPartition:getPartition": aws_meta.partition,
    "aws:index/getAvailabilityZones:getAvailabilityZones": aws_meta.availability_zones,
    "aws:index/getArn:getArn": aws_meta.arn,
    "aws:index/getDefaultTags:getDefaultTags": aws_meta.default_tags,
    "aws:index/getBillingServiceAccount:getBillingServiceAccount": aws_meta.billing_service_account,
    "aws:index/getServicePrincipal:getServicePrincipal": aws_meta.service_principal,
    policy_document.TOKEN: lambda args, facts: policy_document.get_policy_document(args),
    "aws:elb/getServiceAccount:getServiceAccount": lambda args, facts: regional_tables.service_account(
        regional_tables.ELB_SERVICE_ACCOUNTS, args, facts
    ),
    "aws:cloudtrail/getServiceAccount:getServiceAccount": lambda args, facts: regional_tables.service_account(
        regional_tables.CLOUDTRAIL_SERVICE_ACCOUNTS, args, facts
    ),
    "aws:elb/getHostedZoneId:getHostedZoneId": regional_tables.elb_hosted_zone_id,
    "aws:lb/getHostedZoneId:getHostedZoneId": regional_tables.lb_hosted_zone_id,
    "aws:elasticbeanstalk/getHostedZone:getHostedZone": regional_tables.elastic_beanstalk_hosted_zone,
    "aws:cloudfront/getLogDeliveryCanonicalUserId:getLogDeliveryCanonicalUserId": (
        regional_tables.log_delivery_canonical_user_id
    ),
    kubernetes.TOKEN: lambda args, facts: kubernetes.decode(args),
}

PURE_TOKENS: frozenset[str] = frozenset(_FUNCTIONS)

# The outputs each function computes; with an unknown argument they are all unknown.
_COMPUTED_OUTPUTS: dict[str, tuple[str, ...]] = {
    "aws:index/getCallerIdentity:getCallerIdentity": ("accountId", "arn", "userId", "id"),
    "aws:index/getRegion:getRegion": ("name", "region", "id", "description", "endpoint"),
    "aws:index/getPartition:getPartition": ("partition", "dnsSuffix", "id", "reverseDnsPrefix"),
    "aws:index/getAvailabilityZones:getAvailabilityZones": ("names", "zoneIds", "id"),
    "aws:index/getArn:getArn": ("id", "partition", "service", "region", "account", "resource"),
    "aws:index/getDefaultTags:getDefaultTags": ("id", "tags"),
    "aws:index/getBillingServiceAccount:getBillingServiceAccount": ("id", "arn"),
    "aws:index/getServicePrincipal:getServicePrincipal": ("id", "name", "suffix", "region"),
    policy_document.TOKEN: ("id", "json", "minifiedJson"),
    "aws:elb/getServiceAccount:getServiceAccount": ("id", "arn"),
    "aws:cloudtrail/getServiceAccount:getServiceAccount": ("id", "arn"),
    "aws:elb/getHostedZoneId:getHostedZoneId": ("id",),
    "aws:lb/getHostedZoneId:getHostedZoneId": ("id",),
    "aws:elasticbeanstalk/getHostedZone:getHostedZone": ("id", "region"),
    "aws:cloudfront/getLogDeliveryCanonicalUserId:getLogDeliveryCanonicalUserId": ("id",),
    kubernetes.TOKEN: ("result",),
}


def compute(token: str, args: dict[str, Any], facts: PlanFacts) -> dict[str, Any] | None:
    function = _FUNCTIONS.get(token)
    if function is None:
        return None
    if contains_unknown(args):
        return {**args, **dict.fromkeys(_COMPUTED_OUTPUTS[token], UNKNOWN)}
    return function(dict(args), facts)


__all__ = ["PURE_TOKENS", "FunctionError", "PlanFacts", "compute"]
