"""Evaluate stackyard's own policy catalog in this process, with pulumi_policy's own analyzer code.

The process path (`stackyard.check.analyzer`) starts the pack, speaks gRPC to it, and the pack's
analyzer loops over every policy for every resource. For the catalog that ships with stackyard
that costs more than the rules themselves, so `stackyard check` evaluates it here instead, giving
the rules the same arguments:

- The analyzer is pulumi_policy's own `_PolicyAnalyzerServicer`, built from the same `PolicyPack`
  arguments as the pack's `__main__.py` (`catalog.pack_arguments`). It answers `GetAnalyzerInfo`,
  `Configure` and `ConfigureStack` itself, and gives each policy its enforcement level (a
  remediating policy reports as mandatory), its config (`args.get_config()`) and its
  `report_violation`.
- Each resource is converted once, as the servicer converts it once per policy: the same
  `AnalyzeRequest` the process path sends, `json_format.MessageToDict` of its properties (read by
  `plan.wire.struct_to_dict`, which gives the same), then
  pulumi_policy's `deserialize_properties` and `unknown_checking_proxy` (unknowns raise
  `UnknownValueError`, secrets arrive as their values); options and provider come from the servicer's
  `_get_resource_options` and `_get_provider_resource`. `ResourceValidationArgs` and
  `StackValidationArgs` are built as the servicer builds them, stack resources linked to their
  parent, dependencies and property dependencies (`PolicyResource` objects).
- A policy's `validate` runs through `pack_host.guarded`, the wrapper the pack process installs, so
  a raise is the same `error` result; an `UnknownValueError` and `args.not_applicable()` become
  the diagnostic and the not-applicable entry the servicer would answer.
- A resource rule of the catalog that does not look at a resource's type (`Rule.checks_type`) is
  not called for it: it would answer not applicable (`catalog.NOT_CHECKED_TYPE`) before reading
  anything, and that answer is given without the call.
- Pulumi's config and settings (project, stack, dry run), which the pack process gets from its
  environment, are set in a copy of this process's context, so nothing leaks into the caller.

Foreign packs, and every pack under `--engine-faithful`, keep the process path. A test asserts
both paths give the same evidence (tests/check/test_in_process.py).
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from inspect import isawaitable
from pathlib import Path
from typing import Any

from stackyard.check.analyzer import read_manifest, stack_configure_request
from stackyard.check.model import CheckInput
from stackyard.check.pack_host import Templated, guarded, protocol_exceptions

IN_PROCESS = "in-process"
ENGINE = "engine"
"""What the evidence says ran a pack: in this process, or in its own process as the engine runs it."""

PACK_VERSION = "0.0.1"
"""The version `PolicyPack` gives its analyzer (the manifest's version wins, as for a process)."""


@cache
def catalog_dir() -> Path | None:
    """The directory of the installed stackyard catalog, found without importing its rules."""
    import importlib.util

    spec = importlib.util.find_spec("stackyard.policies")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def serves_in_process(path: Path) -> bool:
    """Whether the pack at `path` is stackyard's own catalog, which can be evaluated in-process."""
    own = catalog_dir()
    return own is not None and path.resolve() == own


Answer = tuple[Mapping[str, str], Any]
"""What the catalog said about one resource: the policies not applicable to its type (name ->
reason), and the `AnalyzeResponse` of the policies that ran (None when none did)."""


class InProcessPack:
    """The catalog at `path` evaluated in this process: the one-off calls of `analyzer.PackWorkers`
    (`connect`, `call`, `each`), and `evaluate` in place of its `analyze_all`."""

    evaluation = IN_PROCESS

    def __init__(
        self,
        path: Path,
        checked: CheckInput,
        deadline: float | None = None,
        templated: Templated | None = None,
    ) -> None:
        from pulumi_policy import policy as sdk

        from stackyard.plan.wire import struct_to_dict
        from stackyard.policies import catalog

        self.path = path.resolve()
        self.manifest = read_manifest(self.path / "PulumiPolicy.yaml")
        self.deadline = deadline
        arguments = catalog.pack_arguments()
        self.name: str = arguments.pop("name")
        self._policies: list[Any] = arguments.pop("policies")
        self._servicer = sdk._PolicyAnalyzerServicer(
            self.name, PACK_VERSION, self._policies, arguments.pop("enforcement_level"), **arguments
        )
        self._rules = {rule.id: rule for rule in catalog.all_rules()}
        self._sdk = sdk
        # What json_format.MessageToDict gives (tests/plan/test_performance_paths.py), at a
        # fraction of its cost: that conversion was a tenth of checking 2,000 resources.
        self._struct_to_dict = struct_to_dict
        self._passthrough = protocol_exceptions()
        self._validate: dict[type, Callable[[Any, Any, Any], Any]] = {}
        self._templated: Templated = templated or {}
        """The properties that hold templates, per resource: the reads that are watched."""
        self._context = contextvars.copy_context()
        self._context.run(_configure_runtime, checked)
        self._plans: dict[str, tuple[dict[str, str], list[tuple[Any, Any]]]] = {}
        self._providers: dict[str, tuple[Any, Any]] = {}
        self._tags: Any = {}
        """The stack's tags, as `ConfigureStack` gave them to the servicer."""

    # --- the calls `evaluate` makes of a pack ---

    def connect(self, checked: CheckInput) -> None:
        self.call("ConfigureStack", stack_configure_request(checked))

    def call(self, method: str, request: Any) -> Any:
        return self._context.run(getattr(self._servicer, method), request, None)

    each = call
    """Configuration reaches the one analyzer."""

    def evaluate(
        self,
        checked: CheckInput,
        requests: Sequence[Any],
        resources: bool,
        stack: bool,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[list[Answer], Answered | None]:
        """Each resource's `Answer`, in order (with `resources`), and the stack's analysis (with
        `stack`). `requests` are the `Analyze` requests of `checked.resources`, in order."""
        return self._context.run(self._evaluate, checked, requests, resources, stack, progress)

    # --- evaluation ---

    def _evaluate(
        self,
        checked: CheckInput,
        requests: Sequence[Any],
        resources: bool,
        stack: bool,
        progress: Callable[[int], None] | None,
    ) -> tuple[list[Answer], Answered | None]:
        self._plans.clear()  # the levels come from the configuration, which may have changed
        self._tags = getattr(self._servicer, "_PolicyAnalyzerServicer__stack_tags", {})
        converted: dict[str, Any] = {}
        answers = []
        for request in requests if resources else ():
            answers.append(self._analyze(request, converted))
            if progress:
                progress(1)
        analysed = Answered(self._analyze_stack(checked, requests, converted)) if stack else None
        return answers, analysed

    def _plan(self, resource_type: str) -> tuple[dict[str, str], list[tuple[Any, Any]]]:
        """For a resource type: the policies answered without a call (name -> not-applicable reason)
        and those to run with their enforcement level, in the servicer's order and by its rules."""
        from stackyard.policies.catalog import NOT_CHECKED_TYPE

        sdk = self._sdk
        skipped: dict[str, str] = {}
        run: list[tuple[Any, Any]] = []
        for policy in self._policies:
            level = self._servicer._get_enforcement_level(policy)
            if level == sdk.EnforcementLevel.DISABLED or not isinstance(policy, sdk.ResourceValidationPolicy):
                continue
            if not policy.has_validation():
                skipped[policy.name] = "Policy does not implement validate"
                continue
            rule = self._rules.get(policy.name)
            if rule is not None and not rule.checks_type(resource_type):
                skipped[policy.name] = NOT_CHECKED_TYPE
                continue
            run.append(
                (policy, sdk.EnforcementLevel.MANDATORY if level == sdk.EnforcementLevel.REMEDIATE else level)
            )
        return skipped, run

    def _analyze(self, request: Any, converted: dict[str, tuple[Any, Any]]) -> Answer:
        plan = self._plans.get(request.type)
        if plan is None:
            plan = self._plans[request.type] = self._plan(request.type)
        skipped, run = plan
        if not run:
            return skipped, None
        sdk = self._sdk
        props = converted[request.urn] = self._props(request.properties)
        opts = self._servicer._get_resource_options(request)
        provider = self._provider(request)
        response = sdk.proto.AnalyzeResponse()
        for policy, level in run:
            args = sdk.ResourceValidationArgs(
                request.type,
                props,
                request.urn,
                request.name,
                opts,
                provider,
                self._servicer._get_policy_config(policy.name),
                self._tags,
            )
            self._run(policy, level, args, response, request.urn)
        return skipped, response

    def _analyze_stack(self, checked: CheckInput, requests: Sequence[Any], converted: dict[str, Any]) -> Any:
        sdk = self._sdk
        response = sdk.proto.AnalyzeResponse()
        run = []
        for policy in self._policies:
            level = self._servicer._get_enforcement_level(policy)
            if level == sdk.EnforcementLevel.DISABLED or not isinstance(policy, sdk.StackValidationPolicy):
                continue
            run.append(
                (policy, sdk.EnforcementLevel.MANDATORY if level == sdk.EnforcementLevel.REMEDIATE else level)
            )
        if not run:
            return response
        resources = self._stack_resources(checked, requests, converted)
        for policy, level in run:
            args = sdk.StackValidationArgs(
                resources, self._servicer._get_policy_config(policy.name), self._tags
            )
            self._run(policy, level, args, response, "the stack")
        return response

    def _stack_resources(
        self, checked: CheckInput, requests: Sequence[Any], converted: dict[str, Any]
    ) -> list[Any]:
        """The stack's `PolicyResource`s, as the servicer builds them from the `AnalyzeStack`
        request the process path sends (`analyzer.build_requests`): the outputs when the input has
        them, else the inputs (already converted for `Analyze`), each resource's options and
        provider, linked to its parent, dependencies and property dependencies. One list serves
        every stack policy (the servicer builds one per policy; the catalog's rules only read it)."""
        from stackyard.check.analyzer import properties_struct

        sdk = self._sdk
        built = []
        for resource, request in zip(checked.resources, requests, strict=True):
            if resource.outputs is not None:
                props = self._props(properties_struct(resource.outputs))
            else:
                props = converted.get(resource.urn)
                if props is None:
                    props = converted[resource.urn] = self._props(request.properties)
            policy_resource = sdk.PolicyResource(
                resource.type,
                props,
                resource.urn,
                resource.name,
                self._servicer._get_resource_options(request),
                self._provider(request),
                None,
                [],
                {},
            )
            built.append((policy_resource, resource))
        by_urn = {policy_resource.urn: policy_resource for policy_resource, _ in built}
        for policy_resource, resource in built:
            if resource.parent is not None and resource.parent in by_urn:
                policy_resource.parent = by_urn[resource.parent]
            policy_resource.dependencies.extend(by_urn[d] for d in resource.dependencies if d in by_urn)
            for key, urns in resource.property_dependencies.items():
                if urns:  # as the request carries them: only those with a resource
                    policy_resource.property_dependencies[key] = [by_urn[d] for d in urns if d in by_urn]
        return [policy_resource for policy_resource, _ in built]

    def _provider(self, request: Any) -> Any:
        """The servicer's `PolicyProviderResource` of the request's provider, converted once per
        provider: thousands of resources share a handful (the same message each time)."""
        if not request.HasField("provider"):
            return None
        urn = request.provider.urn
        seen = self._providers.get(urn)
        if seen is None or seen[0] != request.provider:
            seen = self._providers[urn] = (request.provider, self._servicer._get_provider_resource(request))
        return seen[1]

    def _props(self, properties: Any) -> Any:
        sdk = self._sdk
        return sdk.unknown_checking_proxy(sdk.deserialize_properties(self._struct_to_dict(properties)))

    def _run(self, policy: Any, level: Any, args: Any, response: Any, subject: str) -> None:
        """One policy on one subject, answered into `response` as the servicer answers it."""
        sdk = self._sdk
        report = self._servicer._create_report_violation(
            response, policy.name, policy.description, level, policy.severity
        )
        validate = self._validate.get(type(policy))
        if validate is None:
            validate = self._validate[type(policy)] = guarded(
                type(policy).validate, self._passthrough, str(self.path), self._templated
            )
        try:
            result = validate(policy, args, report)
            if isawaitable(result):
                import asyncio  # lazily: `stackyard --help` imports this module

                loop = asyncio.new_event_loop()
                try:
                    loop.run_until_complete(result)
                finally:
                    loop.close()
        except sdk.UnknownValueError as e:
            response.diagnostics.append(
                sdk.proto.AnalyzeDiagnostic(
                    policyName=policy.name,
                    policyPackName=self.name,
                    policyPackVersion=PACK_VERSION,
                    message=f"can't run policy '{policy.name}' from policy pack "
                    f"'{self.name}@v{PACK_VERSION}' during preview: {e.message}",
                    urn="",
                    description=policy.description,
                    enforcementLevel=self._servicer._map_enforcement_level(sdk.EnforcementLevel.ADVISORY),
                )
            )
        except sdk._NotApplicableError as e:
            response.not_applicable.append(
                sdk.proto.PolicyNotApplicable(policy_name=policy.name, reason=e.reason or "")
            )
        if self.deadline is not None and time.monotonic() >= self.deadline:
            from stackyard.deadline import TimeLimitExceeded

            raise TimeLimitExceeded(
                f"policy pack {self.path}: no answer while analyzing {subject}; it was running "
                f"{policy.name} (the time limit of --timeout ran out)"
            )


class Answered:
    """The stack's `AnalyzeResponse`, as `analyzer.StackAnalysis` gives it (`result()`)."""

    def __init__(self, response: Any) -> None:
        self._response = response

    def result(self) -> Any:
        return self._response


def _configure_runtime(checked: CheckInput) -> None:
    """What the pack process's analyzer sets from its environment (`PULUMI_CONFIG`, `PULUMI_PROJECT`,
    `PULUMI_STACK`, `PULUMI_DRY_RUN`), set here in the pack's own context."""
    import pulumi.runtime

    from stackyard.check.analyzer import DEPLOYED_KINDS

    pulumi.runtime.set_all_config(dict(checked.config))
    pulumi.runtime.configure(
        pulumi.runtime.Settings(
            project=checked.project,
            stack=checked.stack,
            dry_run=checked.kind not in DEPLOYED_KINDS,
            organization="organization",
        )
    )
