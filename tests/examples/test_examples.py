"""Every example plans and passes `stackyard check` under its own policy config, and what it
creates is snapshotted so a change shows in review (`STACKYARD_UPDATE_SNAPSHOTS=1 pytest
tests/examples` rewrites the snapshots after an intended change)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from stackyard.check.evaluate import CheckRun
from stackyard.check.model import Result
from stackyard.check.waivers import WaiverState
from stackyard.scaffold.policy import render_policy_config
from stackyard.spec.loader import load_spec_file
from tests.examples.harness import (
    EXAMPLES,
    EXAMPLES_DIR,
    SNAPSHOTS,
    UPDATE_COMMAND,
    UPDATE_ENV,
    check,
    plan_to,
    render_summary,
    summary,
)

SPEC_DRIVEN = tuple(name for name in EXAMPLES if name != "compose-your-own")


# Mandatory failures that come from component or rule bugs reported to their owners, not from the
# examples. Each entry is (rule, resource name). The test fails when the set changes either way:
# when a fix lands, delete its entries here.
@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Each example planned once (stack dev): its plan file and document."""
    out = tmp_path_factory.mktemp("plans")
    return {
        name: (out / f"{name}.json", plan_to(EXAMPLES_DIR / name, out / f"{name}.json")) for name in EXAMPLES
    }


@pytest.fixture(scope="module")
def checked(planned: dict[str, tuple[Path, dict[str, Any]]]) -> dict[str, CheckRun]:
    return {name: check(planned[name][0], EXAMPLES_DIR / name) for name in EXAMPLES}


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_is_a_complete_project(name: str) -> None:
    project = EXAMPLES_DIR / name
    for required in ("Pulumi.yaml", "__main__.py", "Pulumi.dev.yaml", "requirements.txt", "README.md"):
        assert (project / required).is_file(), f"{name} has no {required}"
    pulumi_yaml = yaml.safe_load((project / "Pulumi.yaml").read_text())
    assert pulumi_yaml["runtime"]["name"] == "python"
    readme = (project / "README.md").read_text()
    for topic in ("cost", "pulumi up", "stackyard plan", "stackyard check"):
        assert topic in readme.lower(), f"{name}/README.md says nothing about {topic}"


@pytest.mark.parametrize("name", SPEC_DRIVEN)
def test_spec_driven_example_validates(name: str) -> None:
    spec = load_spec_file(EXAMPLES_DIR / name / "Pulumi.dev.yaml")
    assert spec.environment.value == "dev"


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_plan_matches_snapshot(name: str, planned: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    actual = render_summary(summary(planned[name][1]))
    snapshot = SNAPSHOTS / f"{name}.json"
    if os.environ.get(UPDATE_ENV):
        snapshot.write_text(actual, encoding="utf-8")
    assert snapshot.is_file(), f"no snapshot for {name}: run `{UPDATE_COMMAND}`"
    expected = snapshot.read_text(encoding="utf-8")
    if actual != expected:
        before, after = json.loads(expected), json.loads(actual)
        added = sorted(set(after["names"]) - set(before["names"]))
        removed = sorted(set(before["names"]) - set(after["names"]))
        pytest.fail(
            f"examples/{name} now plans {after['resources']} resources (snapshot: {before['resources']}); "
            f"added {added}, removed {removed}. If intended, run `{UPDATE_COMMAND}` and commit the snapshot."
        )


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_passes_its_policy_config(name: str, checked: dict[str, CheckRun]) -> None:
    run = checked[name]
    blocking = {(f.rule.name, f.urn.rsplit("::", 1)[-1]) for f in run.blocking()}
    assert blocking == set(), f"examples/{name}: mandatory failures {sorted(blocking)}"
    assert not [w for w in run.waivers if w.state is WaiverState.EXPIRED]


def test_eu_regulated_waiver_matches_the_isolation_finding(checked: dict[str, CheckRun]) -> None:
    run = checked["eu-regulated"]
    [status] = run.waivers
    assert status.state is WaiverState.ACTIVE
    assert status.waiver.expires > dt.date.today()
    waived = [f for f in run.findings if f.result is Result.WAIVED]
    assert [(f.rule.name, f.urn.rsplit("::", 1)[-1]) for f in waived] == [
        ("SY-NET-002", "eureg-dev-serving-credit-risk-model")
    ]
    assert waived[0].waiver == status.id


def test_eu_regulated_runs_strict_and_gdpr_eu() -> None:
    config_file = EXAMPLES_DIR / "eu-regulated" / "stackyard-policy.json"
    expected = render_policy_config(["strict", "gdpr-eu"])
    if os.environ.get(UPDATE_ENV):
        config_file.write_text(expected, encoding="utf-8")
    assert config_file.read_text(encoding="utf-8") == expected, (
        f"examples/eu-regulated/stackyard-policy.json is not strict + gdpr-eu as the presets are now: run `{UPDATE_COMMAND}`"
    )
    config = json.loads(expected)
    assert {entry["enforcementLevel"] for entry in config.values()} == {"mandatory"}
    assert all(region.startswith("eu-") for region in config["SY-RES-001"]["allowedRegions"])


def test_eu_regulated_stays_in_the_eu(planned: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    spec = load_spec_file(EXAMPLES_DIR / "eu-regulated" / "Pulumi.dev.yaml")
    assert spec.encryption.mode == "existing"
    assert spec.region.startswith("eu-")
    assert all(region.startswith("eu-") for region in spec.residency_regions)
    document = planned["eu-regulated"][1]
    # The given key is used, none is created.
    assert "aws:kms/key:Key" not in summary(document)["types"]
