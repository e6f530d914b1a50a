"""The pulumi-aws input names of a resource type, read from the provider's own Args class, so a
test can assert that what the audit maps is what a program would set."""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from functools import cache

from stackyard.audit.readers import LiveResource


@cache
def input_names(token: str) -> frozenset[str]:
    """camelCase input names of `aws:<module>/<resource>:<Resource>` (its `<Resource>Args`)."""
    module, rest = token.removeprefix("aws:").split("/")
    resource = rest.split(":")[1]
    # Through the package, as programs do: pulumi_aws loads its modules lazily, and importing a
    # resource module directly first leaves the package without its attributes.
    resource_class = getattr(getattr(importlib.import_module("pulumi_aws"), module), resource)
    namespace = sys.modules[resource_class.__module__]
    # pulumi names the resource's Args `<Resource>InitArgs` where a nested input type took the name.
    args = getattr(namespace, f"{resource}InitArgs", None) or getattr(namespace, f"{resource}Args")
    names = set(inspect.signature(args.__init__).parameters) - {"self", "__self__"}
    return frozenset(re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), n) for n in names)


def unknown_inputs(resources: list[LiveResource]) -> dict[str, set[str]]:
    """type -> mapped input names its pulumi-aws Args does not have (empty when all are real)."""
    found: dict[str, set[str]] = {}
    for resource in resources:
        extra = set(resource.inputs) - input_names(resource.type)
        if extra:
            found.setdefault(resource.type, set()).update(extra)
    return found
