"""A plain Pulumi program, with no stackyard in it: registers the resources of a baseline file
(see `baseline.py`) under the SDK's mock runtime in preview mode, and says how long it took.

    python plain_program.py baseline.json [timings.json]
"""

import time

STARTED = time.perf_counter()

import asyncio  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

import pulumi  # noqa: E402
import pulumi.runtime  # noqa: E402
from pulumi.runtime.rpc import UNKNOWN  # noqa: E402

IMPORTED = time.perf_counter()


class PreviewMocks(pulumi.runtime.Mocks):
    """What a preview gives a new resource: no id, its inputs as its outputs."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return None, dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


def _output(resources: set[pulumi.Resource], value: Any, known: bool) -> pulumi.Output[Any]:
    loop = asyncio.get_event_loop()

    def resolved(result: Any) -> asyncio.Future[Any]:
        future = loop.create_future()
        future.set_result(result)
        return future

    return pulumi.Output(resources, resolved(value), resolved(known))


def _with_unknowns(value: Any, resources: set[pulumi.Resource]) -> tuple[Any, bool]:
    """`value` with each unknown the plan recorded turned back into an unknown Output of the
    resources it came from; and whether there was any."""
    if value == UNKNOWN:
        return _output(resources, None, False), True
    if isinstance(value, dict):
        found = False
        result = {}
        for key, item in value.items():
            result[key], unknown = _with_unknowns(item, resources)
            found = found or unknown
        return result, found
    if isinstance(value, list):
        found = False
        items = []
        for item in value:
            converted, unknown = _with_unknowns(item, resources)
            items.append(converted)
            found = found or unknown
        return items, found
    return value, False


def program(resources: list[dict[str, Any]]) -> None:
    made: dict[str, pulumi.Resource] = {}
    for resource in resources:
        property_dependencies = resource["propertyDependencies"]
        inputs: dict[str, Any] = {}
        flowing: set[str] = set()
        for key, value in resource["inputs"].items():
            dependencies = {made[urn] for urn in property_dependencies.get(key, ())}
            flowing.update(property_dependencies.get(key, ()))
            converted, unknown = _with_unknowns(value, dependencies)
            inputs[key] = converted if unknown or not dependencies else _output(dependencies, value, True)
        opts = pulumi.ResourceOptions(
            parent=made.get(resource["parent"]),
            provider=made.get(resource["provider"]),  # type: ignore[arg-type]
            depends_on=[made[urn] for urn in resource["dependencies"] if urn not in flowing],
            protect=resource["protect"] or None,
            retain_on_delete=resource["retainOnDelete"] or None,
            ignore_changes=resource["ignoreChanges"] or None,
            aliases=resource.get("aliases") or None,
            version=resource["version"] or None,
        )
        kind = resource["type"]
        if kind.startswith("pulumi:providers:"):
            made[resource["urn"]] = pulumi.ProviderResource(
                kind[len("pulumi:providers:") :], resource["name"], inputs, opts
            )
        elif resource["custom"]:
            made[resource["urn"]] = pulumi.CustomResource(kind, resource["name"], inputs, opts)
        else:
            component = pulumi.ComponentResource(kind, resource["name"], None, opts)
            component.register_outputs({})
            made[resource["urn"]] = component


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as file:
        baseline = json.load(file)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pulumi.runtime.set_mocks(
        PreviewMocks(), project=baseline["project"], stack=baseline["stack"], preview=True
    )
    started = time.perf_counter()
    pulumi.runtime.test(lambda: program(baseline["resources"]))()
    finished = time.perf_counter()
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w", encoding="utf-8") as file:
            json.dump(
                {
                    "import": IMPORTED - STARTED,
                    "program": finished - started,
                    "registrations": len(baseline["resources"]),
                },
                file,
            )


if __name__ == "__main__":
    main()
