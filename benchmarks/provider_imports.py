"""What importing the provider SDKs costs a program that uses their typed classes: the modules that
hold the classes of every resource type in a baseline file (`baseline.py`), imported after `pulumi`
itself, as a plain Pulumi program that registered those resources with `pulumi_aws.ec2.Vpc`, ...
would import them. No stackyard in it.

    python provider_imports.py baseline.json [timings.json]

The baseline registers with the SDK's generic classes and so never pays these imports; the plan
runs the real components, which do. A provider package registers, when imported, which of its
modules holds each type (`pulumi.runtime.rpc._RESOURCE_MODULES`, the table the SDK itself uses to
rebuild resources from URNs); the module named there is imported and the class looked up.
"""

import time

STARTED = time.perf_counter()

import importlib  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

import pulumi  # noqa: E402
import pulumi.runtime.rpc  # noqa: E402

IMPORTED = time.perf_counter()


def provider_classes(types: set[str]) -> int:
    """Import the class of each `pkg:module/name:Class` type; returns how many were found."""
    found = 0
    for token in sorted(types):
        package, module, _ = token.split(":")
        importlib.import_module(f"pulumi_{package.replace('-', '_')}")
        for registered in pulumi.runtime.rpc._RESOURCE_MODULES.get(f"{package}:{module}", []):
            info = getattr(registered, "mod_info", {})
            if token in info.get("classes", {}):
                getattr(importlib.import_module(info["fqn"]), info["classes"][token])
                found += 1
                break
    return found


def main() -> None:
    baseline_path, *timings_path = sys.argv[1:]
    with open(baseline_path, encoding="utf-8") as file:
        baseline = json.load(file)
    types = {
        each["type"]
        for each in baseline["resources"]
        if each["custom"] and not each["type"].startswith("pulumi:providers:")
    }
    loaded = time.perf_counter()
    found = provider_classes(types)
    done = time.perf_counter()
    timings = {
        "import": IMPORTED - STARTED,
        "provider_imports": done - loaded,
        "types": len(types),
        "classes": found,
        "total": done - STARTED,
    }
    if timings_path:
        with open(timings_path[0], "w", encoding="utf-8") as file:
            json.dump(timings, file)


if __name__ == "__main__":
    main()
