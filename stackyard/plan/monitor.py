"""The mock monitor that records what the Pulumi engine would receive, and the mocks that answer
the program's few provider invokes offline.

Every `RegisterResource` request is seen whole here: type, name, parent, provider reference,
dependencies, property dependencies and resource options, which `pulumi.runtime.Mocks` alone
does not expose. The base `MockMonitor` still does the registration, so the program behaves
exactly as under the SDK's own mocks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime import mocks

from stackyard.plan.wire import UNKNOWN, alias_urns, struct_to_dict, to_plan_value

DEFAULT_ACCOUNT_ID = "123456789012"


@dataclass
class Registration:
    """One resource as the engine would receive it, in plan form."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    provider: str
    inputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    protect: bool
    retain_on_delete: bool
    delete_before_replace: bool
    ignore_changes: list[str]
    secret_paths: list[str] = field(default_factory=list)
    version: str = ""
    aliases: list[str] = field(default_factory=list)
    """The URNs the resource had before (`aliases` option), as the engine resolves them."""


def _partition(region: str) -> tuple[str, str]:
    if region.startswith("cn-"):
        return "aws-cn", "amazonaws.com.cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov", "amazonaws.com"
    return "aws", "amazonaws.com"


class PlanMocks(mocks.Mocks):
    """Outputs and invoke answers for an offline run.

    In preview mode a new resource's outputs are its known inputs, and everything else stays
    unknown, as in a real preview. In test mode (`preview=False`) resources also get a
    deterministic id, name and ARN, so `apply` callbacks run and tests can assert on them.
    """

    def __init__(self, config: Callable[[str], str | None], preview: bool) -> None:
        self._config = config
        self.preview = preview
        self.unanswered: list[str] = []
        """Invoke tokens the program called that cannot be answered offline."""

    @property
    def region(self) -> str:
        return self._config("aws:region") or "us-east-1"

    @property
    def account_id(self) -> str:
        return self._config("stackyard:accountId") or DEFAULT_ACCOUNT_ID

    def availability_zones(self) -> list[str]:
        configured = self._config("stackyard:availabilityZones")
        if configured:
            import json

            return list(json.loads(configured))
        return [f"{self.region}{suffix}" for suffix in "abc"]

    def call(self, args: mocks.MockCallArgs) -> Any:
        # An exception raised here would be lost in the monitor's thread and hang the run; a
        # check failure makes the SDK fail the invoke, and the engine reports the token.
        try:
            return self._answer(args)
        except UnansweredInvoke as error:
            self.unanswered.append(error.token)
            return {}, [("", str(error))]

    def _answer(self, args: mocks.MockCallArgs) -> dict[str, Any]:
        token = args.token
        region = self.region
        partition, dns_suffix = _partition(region)
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            account = self.account_id
            return {
                "accountId": account,
                "arn": f"arn:{partition}:iam::{account}:user/stackyard-plan",
                "userId": "AIDASTACKYARDPLAN",
                "id": account,
            }
        if token == "aws:index/getRegion:getRegion":
            return {
                "name": region,
                "region": region,
                "id": region,
                "description": region,
                "endpoint": f"ec2.{region}.{dns_suffix}",
            }
        if token == "aws:index/getPartition:getPartition":
            return {
                "partition": partition,
                "dnsSuffix": dns_suffix,
                "id": partition,
                "reverseDnsPrefix": "com.amazonaws",
            }
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            names = self.availability_zones()
            return {"names": names, "zoneIds": [f"az-{index}" for index in range(len(names))], "id": region}
        raise UnansweredInvoke(token)

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if self.preview:
            # No id: the SDK then treats it (and a provider's reference) as unknown, as in a preview.
            return None, dict(args.inputs)
        resource_id = f"{args.name}-id"
        service = args.typ.split(":")[1].split("/")[0] if args.typ.count(":") >= 2 else "resource"
        partition, _ = _partition(self.region)
        state = {
            "arn": f"arn:{partition}:{service}:{self.region}:{self.account_id}:{args.name}",
            "name": args.name,
            "id": resource_id,
            **args.inputs,
        }
        return resource_id, state


class UnansweredInvoke(Exception):
    def __init__(self, token: str) -> None:
        super().__init__(
            f"the program calls the provider function {token}, which stackyard plan cannot answer offline "
            "(it answers getCallerIdentity, getRegion, getPartition and getAvailabilityZones)"
        )
        self.token = token


class PlanMonitor(mocks.MockMonitor):
    """Records every registration, then lets the SDK's mock monitor do the rest."""

    def __init__(
        self, plan_mocks: PlanMocks, on_register: Callable[[Registration], None] | None = None
    ) -> None:
        super().__init__(plan_mocks)
        self.registrations: list[Registration] = []
        self._on_register = on_register
        self._lock = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:
        registration = self._record(request)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        with self._lock:
            self.registrations.append(registration)
        if self._on_register is not None:
            self._on_register(registration)
        return response

    def _record(self, request: Any) -> Registration:
        urn = self.make_urn(request.parent, request.type, request.name)
        secret_paths: list[str] = []
        inputs = {
            key: to_plan_value(value, key, secret_paths)
            for key, value in struct_to_dict(request.object).items()
        }
        registration = Registration(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent,
            provider=request.provider,
            inputs=inputs,
            dependencies=sorted(set(request.dependencies)),
            property_dependencies={
                key: sorted(set(deps.urns))
                for key, deps in sorted(request.propertyDependencies.items())
                if deps.urns
            },
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            delete_before_replace=bool(request.deleteBeforeReplace),
            ignore_changes=list(request.ignoreChanges),
            secret_paths=secret_paths,
            version=request.version,
            aliases=alias_urns(request, self.make_urn),
        )
        return registration


__all__ = ["UNKNOWN", "PlanMocks", "PlanMonitor", "Registration", "UnansweredInvoke"]
