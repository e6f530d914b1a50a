"""Checkov on the same plan as `stackyard check`: a stackyard plan turned into a Terraform plan.

Checkov does not read Pulumi plans; it reads the JSON `terraform show -json tfplan` prints. This
module writes that shape from a stackyard plan (or a `pulumi preview --json` document): each custom
resource becomes a managed resource in `planned_values.root_module.resources` and in
`resource_changes` (a create), its Pulumi type token mapped to the Terraform aws/kubernetes
provider's resource type and its camelCase inputs to snake_case attributes; nested objects become
Terraform blocks (one-element lists) except the map-typed attributes (tags, labels, ...), and values
unknown at preview are left out of `after` and marked in `after_unknown`, as Terraform marks them.
Components, providers and the stack have no Terraform resource and are left out.

    python -m benchmarks.checkov PLAN.json [--rounds 3] [--checkov PATH]

runs `stackyard check PLAN --config policies/presets/strict.json` and `checkov -f tfplan.json
--framework terraform_plan --check <the catalog's Checkov peers>` in turns (fresh processes, same
rounds, order alternating) and prints wall time, CPU time and peak memory of both, and their
ratios. Checkov is found through --checkov, the STACKYARD_CHECKOV environment variable or PATH;
it pins many packages, so install it in a virtualenv of its own:

    python -m venv /tmp/checkov-venv && /tmp/checkov-venv/bin/pip install checkov
    STACKYARD_CHECKOV=/tmp/checkov-venv/bin/checkov python -m benchmarks.checkov plan.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from benchmarks.measure import REPO, TIMINGS, Run, run

ENVIRONMENT_VARIABLE = "STACKYARD_CHECKOV"
STRICT_CONFIG = REPO / "policies" / "presets" / "strict.json"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's sentinel for a value unknown at preview (as a plan records it)."""

PROVIDERS = {
    "aws": "registry.terraform.io/hashicorp/aws",
    "kubernetes": "registry.terraform.io/hashicorp/kubernetes",
}

TYPE_EXCEPTIONS = {
    "aws:autoscaling/tag:Tag": "aws_autoscaling_group_tag",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "aws_iam_openid_connect_provider",
    "aws:rds/instance:Instance": "aws_db_instance",
    "aws:rds/subnetGroup:SubnetGroup": "aws_db_subnet_group",
    "aws:cloudwatch/eventRule:EventRule": "aws_cloudwatch_event_rule",
    "aws:cloudwatch/eventTarget:EventTarget": "aws_cloudwatch_event_target",
}
"""Types whose Terraform name the general rule (`terraform_type`) does not give."""

PREFIXLESS_MODULES = ("ec2",)
"""pulumi-aws modules whose Terraform resources carry no module prefix (`aws_vpc`, `aws_subnet`)."""

MAP_ATTRIBUTES = frozenset(
    {"tags", "tags_all", "labels", "annotations", "environment", "variables", "data", "selector", "hard", "parameters"}
)
"""Attributes that are maps in Terraform, not blocks: their keys are data, kept as they are."""

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake(name: str) -> str:
    """`kmsMasterKeyId` -> `kms_master_key_id`."""
    return _CAMEL.sub("_", name).lower()


def terraform_type(pulumi_type: str) -> str | None:
    """The Terraform resource type of a Pulumi type token (`aws:s3/bucketPolicy:BucketPolicy` ->
    `aws_s3_bucket_policy`), or None for what Terraform has none of (components, providers, the stack)."""
    if pulumi_type in TYPE_EXCEPTIONS:
        return TYPE_EXCEPTIONS[pulumi_type]
    parts = pulumi_type.split(":")
    if len(parts) != 3 or parts[0] not in PROVIDERS or parts[1] == "providers":
        return None
    package, module_path, name = parts
    if package == "kubernetes":
        return f"kubernetes_{snake(name)}_v1"
    module, _, resource = module_path.partition("/")
    if module in PREFIXLESS_MODULES:
        return f"aws_{snake(resource)}"
    return f"aws_{module}_{snake(resource)}"


def _object(value: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Pulumi object's inputs as Terraform attributes, and the `after_unknown` marks of those unknown."""
    converted: dict[str, Any] = {}
    unknown: dict[str, Any] = {}
    for name, item in value.items():
        attribute = snake(name)
        known, marks = _attribute(item, attribute)
        if known is not None:
            converted[attribute] = known
        if marks:
            unknown[attribute] = marks
    return converted, unknown


def _attribute(value: Any, attribute: str) -> tuple[Any, Any]:
    if value == UNKNOWN:
        return None, True
    if isinstance(value, dict):
        if attribute in MAP_ATTRIBUTES:
            return {k: v for k, v in value.items() if v != UNKNOWN}, {k: True for k, v in value.items() if v == UNKNOWN}
        block, marks = _object(value)
        # A nested object of a Terraform resource is a block: a list of one.
        return [block], [marks] if marks else None
    if isinstance(value, list):
        items: list[Any] = []
        item_marks: list[Any] = []
        for item in value:
            if item == UNKNOWN:
                items.append(None)
                item_marks.append(True)
            elif isinstance(item, dict):  # one of a repeated block
                block, marks = _object(item)
                items.append(block)
                item_marks.append(marks or False)
            else:
                items.append(item)
                item_marks.append(False)
        return items, item_marks if any(item_marks) else None
    return value, None


def _name(urn: str, taken: set[str]) -> str:
    name = re.sub(r"[^A-Za-z0-9_-]", "_", urn.rsplit("::", 1)[-1]) or "resource"
    if name[0].isdigit():
        name = f"r_{name}"
    unique, counter = name, 1
    while unique in taken:
        counter += 1
        unique = f"{name}_{counter}"
    taken.add(unique)
    return unique


def _states(document: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for step in document.get("steps", []):
        state = step.get("newState") or {}
        if state.get("custom"):
            yield state


def to_terraform_plan(document: dict[str, Any]) -> dict[str, Any]:
    """The `terraform show -json` plan of the custom resources of a plan document."""
    planned: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    configured: list[dict[str, Any]] = []
    names: dict[str, set[str]] = {}
    for state in _states(document):
        kind = terraform_type(state["type"])
        if kind is None:
            continue
        name = _name(state["urn"], names.setdefault(kind, set()))
        address = f"{kind}.{name}"
        provider = PROVIDERS[state["type"].split(":", 1)[0]]
        values, unknown = _object(state.get("inputs") or {})
        planned.append(
            {
                "address": address,
                "mode": "managed",
                "type": kind,
                "name": name,
                "provider_name": provider,
                "schema_version": 0,
                "values": values,
                "sensitive_values": {},
            }
        )
        changes.append(
            {
                "address": address,
                "mode": "managed",
                "type": kind,
                "name": name,
                "provider_name": provider,
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": values,
                    "after_unknown": unknown or {},
                    "before_sensitive": False,
                    "after_sensitive": {},
                },
            }
        )
        configured.append(
            {"address": address, "mode": "managed", "type": kind, "name": name, "provider_config_key": provider.rsplit("/", 1)[-1]}
        )
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {key: {"name": key, "full_name": full} for key, full in PROVIDERS.items()},
            "root_module": {"resources": configured},
        },
    }


def catalog_checks() -> list[str]:
    """The Checkov checks the catalog's rules correspond to (their `checkov` peers)."""
    from stackyard.policies.catalog import all_rules

    return sorted({check for rule in all_rules() for check in rule.peers.get("checkov", ())})


def find_checkov(explicit: str | None = None) -> Path | None:
    """--checkov, else $STACKYARD_CHECKOV, else `checkov` on PATH."""
    given = explicit or os.environ.get(ENVIRONMENT_VARIABLE)
    if given:
        path = Path(given)
        if not path.is_file():
            raise SystemExit(f"{given}: no checkov there (--checkov / {ENVIRONMENT_VARIABLE})")
        return path
    found = shutil.which("checkov")
    return Path(found) if found else None


def checkov_interpreter(checkov: Path) -> str:
    """The Python of checkov's own virtualenv (its script's `#!` line)."""
    first = checkov.read_text(errors="replace").splitlines()[0] if checkov.stat().st_size else ""
    return first[2:].strip() if first.startswith("#!") and "python" in first else sys.executable


def checkov_command(checkov: Path, tfplan: Path, checks: list[str]) -> list[str]:
    return [str(checkov), "-f", str(tfplan), "--framework", "terraform_plan", "--check", ",".join(checks), "--skip-download", "-o", "json", "--compact", "--quiet"]


def checkov_counts(output: str) -> dict[str, int]:
    """Passed and failed checks from checkov's JSON report."""
    lines = output.splitlines(keepends=True)
    start = next((index for index, line in enumerate(lines) if line.startswith(("{", "["))), None)
    report = json.loads("".join(lines[start:])) if start is not None else {}
    reports = report if isinstance(report, list) else [report]
    summary: dict[str, int] = {"passed": 0, "failed": 0}
    for each in reports:
        for key in summary:
            summary[key] += int(each.get("summary", {}).get(key, 0))
    return summary


def run_checkov(checkov: Path, tfplan: Path, checks: list[str]) -> Run:
    return run(
        checkov_command(checkov, tfplan, checks),
        ok_codes=(0, 1),
        interpreter=checkov_interpreter(checkov),
        pythonpath=False,
    )


def _figures(runs: list[Run]) -> dict[str, Any]:
    return {
        "seconds": [round(each.seconds, 3) for each in runs],
        "median_seconds": round(statistics.median(each.seconds for each in runs), 3),
        "median_cpu_seconds": round(statistics.median(each.cpu_seconds for each in runs), 3),
        "peak_rss_bytes": max(each.peak_rss_bytes for each in runs),
    }


def compare(
    plan_path: Path, checkov: Path, rounds: int, say: Callable[[str], None], check_command: list[str]
) -> dict[str, Any]:
    """`stackyard check` and Checkov on the same plan, in turns; their figures and ratios."""
    document = json.loads(plan_path.read_text())
    checks = catalog_checks()
    with tempfile.TemporaryDirectory(prefix="stackyard-checkov-") as scratch:
        tfplan = Path(scratch) / "tfplan.json"
        tfplan.write_text(json.dumps(to_terraform_plan(document)), encoding="utf-8")
        stackyard_runs: list[Run] = []
        checkov_runs: list[Run] = []
        for index in range(rounds):
            order: list[tuple[str, Callable[[], Run], list[Run]]] = [
                ("stackyard check", lambda: run(check_command, ok_codes=(0, 1)), stackyard_runs),
                ("checkov", lambda: run_checkov(checkov, tfplan, checks), checkov_runs),
            ]
            for name, measure, runs in order if index % 2 == 0 else reversed(order):
                say(f"round {index + 1}/{rounds}: {name}")
                runs.append(measure())
        counts = checkov_counts(checkov_runs[0].stdout)
        resources = len(to_terraform_plan(document)["resource_changes"])
    ours, theirs = _figures(stackyard_runs), _figures(checkov_runs)
    return {
        "plan": str(plan_path),
        "rounds": rounds,
        "stackyard": ours,
        "checkov": {
            **theirs,
            "version": _checkov_version(checkov),
            "checks": checks,
            "terraform_resources": resources,
            "results": counts,
        },
        "checkov_over_stackyard_wall": round(theirs["median_seconds"] / ours["median_seconds"], 2),
        "checkov_over_stackyard_cpu": round(theirs["median_cpu_seconds"] / ours["median_cpu_seconds"], 2),
    }


def _checkov_version(checkov: Path) -> str:
    measured = run([str(checkov), "--version"], interpreter=checkov_interpreter(checkov), pythonpath=False)
    return measured.stdout.strip()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.checkov", description=__doc__.split("\n\n")[0])
    parser.add_argument("plan", type=Path, help="A stackyard plan (or `pulumi preview --json` document).")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--checkov", help=f"The checkov executable (default: ${ENVIRONMENT_VARIABLE}, then PATH).")
    parser.add_argument("--tfplan", type=Path, help="Also write the converted Terraform plan here.")
    options = parser.parse_args(argv)
    document = json.loads(options.plan.read_text())
    if options.tfplan:
        options.tfplan.write_text(json.dumps(to_terraform_plan(document), indent=1), encoding="utf-8")
    checkov = find_checkov(options.checkov)
    if checkov is None:
        raise SystemExit(f"checkov not found: give --checkov or set {ENVIRONMENT_VARIABLE}")
    # As `python -m benchmarks` runs it: the console script's entry point, in a fresh process.
    check = ["-m", "benchmarks.probe", TIMINGS, "check", str(options.plan), "--config", str(STRICT_CONFIG)]
    result = compare(options.plan, checkov, options.rounds, lambda line: print(line, file=sys.stderr), check)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
