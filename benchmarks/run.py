"""The stackyard benchmark: plan, check and start-up times of large generated platforms, against a
plain Pulumi program that registers the same resources (the SDK's own cost).

    python -m benchmarks [--sizes 500,2000,10000] [--out benchmarks/results/latest.json] [--quick]

Every measurement is a fresh process (imports and memory count honestly). At each size the
stackyard plan and the baseline run in turns (baseline first on even rounds, plan first on odd
ones), so load on the machine hits both alike; the figure is the median of the rounds.
"""

from __future__ import annotations

import argparse
import compileall
import itertools
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.baseline import PLAIN_PROGRAM, write_baseline
from benchmarks.checkov import ENVIRONMENT_VARIABLE as CHECKOV_ENVIRONMENT_VARIABLE
from benchmarks.checkov import compare as compare_with_checkov
from benchmarks.checkov import find_checkov
from benchmarks.generator import STACK, platform_spec, shape_for, write_project
from benchmarks.measure import REPO, TIMINGS, Run, run

DEFAULT_SIZES = (500, 2000, 10000)
QUICK_SIZES = (150, 400)
DEFAULT_OUT = REPO / "benchmarks" / "results" / "latest.json"
STRICT_CONFIG = REPO / "policies" / "presets" / "strict.json"
STARTUP_SPEC = REPO / "stacks" / "prod.yaml"
PROVIDER_IMPORTS = REPO / "benchmarks" / "provider_imports.py"
GIB = 1024**3

TARGETS = {
    "plan_over_baseline_at_2000": 1.15,
    "per_resource_10000_over_500": 1.20,
    "marginal_10000_over_500": 1.20,
    "check_2000_seconds": 2.0,
    "check_over_checkov_at_2000": 0.1,
    "peak_memory_10000_bytes": 1.5 * GIB,
    "help_seconds": 0.5,
}


def repeats_for(resources: int, requested: int | None) -> int:
    """Rounds per size: 3 up to 2,000 resources, 1 above (a 10,000-resource round takes a minute)."""
    if requested is not None:
        return requested
    return 3 if resources <= 2000 else 1


def _median(runs: Sequence[Run], value: Callable[[Run], float]) -> float:
    return statistics.median(value(each) for each in runs)


def _phases(runs: Sequence[Run]) -> dict[str, float]:
    names = sorted({name for each in runs for name in each.phases})
    return {name: round(statistics.median(each.phases.get(name, 0.0) for each in runs), 4) for name in names}


def _stackyard(*arguments: str) -> list[str]:
    return ["-m", "benchmarks.probe", TIMINGS, *arguments]


def _check_counts(output: str) -> dict[str, int]:
    """The result counts `stackyard check` prints: 'results: 228 pass, 11 fail, ...'."""
    for line in output.splitlines():
        if line.startswith("results: "):
            counts = {}
            for part in line[len("results: ") :].split(", "):
                number, name = part.split(" ", 1)
                counts[name.replace(" ", "_")] = int(number)
            return counts
    raise ValueError(f"no results line in the check output:\n{output[:2000]}")


CHECKOV_SIZE = 2000
"""The size at which `stackyard check` is compared with Checkov (when Checkov is found)."""


def measure_size(
    target: int,
    workdir: Path,
    repeats: int | None,
    check: bool,
    say: Callable[[str], None],
    checkov: Path | None = None,
) -> dict[str, Any]:
    shape = shape_for(target)
    project = write_project(workdir / f"size-{target}", platform_spec(shape))
    plan_path = project / "plan.json"
    plan_command = _stackyard("plan", str(project), "--stack", STACK, "-q", "--out", str(plan_path))

    say(f"[{target}] warm-up plan ({shape.describe()})")
    run(plan_command, timings=True)  # file caches; its plan feeds the baseline
    document = json.loads(plan_path.read_text())
    resources = len(document["steps"])
    baseline_path = write_baseline(document, project)
    registrations = len(json.loads(baseline_path.read_text())["resources"])
    baseline_command = [str(PLAIN_PROGRAM), str(baseline_path), TIMINGS]

    rounds = repeats_for(resources, repeats)
    plans: list[Run] = []
    baselines: list[Run] = []
    for index in range(rounds):
        order = [("baseline", baseline_command, baselines), ("plan", plan_command, plans)]
        for name, command, runs in order if index % 2 == 0 else reversed(order):
            say(f"[{target}] round {index + 1}/{rounds}: {name}")
            runs.append(run(command, timings=True))

    plan_seconds = _median(plans, lambda each: each.seconds)
    baseline_seconds = _median(baselines, lambda each: each.seconds)
    plan_phases = _phases(plans)
    baseline_phases = _phases(baselines)
    plan_work = plan_phases["total"] - plan_phases["import"]
    result: dict[str, Any] = {
        "target": target,
        "shape": {"models": shape.models, "node_groups": shape.node_groups, "teams": shape.teams},
        "resources": resources,
        "baseline_registrations": registrations,
        "rounds": rounds,
        "plan": {
            "seconds": [round(each.seconds, 3) for each in plans],
            "median_seconds": round(plan_seconds, 3),
            "ms_per_resource": round(1000 * plan_seconds / resources, 3),
            "work_ms_per_resource": round(1000 * plan_work / resources, 3),
            "peak_rss_bytes": max(each.peak_rss_bytes for each in plans),
            "phases": plan_phases,
        },
        "baseline": {
            "seconds": [round(each.seconds, 3) for each in baselines],
            "median_seconds": round(baseline_seconds, 3),
            "ms_per_resource": round(1000 * baseline_seconds / resources, 3),
            "program_ms_per_registration": round(1000 * baseline_phases["program"] / registrations, 3),
            "peak_rss_bytes": max(each.peak_rss_bytes for each in baselines),
            "phases": baseline_phases,
        },
        "plan_over_baseline": round(plan_seconds / baseline_seconds, 3),
        "plan_program_over_baseline_program": round(plan_phases["program"] / baseline_phases["program"], 3),
    }

    say(f"[{target}] provider SDK imports")
    imports = [run([str(PROVIDER_IMPORTS), str(baseline_path), TIMINGS], timings=True) for _ in range(rounds)]
    provider_seconds = statistics.median(each.phases["provider_imports"] for each in imports)
    result["provider_imports"] = {
        "seconds": [round(each.phases["provider_imports"], 3) for each in imports],
        "median_seconds": round(provider_seconds, 3),
        "types": imports[0].phases["types"],
    }
    # The baseline's generic classes never import the provider SDKs; a program using their typed
    # classes (as the plan's components do) pays this much before registering anything.
    result["plan_over_baseline_with_provider_imports"] = round(
        plan_seconds / (baseline_seconds + provider_seconds), 3
    )

    if check:
        check_command = _stackyard("check", str(plan_path), "--config", str(STRICT_CONFIG))
        checks = []
        for index in range(rounds):
            say(f"[{target}] round {index + 1}/{rounds}: check")
            checks.append(run(check_command, ok_codes=(0, 1), timings=True))
        counts = [_check_counts(each.stdout) for each in checks]
        evaluations = sum(counts[0].values())
        check_seconds = _median(checks, lambda each: each.seconds)
        result["check"] = {
            "seconds": [round(each.seconds, 3) for each in checks],
            "median_seconds": round(check_seconds, 3),
            "results": counts[0],
            # The same plan must give the same results every time; a difference is a bug to report.
            "results_stable": all(each == counts[0] for each in counts),
            "results_per_round": counts,
            "evaluations": evaluations,
            "evaluations_per_second": round(evaluations / check_seconds),
            "peak_rss_bytes": max(each.peak_rss_bytes for each in checks),
            "median_cpu_seconds": round(_median(checks, lambda each: each.cpu_seconds), 3),
        }
        if checkov is not None and target == CHECKOV_SIZE:
            result["checkov"] = compare_with_checkov(
                plan_path, checkov, rounds, lambda line: say(f"[{target}] {line}"), check_command
            )

    say(f"[{target}] validate")
    validates = [run(_stackyard("validate", str(project / "spec.json")), timings=True) for _ in range(3)]
    result["validate_seconds"] = round(_median(validates, lambda each: each.seconds), 3)
    return result


def add_marginal_costs(sizes: list[dict[str, Any]]) -> None:
    """Cost of each further resource between consecutive sizes: fixed costs (imports, start-up)
    cancel out, so a quadratic step shows as a growing figure."""
    ordered = sorted(sizes, key=lambda size: size["resources"])
    for smaller, larger in itertools.pairwise(ordered):
        added = larger["resources"] - smaller["resources"]
        for side in ("plan", "baseline"):
            larger[side]["marginal_ms_per_resource"] = round(
                1000 * (larger[side]["median_seconds"] - smaller[side]["median_seconds"]) / added, 3
            )


def measure_startup(times: int, say: Callable[[str], None]) -> dict[str, Any]:
    say("start-up: stackyard --help, stackyard validate")
    commands = {
        "help": _stackyard("--help"),
        "validate": _stackyard("validate", str(STARTUP_SPEC)),
        "python": ["-c", "pass"],
    }
    result: dict[str, Any] = {}
    for name, command in commands.items():
        runs = [run(command, timings=name != "python") for _ in range(times)]
        result[name] = {
            "median_seconds": round(_median(runs, lambda each: each.seconds), 3),
            "seconds": [round(each.seconds, 3) for each in runs],
        }
    result["validate"]["spec"] = str(STARTUP_SPEC.relative_to(REPO))
    return result


TYPED_REGISTRATION = REPO / "benchmarks" / "typed_registration.py"


def measure_typed_registration(count: int, rounds: int, say: Callable[[str], None]) -> dict[str, Any]:
    """What the typed pulumi-aws classes add per registration, over the generic one the baseline uses."""
    say(f"typed vs generic registration of {count} metric alarms")
    result: dict[str, Any] = {"registrations": count}
    runs: dict[str, list[Run]] = {"generic": [], "typed": []}
    for _ in range(rounds):
        for mode in runs:
            runs[mode].append(run([str(TYPED_REGISTRATION), mode, str(count), TIMINGS], timings=True))
    for mode, measured in runs.items():
        program = statistics.median(each.phases["program"] for each in measured)
        result[mode] = {
            "program_seconds": round(program, 3),
            "ms_per_registration": round(1000 * program / count, 3),
            "import_seconds": round(statistics.median(each.phases["import"] for each in measured), 3),
        }
    result["typed_over_generic"] = round(
        result["typed"]["ms_per_registration"] / result["generic"]["ms_per_registration"], 3
    )
    return result


def _closest(sizes: list[dict[str, Any]], target: int) -> dict[str, Any] | None:
    matching = [size for size in sizes if size["target"] == target]
    return matching[0] if matching else None


def evaluate_targets(sizes: list[dict[str, Any]], startup: dict[str, Any]) -> list[dict[str, Any]]:
    verdicts: list[dict[str, Any]] = []

    def verdict(name: str, description: str, value: float | None, limit: float) -> None:
        verdicts.append(
            {
                "target": name,
                "description": description,
                "value": value,
                "limit": limit,
                "met": None if value is None else value <= limit,
            }
        )

    at_500, at_2000, at_10000 = (_closest(sizes, size) for size in (500, 2000, 10000))
    verdict(
        "plan_over_baseline_at_2000",
        "stackyard plan / plain Pulumi baseline, 2,000 resources (whole process, median)",
        at_2000["plan_over_baseline"] if at_2000 else None,
        TARGETS["plan_over_baseline_at_2000"],
    )
    verdict(
        "per_resource_10000_over_500",
        "plan work per resource (process minus import) at 10,000 / at 500",
        round(at_10000["plan"]["work_ms_per_resource"] / at_500["plan"]["work_ms_per_resource"], 3)
        if at_500 and at_10000
        else None,
        TARGETS["per_resource_10000_over_500"],
    )
    verdict(
        "marginal_10000_over_500",
        "plan ms per further resource, 2,000 to 10,000 / 500 to 2,000 (fixed costs cancel out)",
        round(at_10000["plan"]["marginal_ms_per_resource"] / at_2000["plan"]["marginal_ms_per_resource"], 3)
        if at_500 and at_2000 and at_10000
        else None,
        TARGETS["marginal_10000_over_500"],
    )
    verdict(
        "check_2000_seconds",
        "stackyard check of the 2,000-resource plan, whole catalog, strict preset (s)",
        at_2000["check"]["median_seconds"] if at_2000 and "check" in at_2000 else None,
        TARGETS["check_2000_seconds"],
    )
    compared = at_2000.get("checkov") if at_2000 else None
    verdict(
        "check_over_checkov_at_2000",
        "stackyard check wall / Checkov wall, same 2,000-resource plan (at least 10x faster)",
        round(1 / compared["checkov_over_stackyard_wall"], 3) if compared else None,
        TARGETS["check_over_checkov_at_2000"],
    )
    verdict(
        "peak_memory_10000_bytes",
        "peak RSS of stackyard plan, 10,000 resources (bytes)",
        at_10000["plan"]["peak_rss_bytes"] if at_10000 else None,
        TARGETS["peak_memory_10000_bytes"],
    )
    verdict(
        "help_seconds",
        "stackyard --help (s, median)",
        startup["help"]["median_seconds"],
        TARGETS["help_seconds"],
    )
    return verdicts


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    from importlib.metadata import PackageNotFoundError, version

    for package in (
        "stackyard",
        "pulumi",
        "pulumi-aws",
        "pulumi-kubernetes",
        "pulumi-policy",
        "pydantic",
        "protobuf",
    ):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "versions": versions,
        "commit": _commit(),
    }


def _commit() -> str | None:
    import subprocess

    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _mib(value: int) -> str:
    return f"{value / 1024**2:,.0f} MiB"


def _marginal(side: dict[str, Any]) -> str:
    value = side.get("marginal_ms_per_resource")
    return "-" if value is None else f"{value:.2f}"


def print_report(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console = Console(width=220)  # a log file: don't squeeze the columns to 80
    table = Table(title="stackyard plan and check vs a plain Pulumi program (median, fresh process each)")
    for column in (
        "target",
        "resources",
        "rounds",
        "plan s",
        "baseline s",
        "plan/baseline",
        "plan ms/res",
        "plan work ms/res",
        "baseline ms/res",
        "plan marginal",
        "baseline marginal",
        "plan peak",
        "check s",
        "rule evals/s",
        "validate s",
    ):
        table.add_column(column, justify="right")
    for size in report["sizes"]:
        check = size.get("check", {})
        table.add_row(
            f"{size['target']:,}",
            f"{size['resources']:,}",
            str(size["rounds"]),
            f"{size['plan']['median_seconds']:.2f}",
            f"{size['baseline']['median_seconds']:.2f}",
            f"{size['plan_over_baseline']:.2f}",
            f"{size['plan']['ms_per_resource']:.2f}",
            f"{size['plan']['work_ms_per_resource']:.2f}",
            f"{size['baseline']['ms_per_resource']:.2f}",
            _marginal(size["plan"]),
            _marginal(size["baseline"]),
            _mib(size["plan"]["peak_rss_bytes"]),
            (f"{check['median_seconds']:.2f}" + ("" if check.get("results_stable", True) else " (!)"))
            if check
            else "-",
            f"{check['evaluations_per_second']:,}" if check else "-",
            f"{size['validate_seconds']:.2f}",
        )
    console.print(table)
    console.print(
        "ms/res: whole process / resources; marginal: ms per further resource since the next smaller size; "
        "(!) after a check time: its results differed between rounds"
    )
    host = report.get("machine")
    if host:
        console.print(
            f"load average (1, 5, 15 min) before the run: {host['load_average']}, "
            f"after: {host.get('load_average_after')}"
        )
    console.print(
        "peak memory of the baseline: "
        + ", ".join(
            f"{size['target']:,}: {_mib(size['baseline']['peak_rss_bytes'])}"
            for size in report["sizes"]
            if "peak_rss_bytes" in size["baseline"]
        )
    )

    phases = Table(title="where the plan's time goes (median seconds)")
    for column in (
        "target",
        "import",
        "program",
        "document",
        "write",
        "total",
        "baseline import",
        "baseline program",
    ):
        phases.add_column(column, justify="right")
    for size in report["sizes"]:
        plan, baseline = size["plan"]["phases"], size["baseline"]["phases"]
        phases.add_row(
            f"{size['target']:,}",
            *(f"{plan.get(name, 0.0):.2f}" for name in ("import", "program", "document", "write", "total")),
            f"{baseline['import']:.2f}",
            f"{baseline['program']:.2f}",
        )
    console.print(phases)
    console.print(
        "provider SDK imports a program with typed classes pays (the modules of the plan's resource types, "
        "not imported by the baseline): "
        + ", ".join(
            f"{size['target']:,}: {size['provider_imports']['median_seconds']:.2f} s "
            f"(plan / (baseline + them) {size['plan_over_baseline_with_provider_imports']:.2f})"
            for size in report["sizes"]
            if "provider_imports" in size
        )
    )

    startup = report["startup"]
    console.print(
        f"start-up (median of {len(startup['help']['seconds'])}): stackyard --help "
        f"{startup['help']['median_seconds']:.3f} s, stackyard validate {startup['validate']['spec']} "
        f"{startup['validate']['median_seconds']:.3f} s, bare python {startup['python']['median_seconds']:.3f} s"
    )
    for size in report["sizes"]:
        compared = size.get("checkov")
        if compared:
            ours, theirs = compared["stackyard"], compared["checkov"]
            console.print(
                f"check vs Checkov {theirs['version']} on the same {size['resources']:,}-resource plan "
                f"({theirs['terraform_resources']:,} Terraform resources, {len(theirs['checks'])} checks), median of "
                f"{compared['rounds']}: stackyard check {ours['median_seconds']:.2f} s wall, "
                f"{ours['median_cpu_seconds']:.2f} CPU s, {_mib(ours['peak_rss_bytes'])}; Checkov "
                f"{theirs['median_seconds']:.2f} s wall, {theirs['median_cpu_seconds']:.2f} CPU s, "
                f"{_mib(theirs['peak_rss_bytes'])}: {compared['checkov_over_stackyard_wall']:.1f}x faster by wall "
                f"time, {compared['checkov_over_stackyard_cpu']:.1f}x by CPU"
            )
    typed = report.get("typed_registration")
    if typed:
        console.print(
            f"registration of {typed['registrations']:,} metric alarms under mocks: typed pulumi-aws class "
            f"{typed['typed']['ms_per_registration']:.2f} ms, generic CustomResource "
            f"{typed['generic']['ms_per_registration']:.2f} ms ({typed['typed_over_generic']:.2f}x)"
        )
    targets = Table(title="targets")
    for column in ("target", "value", "limit", "met"):
        targets.add_column(column)
    for verdict in report["targets"]:
        value, limit = verdict["value"], verdict["limit"]
        if verdict["target"].endswith("_bytes"):
            shown, limit_shown = (_mib(value) if value is not None else "-"), _mib(int(limit))
        else:
            shown, limit_shown = (f"{value:.3f}" if value is not None else "-"), f"{limit:g}"
        met = {True: "yes", False: "NO", None: "not measured"}[verdict["met"]]
        targets.add_row(verdict["description"], shown, limit_shown, met)
    console.print(targets)


SOURCE_PACKAGES = ("stackyard", "components", "policies", "examples", "benchmarks")


def compile_bytecode() -> None:
    """Compile the repository's packages, as pip does for an installed package. An editable
    install would otherwise compile them in every measured process when the environment sets
    PYTHONDONTWRITEBYTECODE (this machine does), which no installed stackyard pays."""
    for package in SOURCE_PACKAGES:
        compileall.compile_dir(REPO / package, quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", help="Target resource counts, comma-separated (default 500,2000,10000).")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Where to write the JSON results.")
    parser.add_argument("--quick", action="store_true", help="Small sizes, one round: a check that it works.")
    parser.add_argument(
        "--repeat", type=int, help="Rounds per size (default 3 up to 2,000 resources, else 1)."
    )
    parser.add_argument("--startup-runs", type=int, default=5, help="Runs of each start-up command (median).")
    parser.add_argument("--no-check", action="store_true", help="Skip stackyard check.")
    parser.add_argument("--keep", type=Path, help="Keep the generated projects, plans and baselines here.")
    parser.add_argument(
        "--checkov",
        help=f"Checkov executable to compare the check with at {CHECKOV_SIZE:,} resources (default: "
        f"${CHECKOV_ENVIRONMENT_VARIABLE}, then PATH; skipped when none is found).",
    )
    options = parser.parse_args(argv)
    checkov = None if options.no_check else find_checkov(options.checkov)

    if options.sizes:
        sizes = [int(size) for size in options.sizes.split(",")]
    else:
        sizes = list(QUICK_SIZES if options.quick else DEFAULT_SIZES)
    repeats = 1 if options.quick and options.repeat is None else options.repeat
    startup_runs = 3 if options.quick else options.startup_runs

    def say(message: str) -> None:
        print(f"{datetime.now():%H:%M:%S} {message}", file=sys.stderr, flush=True)

    began = time.perf_counter()
    host = machine()
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="stackyard-bench-") as scratch:
        workdir = options.keep or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        # Kept sagemaker SDK answers start empty, whatever the user's cache holds: the first
        # validate run fills them (its time is the cold one), later runs read them.
        os.environ["STACKYARD_CACHE_DIR"] = scratch + "/answers"
        startup = measure_startup(startup_runs, say)
        typed = measure_typed_registration(200 if options.quick else 2000, 1 if options.quick else 3, say)
        results = [measure_size(size, workdir, repeats, not options.no_check, say, checkov) for size in sizes]
    add_marginal_costs(results)
    host["load_average_after"] = [round(value, 2) for value in os.getloadavg()]
    report = {
        "generatedAt": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": host,
        "method": {
            "process": "each measurement is a fresh Python process; wall time measured by the parent",
            "bytecode": "the repository's packages are compiled first (compileall), as an installed package is",
            "answers": "kept sagemaker SDK answers (STACKYARD_CACHE_DIR) start empty: the first validate run "
            "imports the SDK and keeps them, later runs read them",
            "peak_memory": "ru_maxrss of that child, from os.wait4 when it is reaped",
            "rounds": "median over rounds; plan and baseline interleaved, order alternating per round; "
            "one untimed warm-up plan per size",
            "baseline": "benchmarks/plain_program.py: the plan's registrations replayed with pulumi.CustomResource/"
            "ComponentResource/ProviderResource under pulumi.runtime.set_mocks with the stock MockMonitor",
            "check": "stackyard check <plan> --config policies/presets/strict.json (whole catalog)",
            "checkov": "benchmarks/checkov.py: the plan converted to a Terraform plan (terraform show -json shape), "
            "then checkov -f tfplan.json --framework terraform_plan --check <the catalog's Checkov peers>, "
            "interleaved with stackyard check, order alternating per round",
            "rule_evaluations": "rule x resource results the check reports (pass, fail, not applicable, waived, "
            "indeterminate), per second of check wall time",
        },
        "startup": startup,
        "typed_registration": typed,
        "sizes": results,
        "seconds": round(time.perf_counter() - began, 1),
    }
    report["targets"] = evaluate_targets(results, startup)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print_report(report)
    print(f"wrote {options.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
