"""The benchmark's parts at a tiny size: the generated platform is valid and as large as asked,
the baseline registers exactly what the plan recorded, and the harness measures and reports.
Nothing here asserts a speed."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pytest

from benchmarks import run as harness
from benchmarks.baseline import PLAIN_PROGRAM, baseline_resources, write_baseline
from benchmarks.generator import PROJECT, REGION, STACK, Shape, platform_spec, shape_for, write_project
from benchmarks.measure import TIMINGS, CommandFailed, run
from stackyard.plan.document import build_document
from stackyard.plan.engine import plan_project, run_program
from stackyard.plan.project import StackConfig
from stackyard.spec.loader import validate

TINY = Shape(models=2, node_groups=2, teams=2)


@pytest.fixture(scope="module")
def tiny_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    project = write_project(tmp_path_factory.mktemp("tiny"), platform_spec(TINY))
    return project, plan_project(project, STACK)


def test_generated_spec_is_valid_and_has_the_shape_asked() -> None:
    spec = validate(platform_spec(Shape(models=3, node_groups=2, teams=4)))
    assert [group.name for group in spec.feature_store.groups] == [
        "model-00000-features",
        "model-00001-features",
        "model-00002-features",
    ]
    assert len(spec.registry.models) == len(spec.serving.endpoints) == 3
    assert all(endpoint.autoscaling for endpoint in spec.serving.endpoints)
    eks = spec.training.clusters[0].eks
    assert [group.name for group in eks.node_groups] == ["system", "gpu-000", "gpu-001"]
    assert len(eks.teams) == 4


def test_shapes_grow_with_the_size_asked() -> None:
    shapes = [shape_for(size) for size in (500, 2000, 10000)]
    assert [shape.models for shape in shapes] == sorted(shape.models for shape in shapes)
    assert shapes[0].models < shapes[1].models < shapes[2].models
    assert all(1 <= shape.node_groups <= 30 for shape in shapes)


def test_calibration_matches_what_the_plan_records(tiny_plan: tuple[Path, dict[str, Any]]) -> None:
    # The size the generator aims at, against the plan's own count: within 5%.
    _, document = tiny_plan
    from benchmarks.generator import BASE, PER_MODEL, PER_NODE_GROUP, PER_TEAM

    expected = BASE + PER_MODEL * TINY.models + PER_NODE_GROUP * TINY.node_groups + PER_TEAM * TINY.teams
    assert abs(len(document["steps"]) - expected) <= 0.05 * expected


def test_the_baseline_registers_exactly_what_the_plan_recorded(
    tiny_plan: tuple[Path, dict[str, Any]],
) -> None:
    project, document = tiny_plan
    baseline = json.loads(write_baseline(document, project).read_text())
    assert (baseline["project"], baseline["stack"]) == (PROJECT, STACK)
    # Everything but the stack and the engine's default providers, each after what it needs.
    assert len(baseline["resources"]) == len(document["steps"]) - 2
    seen: set[str] = set()
    for resource in baseline["resources"]:
        needs = {resource["parent"], resource["provider"], *resource["dependencies"]}
        needs.update(urn for urns in resource["propertyDependencies"].values() for urn in urns)
        assert needs - {""} - {step["urn"] for step in document["steps"][:2]} <= seen, resource["urn"]
        seen.add(resource["urn"])

    # Replay it under the plan's own recorder: the same document, step for step.
    plain = runpy.run_path(str(PLAIN_PROGRAM))
    config = StackConfig(stack=STACK, values={"aws:region": REGION})
    registrations = run_program(
        lambda: plain["program"](baseline["resources"]), project=PROJECT, stack=STACK, config=config
    )
    replayed = build_document(registrations, project=PROJECT, stack=STACK, config=config)
    assert replayed["steps"] == document["steps"]
    assert replayed["stackyard"]["resourceCounts"] == document["stackyard"]["resourceCounts"]


def test_baseline_leaves_out_only_the_stack_and_default_providers(
    tiny_plan: tuple[Path, dict[str, Any]],
) -> None:
    _, document = tiny_plan
    types = {resource["type"] for resource in baseline_resources(document)}
    assert "pulumi:pulumi:Stack" not in types
    assert "pulumi:providers:kubernetes" in types  # an explicit provider is the program's own
    assert "pulumi:providers:aws" not in types


def test_a_measured_run_reports_time_memory_and_the_childs_phases(
    tiny_plan: tuple[Path, dict[str, Any]],
) -> None:
    project, document = tiny_plan
    baseline = write_baseline(document, project)
    measured = run([str(PLAIN_PROGRAM), str(baseline), TIMINGS], timings=True)
    assert measured.exit_code == 0
    assert measured.seconds > 0 and measured.peak_rss_bytes > 10 * 1024**2
    assert measured.phases["registrations"] == len(document["steps"]) - 2
    assert measured.phases["program"] > 0

    with pytest.raises(CommandFailed, match="exited with 3"):
        run(["-c", "import sys; sys.exit(3)"])


def test_provider_imports_find_the_class_of_every_type_the_baseline_registers(
    tiny_plan: tuple[Path, dict[str, Any]],
) -> None:
    project, document = tiny_plan
    baseline = write_baseline(document, project)
    measured = run([str(harness.PROVIDER_IMPORTS), str(baseline), TIMINGS], timings=True)
    types = {
        step["newState"]["type"]
        for step in document["steps"]
        if step["newState"]["custom"] and not step["newState"]["type"].startswith("pulumi:providers:")
    }
    assert "aws:sagemaker/endpoint:Endpoint" in types and "kubernetes:core/v1:Namespace" in types
    assert measured.phases["types"] == measured.phases["classes"] == len(types)
    assert measured.phases["provider_imports"] > 0


def test_check_counts_are_read_from_the_check_output() -> None:
    output = "stackyard check: plan\npacks: stackyard@0.1.0 (58 rules)\nresults: 228 pass, 11 fail, 6348 not applicable, 0 waived, 27 indeterminate\n"
    assert harness._check_counts(output) == {
        "pass": 228,
        "fail": 11,
        "not_applicable": 6348,
        "waived": 0,
        "indeterminate": 27,
    }


def _size(
    target: int, plan_seconds: float, work_ms: float, peak: int, check_seconds: float
) -> dict[str, Any]:
    return {
        "target": target,
        "resources": target,
        "rounds": 1,
        "plan": {
            "median_seconds": plan_seconds,
            "ms_per_resource": 1000 * plan_seconds / target,
            "work_ms_per_resource": work_ms,
            "peak_rss_bytes": peak,
            "phases": {"import": 0.1, "program": 1.0, "document": 0.1, "write": 0.1, "total": 1.3},
        },
        "baseline": {
            "median_seconds": plan_seconds / 2,
            "ms_per_resource": 500 * plan_seconds / target,
            "phases": {"import": 0.1, "program": 0.5},
        },
        "plan_over_baseline": 2.0,
        "provider_imports": {"median_seconds": 0.5, "seconds": [0.5], "types": 50},
        "plan_over_baseline_with_provider_imports": 1.5,
        "check": {"median_seconds": check_seconds, "evaluations_per_second": 1000},
        "validate_seconds": 0.5,
    }


def test_targets_are_judged_and_reported(capsys: pytest.CaptureFixture[str]) -> None:
    sizes = [
        _size(500, 3.0, 4.0, 300 * 1024**2, 1.0),
        _size(2000, 9.0, 4.4, 500 * 1024**2, 2.5),
        _size(10000, 40.0, 4.0, 2 * 1024**3, 9.0),
    ]
    startup = {
        "help": {"median_seconds": 0.1, "seconds": [0.1]},
        "validate": {"median_seconds": 1.0, "seconds": [1.0], "spec": "stacks/prod.yaml"},
        "python": {"median_seconds": 0.02, "seconds": [0.02]},
    }
    sizes[1]["checkov"] = {
        "rounds": 3,
        "stackyard": {"median_seconds": 2.5, "median_cpu_seconds": 2.0, "peak_rss_bytes": 110 * 1024**2},
        "checkov": {
            "median_seconds": 30.0,
            "median_cpu_seconds": 24.0,
            "peak_rss_bytes": 450 * 1024**2,
            "version": "3.3.30",
            "terraform_resources": 1816,
            "checks": ["CKV_AWS_158"],
        },
        "checkov_over_stackyard_wall": 12.0,
        "checkov_over_stackyard_cpu": 12.0,
    }
    harness.add_marginal_costs(sizes)
    assert sizes[1]["plan"]["marginal_ms_per_resource"] == 4.0  # (9 s - 3 s) / 1,500 resources
    assert "marginal_ms_per_resource" not in sizes[0]["plan"]
    verdicts = {verdict["target"]: verdict for verdict in harness.evaluate_targets(sizes, startup)}
    assert {name: verdict["met"] for name, verdict in verdicts.items()} == {
        "plan_over_baseline_at_2000": False,
        "per_resource_10000_over_500": True,
        "marginal_10000_over_500": True,
        "check_2000_seconds": False,
        "check_over_checkov_at_2000": True,
        "peak_memory_10000_bytes": False,
        "help_seconds": True,
    }
    assert verdicts["per_resource_10000_over_500"]["value"] == 1.0
    assert verdicts["check_over_checkov_at_2000"]["value"] == 0.083  # 2.5 s / 30 s
    # (40 s - 9 s) / 8,000 resources = 3.875 ms after 10,000, against 4.0 ms from 500 to 2,000
    assert verdicts["marginal_10000_over_500"]["value"] == 0.969

    harness.print_report({"sizes": sizes, "startup": startup, "targets": list(verdicts.values())})
    printed = capsys.readouterr().out
    assert "plan/baseline" in printed and "10,000" in printed and "NO" in printed and "4.00" in printed
    assert "12.0x faster by wall time, 12.0x by CPU" in " ".join(printed.split())
    assert "2,000: 0.50 s (plan / (baseline + them) 1.50)" in " ".join(printed.split())


def test_targets_not_measured_at_other_sizes() -> None:
    startup = {"help": {"median_seconds": 0.1}}
    verdicts = harness.evaluate_targets([_size(150, 1.0, 4.0, 1, 1.0)], startup)
    assert [verdict["met"] for verdict in verdicts] == [None, None, None, None, None, None, True]


def test_typed_and_generic_registration_are_measured_alike() -> None:
    result = harness.measure_typed_registration(20, 1, lambda _: None)
    assert result["registrations"] == 20
    for mode in ("typed", "generic"):
        assert result[mode]["program_seconds"] > 0
        assert result[mode]["ms_per_registration"] > 0
    assert result["typed_over_generic"] > 0
