"""The mock monitor that records what the Pulumi engine would receive, and the mocks that answer
the program's few provider invokes offline.

Every `RegisterResource` request is seen whole here: type, name, parent, provider reference,
dependencies, property dependencies and resource options, which `pulumi.runtime.Mocks` alone
does not expose. The base `MockMonitor` still does the registration, so the program behaves
exactly as under the SDK's own mocks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
from google.protobuf import struct_pb2
from pulumi.runtime import mocks, rpc
from pulumi.runtime.proto import provider_pb2, resource_pb2
from pulumi.runtime.sync_await import _sync_await

from stackyard.errors import UserError
from stackyard.plan.functions import FunctionError, PlanFacts, compute
from stackyard.plan.invokes import Answered, InvokeBook, InvokeCall, current_call_site
from stackyard.plan.placeholders import PlaceholderBook
from stackyard.plan.wire import UNKNOWN, alias_urns, struct_to_dict, to_plan_value
from stackyard.pulumi_documents import RESOURCE_SIG, SIG_KEY, STACK_TYPE, contains_unknown


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
    remote: bool = False
    """A component of a multi-language package, built inside its provider plugin: offline, its
    children are not visible."""
    references: dict[str, str] = field(default_factory=dict)
    """Input path -> URN of the resource passed there as an object (`role=role`)."""
    aliases: list[str] = field(default_factory=list)
    """The URNs the resource had before (`aliases` option), as the engine resolves them."""
    read_id: str | None = None
    """Set for a resource the program reads rather than manages (`Resource.get`, a StackReference):
    the ID it reads. Its outputs are unknown offline."""
    templates: dict[str, str] = field(default_factory=dict)
    """Input path -> template, for each input string that is unknown in preview because it was built
    from other resources' computed outputs (`stackyard.plan.placeholders`)."""


class PlanMocks(mocks.Mocks):
    """Outputs and invoke answers for an offline run.

    In preview mode a new resource's outputs are its known inputs, placeholders for its ID and its
    other string outputs (`stackyard.plan.placeholders`: the plan records every value built from them
    as unknown, with its template), and everything else stays unknown, as in a real preview. In test mode (`preview=False`) resources also get a
    deterministic id, name and ARN, so `apply` callbacks run and tests can assert on them.
    """

    def __init__(self, config: Callable[[str], str | None], preview: bool) -> None:
        self._config = config
        self.preview = preview
        try:
            self.facts = PlanFacts.from_config(config)
        except ValueError as error:
            raise UserError(f"stack config: {error}") from None
        self.placeholders = PlaceholderBook(self.facts.partition, self.facts.region, self.facts.account_id)

    def call(self, args: mocks.MockCallArgs) -> Any:
        """Unused: `PlanMonitor.Invoke` answers provider functions itself."""
        raise NotImplementedError(args.token)

    def computed(self, token: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """The result of a provider function that needs no cloud, or None for the others."""
        return compute(token, args, self.facts)

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if self.preview:
            if not args.custom or args.typ.startswith("pulumi:providers:"):
                # No id: a provider's reference stays unknown, as in a preview.
                return args.resource_id or None, dict(args.inputs)
            computed = self.placeholders.outputs_for(args.typ, args.name, args.inputs)
            # A resource imported by ID has that ID.
            return args.resource_id or computed.pop("id"), {**computed, **args.inputs}
        resource_id = f"{args.name}-id"
        service = args.typ.split(":")[1].split("/")[0] if args.typ.count(":") >= 2 else "resource"
        facts = self.facts
        state = {
            "arn": f"arn:{facts.partition}:{service}:{facts.region}:{facts.account_id}:{args.name}",
            "name": args.name,
            "id": resource_id,
            **args.inputs,
        }
        return resource_id, state


class PlanMonitor(mocks.MockMonitor):
    """Records every registration, then lets the SDK's mock monitor do the rest."""

    def __init__(
        self,
        plan_mocks: PlanMocks,
        on_register: Callable[[Registration], None] | None = None,
        invokes: InvokeBook | None = None,
    ) -> None:
        super().__init__(plan_mocks)
        self.plan_mocks = plan_mocks
        self.registrations: list[Registration] = []
        self.invokes = invokes or InvokeBook()
        self.last_progress = time.monotonic()
        """When the program last registered a resource or called a function (the watchdog reads it)."""
        self._on_register = on_register
        self._lock = threading.Lock()

    def Invoke(self, request: Any) -> Any:
        """Answer a provider function: computed offline, from the user's answers, or unknown.

        An unknown answer is what the engine gives a function whose inputs are not known yet:
        the SDK then resolves the `_output` forms as unknown (the plain forms are handled in
        `stackyard.plan.invokes`)."""
        if request.tok == "pulumi:pulumi:getResource":
            return self._get_resource(request)
        self.last_progress = time.monotonic()
        token = request.tok
        secret_paths: list[str] = []
        wire_args = struct_to_dict(request.args)
        # A function computed offline works on placeholders like the program's callbacks do (a
        # policy document naming the stack's bucket); the log and the user's answers see unknowns.
        given = {key: to_plan_value(value, key, []) for key, value in wire_args.items()}
        args = {
            key: to_plan_value(value, key, secret_paths, None, {}, self.plan_mocks.placeholders.template)
            for key, value in wire_args.items()
        }
        try:
            result = self.plan_mocks.computed(token, given)
        except FunctionError as error:
            # The provider would refuse these arguments: the invoke fails with its reason.
            self.invokes.log(InvokeCall(token, args, "computed", current_call_site()))
            return resource_pb2.ResourceInvokeResponse(
                failures=[provider_pb2.CheckFailure(property="", reason=str(error))]
            )
        answered: Answered = "computed"
        if result is None:
            # Arguments not known yet (the SDK checks only their top level) cannot match an answer:
            # the engine would not call the provider with them in preview.
            result = None if contains_unknown(args) else self.invokes.lookup(token, args)
            answered = "invokes"
        self.invokes.log(
            InvokeCall(token, args, answered if result is not None else "unknown", current_call_site())
        )
        if result is None:
            return resource_pb2.ResourceInvokeResponse(unknown=True)
        return resource_pb2.ResourceInvokeResponse(**{"return": serialized(result)})

    def _get_resource(self, request: Any) -> Any:
        """The SDK's own `getResource` (rebuilding a resource from its URN), as its mock monitor
        answers it: the state registered under that URN."""
        urn = rpc.deserialize_properties(request.args)["urn"]
        registered = self.resources.get(urn)
        if registered is None:
            raise Exception(f"unknown resource {urn}")
        return resource_pb2.ResourceInvokeResponse(**{"return": serialized(registered._asdict())})

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The URN the engine gives: the parent's whole type chain, without the root stack's type
        (`urn:pulumi:dev::proj::acme:x:Comp$aws:s3/bucket:Bucket::b`). The SDK's mock monitor keeps
        only the parent's last type, and the stack's, so its URNs match no real state."""
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != STACK_TYPE:
                type_ = f"{parent_type}${type_}"
        return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{type_}::{name}"

    def ReadResource(self, request: Any) -> Any:
        """A resource the program reads (`aws.ec2.Vpc.get(...)`, `pulumi.StackReference`): recorded
        as a `read` step, as `pulumi preview` shows it. Offline nothing can be read, so its outputs
        are unknown, except the properties the program gave."""
        self.last_progress = time.monotonic()
        secret_paths: list[str] = []
        inputs = {
            key: to_plan_value(value, key, secret_paths)
            for key, value in struct_to_dict(request.properties).items()
        }
        registration = Registration(
            urn=self.make_urn(request.parent, request.type, request.name),
            type=request.type,
            name=request.name,
            custom=True,
            parent=request.parent,
            provider=request.provider,
            inputs=inputs,
            dependencies=sorted(set(request.dependencies)),
            property_dependencies={},
            protect=False,
            retain_on_delete=False,
            delete_before_replace=False,
            ignore_changes=[],
            secret_paths=secret_paths,
            version=request.version,
            read_id=request.id,
        )
        read_id, state = self.mocks.new_resource(
            mocks.MockResourceArgs(
                typ=request.type,
                name=request.name,
                inputs=rpc.deserialize_properties(request.properties),
                provider=request.provider,
                resource_id=request.id,
            )
        )
        self.resources[registration.urn] = mocks.MockMonitor.ResourceRegistration(
            registration.urn, read_id or "", state
        )
        # A read resource has the ID it was read by, known in preview.
        response = resource_pb2.ReadResourceResponse(
            urn=registration.urn, id=request.id, properties=serialized(state)
        )
        with self._lock:
            self.registrations.append(registration)
        if self._on_register is not None:
            self._on_register(registration)
        return response

    def RegisterResource(self, request: Any) -> Any:
        self.last_progress = time.monotonic()
        inputs_wire = struct_to_dict(request.object)
        registration = self._record(request, inputs_wire)
        response = self._register(request, registration.urn, inputs_wire)
        with self._lock:
            self.registrations.append(registration)
        if self._on_register is not None:
            self._on_register(registration)
        self.last_progress = time.monotonic()
        return response

    def _register(self, request: Any, urn: str, inputs_wire: dict[str, Any]) -> Any:
        """What the SDK's `MockMonitor.RegisterResource` does, except that resources passed as
        inputs stay references (their URN, their ID unknown in preview), as the engine answers.

        The SDK's mock monitor rebuilds such a reference into a resource object whose ID never
        resolves in preview, and then waits forever serializing it back."""
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        struct = request.object
        # Most inputs hold no reference: the serialized struct (C code) says so without a walk.
        if _RESOURCE_SIG_BYTES in struct.SerializeToString():
            downgraded, changed = _downgrade_references(inputs_wire)
            if changed:
                struct = struct_pb2.Struct()
                struct.update(downgraded)
        inputs = rpc.deserialize_properties(struct)
        args = mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=inputs,
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
        )
        resource_id: str | None
        state: dict[str, Any]
        if request.remote and self.plan_mocks.preview:
            # Its provider plugin would build it and compute its outputs: none is known offline.
            # (Echoing its inputs would give outputs that share an input's name the wrong value.)
            resource_id, state = None, {}
        else:
            resource_id, state = self.mocks.new_resource(args)
        state_struct = serialized(state)
        self.resources[urn] = mocks.MockMonitor.ResourceRegistration(urn, resource_id or "", state)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id or "", object=state_struct)

    def _record(self, request: Any, inputs_wire: dict[str, Any]) -> Registration:
        urn = self.make_urn(request.parent, request.type, request.name)
        secret_paths: list[str] = []
        references: dict[str, str] = {}
        templates: dict[str, str] = {}
        book = self.plan_mocks.placeholders
        inputs = {
            key: to_plan_value(value, key, secret_paths, references, templates, book.template)
            for key, value in inputs_wire.items()
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
            remote=bool(request.remote),
            references=references,
            aliases=alias_urns(request, self.make_urn),
            templates=templates,
        )
        return registration


_RESOURCE_SIG_BYTES = RESOURCE_SIG.encode()


def serialized(values: dict[str, Any]) -> struct_pb2.Struct:
    """`rpc.serialize_properties` of an answer's values, at once, without an event loop.

    The monitor answers on the run's loop (`sdk_work.AnsweringLoop`), and the plain values the
    mocks answer with (strings, numbers, lists, maps, assets) never make the SDK's serializer
    wait, so it finishes in one step. Should a value ever make it wait, the SDK's own
    `_sync_await` runs it instead, on the loop of whichever thread this is."""
    serializing = rpc.serialize_properties(values, {})
    try:
        serializing.send(None)
    except StopIteration as done:
        return done.value
    serializing.close()
    return _sync_await(rpc.serialize_properties(values, {}))


def _downgrade_references(value: Any) -> tuple[Any, bool]:
    """`value` with each resource reference replaced by what a provider that takes no references
    receives: a custom resource's ID (the unknown sentinel in preview), a component's URN."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == RESOURCE_SIG:
            return (value["id"] if "id" in value else value.get("urn", UNKNOWN)), True
        changed = False
        result = {}
        for key, item in value.items():
            result[key], item_changed = _downgrade_references(item)
            changed = changed or item_changed
        return result, changed
    if isinstance(value, list):
        items = [_downgrade_references(item) for item in value]
        return [item for item, _ in items], any(changed for _, changed in items)
    return value, False


__all__ = ["UNKNOWN", "PlanMocks", "PlanMonitor", "Registration"]
