"""The reference platform's stacks (stacks/dev, staging, prod): planned offline, they are wired,
tagged, regional and secret-free, and prod passes the strict policy preset while a weakened copy
fails it on exactly the rules it weakens."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from stackyard.check.evaluate import CheckOptions, CheckRun, run_check
from stackyard.check.model import Result
from stackyard.commands.check import default_pack
from stackyard.plan import plan_project
from stackyard.plan.wire import UNKNOWN
from stackyard.policies.rules.tagging import is_taggable

ROOT = Path(__file__).resolve().parent.parent
STRICT = ROOT / "policies" / "presets" / "strict.json"
STACKS = ("dev", "staging", "prod")
REQUIRED_TAGS = ("owner", "cost-center", "data-classification")


def _spec(stack: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "stacks" / f"{stack}.yaml").read_text())


@pytest.fixture(scope="module")
def plans() -> dict[str, dict[str, Any]]:
    return {stack: plan_project(ROOT, stack) for stack in STACKS}


def _resources(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [step["newState"] for step in plan["steps"]]


def _custom_aws(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for resource in _resources(plan):
        if resource["custom"] and resource["type"].startswith("aws:"):
            yield resource


def _unknown_paths(value: Any, path: str = "") -> Iterator[str]:
    if value == UNKNOWN:
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unknown_paths(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unknown_paths(item, f"{path}[{index}]")


@pytest.mark.parametrize("stack", STACKS)
def test_every_aws_resource_lives_in_an_allowed_region(plans: dict[str, dict[str, Any]], stack: str) -> None:
    plan = plans[stack]
    allowed = set(_spec(stack)["allowed_regions"])
    providers = plan["stackyard"]["providers"]
    resources = list(_custom_aws(plan))
    assert resources
    for resource in resources:
        region = resource["inputs"].get("region") or providers[resource["provider"]]["region"]
        assert region in allowed, (resource["urn"], region)


@pytest.mark.parametrize("stack", STACKS)
def test_every_unknown_input_comes_from_a_resource(plans: dict[str, dict[str, Any]], stack: str) -> None:
    """An input unknown at preview must say where it comes from (a property dependency), or no
    policy and no reviewer can tell what it will be."""
    for resource in _resources(plans[stack]):
        dependencies = resource.get("propertyDependencies", {})
        for key, value in resource.get("inputs", {}).items():
            unknown = list(_unknown_paths(value, key))
            if unknown:
                assert dependencies.get(key), (resource["urn"], unknown)


@pytest.mark.parametrize("stack", STACKS)
def test_every_taggable_resource_carries_the_required_tags(
    plans: dict[str, dict[str, Any]], stack: str
) -> None:
    spec_tags = _spec(stack)["tags"]
    expected = {
        "owner": spec_tags["owner"],
        "cost-center": spec_tags["cost_center"],
        "data-classification": spec_tags["data_classification"],
    }
    taggable = [r for r in _custom_aws(plans[stack]) if is_taggable(r["type"])]
    assert len(taggable) > 20
    for resource in taggable:
        tags = resource["inputs"].get("tags") or {}
        for key in REQUIRED_TAGS:
            # A feature group may carry its own, stricter data classification.
            assert tags.get(key) == expected[key] or (key == "data-classification" and tags.get(key)), (
                resource["urn"],
                key,
                tags,
            )


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_rollback_alarms_exist(plans: dict[str, dict[str, Any]], stack: str) -> None:
    resources = _resources(plans[stack])
    alarm_names = {
        r["inputs"]["name"] for r in resources if r["type"] == "aws:cloudwatch/metricAlarm:MetricAlarm"
    }
    named = [
        alarm["alarmName"]
        for r in resources
        if r["type"] == "aws:sagemaker/endpoint:Endpoint"
        for alarm in (r["inputs"].get("deploymentConfig") or {})
        .get("autoRollbackConfiguration", {})
        .get("alarms", [])
    ]
    assert named  # the reference stacks roll out with canaries
    assert set(named) <= alarm_names, set(named) - alarm_names


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_value_reaches_the_plan(plans: dict[str, dict[str, Any]], stack: str) -> None:
    text = json.dumps(plans[stack])
    for url in (_spec(stack).get("monitoring") or {}).get("notifications", {}).get("webhooks", []):
        assert url not in text
    secrets = plans[stack]["stackyard"]["secrets"]
    by_urn = {r["urn"]: r for r in _resources(plans[stack])}
    for urn, paths in secrets.items():
        for path in paths:
            assert by_urn[urn]["inputs"][path] == "[secret]", (urn, path)


def _check(plan: dict[str, Any], tmp_path: Path, name: str) -> CheckRun:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(plan))
    return run_check(CheckOptions(input_path=path, packs=[default_pack()], config=STRICT))


def _failed_rules(run: CheckRun) -> set[str]:
    return {f.rule.name for f in run.findings if f.result is Result.FAIL and f.mandatory}


def test_prod_passes_the_strict_preset(plans: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    run = _check(plans["prod"], tmp_path, "prod")
    assert _failed_rules(run) == set()
    assert run.exit_code == 0


WEAKENED = {
    # Allowed by the spec, refused by the strict preset: each line names the rule it breaks.
    "SY-DP-001": lambda spec: spec.update(protect_stateful=False),
    "SY-SRV-002": lambda spec: spec["serving"]["endpoints"][0].update(data_capture={"enabled": False}),
    "SY-COST-002": lambda spec: spec["training"]["clusters"][0]["eks"]["node_groups"][1].update(max_size=12),
}


def test_a_weakened_prod_fails_strict_on_exactly_the_weakened_rules(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py", "Pulumi.prod.yaml"):
        shutil.copy(ROOT / name, project / name)
    spec = _spec("prod")
    for weaken in WEAKENED.values():
        weaken(spec)
    # Data capture feeds Model Monitor: without it the monitoring section must not ask for it, nor
    # retraining wait for its drift reports (the health alarm still triggers it).
    spec["monitoring"].pop("data_quality")
    spec["monitoring"]["retraining"][0]["triggers"].pop("drift")
    (project / "stacks").mkdir()
    (project / "stacks" / "prod.yaml").write_text(yaml.safe_dump(spec))
    run = _check(plan_project(project, "prod"), tmp_path, "weakened")
    assert _failed_rules(run) == set(WEAKENED)


@pytest.mark.parametrize(("stack", "max_runs"), [("staging", 3), ("prod", 2)])
def test_the_main_model_retrains_on_drift_or_its_health_alarm_within_a_budget(
    plans: dict[str, dict[str, Any]], stack: str, max_runs: int
) -> None:
    """Continuous training: two EventBridge rules (Model Monitor violations of the churn schedule,
    the churn composite alarm entering ALARM) whose only target is the budget state machine, which
    starts the churn training pipeline."""
    by_name = {r["urn"].rsplit("::", 1)[-1]: r for r in _resources(plans[stack])}
    prefix = f"mlplatform-{stack}-monitoring-retrain-churn"
    machine = by_name[f"{prefix}-budget"]
    assert machine["type"] == "aws:sfn/stateMachine:StateMachine"
    alarms = by_name[f"{prefix}-alarms"]
    assert json.loads(alarms["inputs"]["eventPattern"]) == {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {"alarmName": [f"mlplatform-{stack}-churn-health"], "state": {"value": ["ALARM"]}},
    }
    drift = by_name[f"{prefix}-drift"]
    schedule = by_name[f"mlplatform-{stack}-monitoring-churn-data-quality-schedule"]
    assert drift["propertyDependencies"]["eventPattern"] == [schedule["urn"]]
    for trigger in ("alarms", "drift"):
        target = by_name[f"{prefix}-{trigger}-target"]
        assert target["propertyDependencies"]["arn"] == [machine["urn"]]
    # The definition (known only once the topic exists) is the budget check of the pipeline.
    from stackyard.components.monitoring.retraining_documents import PipelineTarget, state_machine_definition

    definition = json.loads(
        state_machine_definition(
            "churn", PipelineTarget(f"mlplatform-{stack}-churn-training"), max_runs, 7, "arn:topic"
        )
    )
    assert definition["States"]["WithinBudget"]["Choices"][0]["Condition"] == (
        f"{{% $states.input.recentRuns < {max_runs} %}}"
    )
    spec = _spec(stack)["monitoring"]["retraining"][0]
    assert spec["target"] == {"sagemaker_pipeline": f"mlplatform-{stack}-churn-training"}
    assert spec["budget"] == {"max_runs": max_runs, "period_days": 7}
